"""Two tokenized texts → what they share: weighted content words, exact runs, similar sentences.

In: the article's and the page's `Tokens`. Out: a `Shared` record (which content words match
where, and what each is worth) and the *seeds* the aligner grows passages from:

* exact runs: maximal runs of consecutive shared word shingles on one diagonal (copied text);
* sentence pairs: an article sentence and a page sentence whose content words agree by tf-idf
  cosine and by Dice (rewritten, obfuscated or translated text keeps most of its content words
  but loses their order and most of its shingles).

A word's weight is its inverse document frequency over the sentences of both texts, scaled so
that a word found in one sentence of each text weighs 1: names and topic words that run through
both texts weigh little, so two texts on one subject do not look alike for sharing them.
Content words are the words outside a short list of French, English and Arabic function words.
*Facts* are numbers and capitalised words inside a sentence (names): what independent reports
of one event share; the aligner does not count them as shared wording.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from compliance.detect.arrays import distinct, occurrences
from compliance.detect.fingerprint import shingle_hashes
from compliance.detect.normalize import Tokens, token_hashes
from compliance.detect.sentences import sentence_bounds, sentence_ids

# Calibrated as a set, with the alignment settings in Settings (min_evidence, close_wording,
# paraphrase_contrast…), on PAN 2013 training data and the fixtures: change them together, never
# one in isolation, and rerun the quality gate (tests/test_quality.py against
# tests/quality_floors.json, tests/test_gate.py) and bench/pan.py before keeping a change.
MAX_REPEAT = 50  # a word or shingle repeated more often than this is filler, not a seed
BAND = 0.5  # a rewritten sentence keeps its shared words within half a sentence of one diagonal
MODE_SHARE = 0.5  # ...but when half of them share one diagonal, the sentence was copied: keep to it

_FUNCTION_WORDS = """
a about above after again against all also am an and any are as at be because been before being
below between both but by can could did do does doing down during each few for from further had has
have having he her here hers herself him himself his how i if in into is it its itself just me more
most my myself no nor not now of off on once only or other our ours ourselves out over own same she
should so some such than that the their theirs them themselves then there these they this those
through to too under until up very was we were what when where which while who whom why will with
would you your yours yourself yourselves
au aux avec ce ces cet cette dans de des du elle elles en est et eux il ils je la le les leur leurs
lui ma mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta
te tes toi ton tu un une vos votre vous y ete etre avait avoir ont sont fait plus aussi comme tout
tous toute toutes entre apres depuis sans sous selon lors dont ainsi alors donc
في من على إلى الى عن مع هذا هذه ذلك تلك التي الذي الذين أن ان إن لا ما لم لن قد كان كانت هو هي هم
كما أو او ثم بين عند حتى بعد قبل كل وقد وفي ومن وعلى وهو وهي أي اي إذا اذا
"""
FUNCTION_HASHES = np.unique(token_hashes(_FUNCTION_WORDS))
_DIGITS = re.compile(r"\d+")


@dataclass(slots=True)
class Seed:
    """Shared text in token indices, end exclusive: article [a0, a1), page [p0, p1)."""

    a0: int
    a1: int
    p0: int
    p1: int
    weight: float = 0.0  # weighted content words the seed shares
    run: bool = True  # an exact run (True) or a pair of similar sentences (False)
    weak: bool = False  # a sentence pair sharing few words: it may join seeds, not extend them


@dataclass(frozen=True, slots=True, eq=False)
class TextInfo:
    """What the aligner needs of one text besides its tokens (computed once per text)."""

    content: np.ndarray  # bool per token: not a function word
    fact: np.ndarray  # bool per token: a number, or a capitalised word inside a sentence
    bounds: np.ndarray  # sentence starts (token indices), then len(tokens)
    sentence: np.ndarray  # sentence index of every token


@dataclass(frozen=True, slots=True, eq=False)
class Weights:
    """Word ids and weights of the content words of an article/page pair."""

    word: np.ndarray  # word id of every article token (-1: a function word)
    idf: np.ndarray  # weight of every word id, at most 1 for a shared word
    per_token: np.ndarray  # weight of every article token (0: a function word)
    words: int  # number of word ids
    sentence_words_a: np.ndarray  # distinct content words of every article sentence
    sentence_words_p: np.ndarray
    norm_a: np.ndarray  # squared tf-idf norm of every article sentence
    norm_p: np.ndarray


@dataclass(slots=True, eq=False)
class Shared:
    """The content words two texts share: word i[k] of the article is word j[k] of the page.

    `j` is in page order (non-decreasing): the pairs inside a page span are one slice of it.
    """

    article: Tokens
    page: Tokens
    a: TextInfo
    p: TextInfo
    i: np.ndarray
    j: np.ndarray
    weights: Weights | None = None

    @property
    def w(self) -> Weights:
        """The pair's word weights, computed on first use."""
        if self.weights is None:
            self.weights = _weigh(self)
        return self.weights

    def distinct_words(self) -> int:
        """How many distinct content words the texts share (each weighs at most 1)."""
        return len(distinct(self.article.hashes[self.i]))

    def pairs_within(self, a0: int, a1: int, p0: int, p1: int) -> tuple[np.ndarray, np.ndarray]:
        """The shared pairs with article word in [a0, a1) and page word in [p0, p1).

        Found by bisecting the page order: a long page has many candidates, and each one's
        cost must stay with its own span, not with every pair of the page.
        """
        lo, hi = np.searchsorted(self.j, (p0, p1)).tolist()
        i, j = self.i[lo:hi], self.j[lo:hi]
        inside = (i >= a0) & (i < a1)
        return i[inside], j[inside]

    def weight_of(self, article_tokens: np.ndarray) -> float:
        """Total weight of the distinct content words among these article tokens."""
        words = self.w.word[article_tokens]
        return float(self.w.idf[distinct(words[words >= 0])].sum())


def shared_words(article: Tokens, page: Tokens, sentence_words: int) -> Shared:
    """The content words `article` and `page` share (weighed on first use of `Shared.w`)."""
    a, p = text_info(article, sentence_words), text_info(page, sentence_words)
    ia, ip = np.nonzero(a.content)[0], np.nonzero(p.content)[0]
    i, j = occurrences(article.hashes[ia], page.hashes[ip], MAX_REPEAT)
    return Shared(article, page, a, p, ia[i], ip[j])


def _weigh(shared: Shared) -> Weights:
    """Word ids, sentence idf weights and sentence norms (the costly part: only when worth it)."""
    ca, cp = shared.a.content, shared.p.content
    _, ids = np.unique(
        np.concatenate((shared.article.hashes[ca], shared.page.hashes[cp])), return_inverse=True
    )
    n = int(ids.max()) + 1 if len(ids) else 1
    word_a = np.full(len(shared.article), -1, dtype=np.int64)
    word_a[ca] = ids[: int(ca.sum())]
    word_p = np.full(len(shared.page), -1, dtype=np.int64)
    word_p[cp] = ids[int(ca.sum()) :]
    key_a, count_a = np.unique(shared.a.sentence[ca] * n + word_a[ca], return_counts=True)
    key_p, count_p = np.unique(shared.p.sentence[cp] * n + word_p[cp], return_counts=True)
    sentences = len(shared.a.bounds) + len(shared.p.bounds) - 2
    df = np.bincount(key_a % n, minlength=n) + np.bincount(key_p % n, minlength=n)
    idf = np.log1p(sentences / np.maximum(df, 1)) / np.log1p(max(sentences, 2) / 2)
    count_a_sentences, count_p_sentences = len(shared.a.bounds) - 1, len(shared.p.bounds) - 1
    return Weights(
        word=word_a,
        idf=idf,
        per_token=np.where(ca, idf[word_a], 0.0),
        words=n,
        sentence_words_a=np.bincount(key_a // n, minlength=count_a_sentences),
        sentence_words_p=np.bincount(key_p // n, minlength=count_p_sentences),
        norm_a=np.bincount(key_a // n, weights=(count_a * idf[key_a % n]) ** 2, minlength=count_a_sentences),
        norm_p=np.bincount(key_p // n, weights=(count_p * idf[key_p % n]) ** 2, minlength=count_p_sentences),
    )


def exact_runs(shared: Shared, size: int) -> list[Seed]:
    """Maximal runs of consecutive shared shingles on one diagonal, weighed by their content words."""
    i, j = occurrences(
        shingle_hashes(shared.article.hashes, size), shingle_hashes(shared.page.hashes, size), MAX_REPEAT
    )
    if not len(i):
        return []
    diagonal = j - i
    order = np.lexsort((i, diagonal))
    i, diagonal = i[order], diagonal[order]
    breaks = np.nonzero((np.diff(diagonal) != 0) | (np.diff(i) != 1))[0] + 1
    firsts = np.concatenate(([0], breaks)).tolist()
    lasts = np.concatenate((breaks - 1, [len(i) - 1])).tolist()
    starts, ends, shifts = i[firsts].tolist(), i[lasts].tolist(), diagonal[firsts].tolist()
    return [Seed(s, e + size, s + d, e + d + size) for s, e, d in zip(starts, ends, shifts, strict=True)]


def weigh_runs(shared: Shared, runs: list[Seed]) -> None:
    """Give every exact run the weight of its content words."""
    cumulative = np.concatenate(([0.0], np.cumsum(shared.w.per_token)))
    for run in runs:
        run.weight = float(cumulative[run.a1] - cumulative[run.a0])


def sentence_seeds(shared: Shared, similarity: float, min_words: int, strong_words: int) -> list[Seed]:
    """Sentence pairs whose content words agree: cosine and Dice >= `similarity`, >= `min_words`.

    Pairs that share fewer than `strong_words` words are marked weak.
    """
    w, n_page = shared.w, len(shared.p.bounds) - 1
    i, j = shared.i, shared.j
    keys, pair = np.unique(shared.a.sentence[i] * n_page + shared.p.sentence[j], return_inverse=True)
    words = w.word[i]
    dot = np.bincount(pair, weights=w.idf[words] ** 2)
    pairs = distinct(pair * w.words + words)
    common = np.bincount(pairs // w.words, minlength=len(keys))
    weight = np.bincount(pairs // w.words, weights=w.idf[pairs % w.words], minlength=len(keys))
    u, v = keys // n_page, keys % n_page
    cosine = dot / np.sqrt(w.norm_a[u] * w.norm_p[v])
    dice = 2 * common / (w.sentence_words_a[u] + w.sentence_words_p[v])
    good = np.nonzero((cosine >= similarity) & (dice >= similarity) & (common >= min_words))[0]
    if not len(good):
        return []
    order = np.argsort(pair, kind="stable")
    lefts = np.searchsorted(pair[order], good).tolist()
    rights = np.searchsorted(pair[order], good, "right").tolist()
    i, j = i[order], j[order]
    seeds = [
        _tight(shared, i[lo:hi], j[lo:hi], float(weight[g]))
        for lo, hi, g in zip(lefts, rights, good.tolist(), strict=True)
    ]
    for seed, g in zip(seeds, good.tolist(), strict=True):
        seed.weak = bool(common[g] < strong_words)
    return seeds


def _tight(shared: Shared, i: np.ndarray, j: np.ndarray, weight: float) -> Seed:
    """The seed of a similar sentence pair: the extent of its matches that keep to one band.

    A copied sentence keeps its words on one diagonal, a rewritten one roughly so; a word the
    two sentences share by chance, far off the band, must not stretch the seed.
    """
    if len(i) > 2:
        diagonal = j - i
        values, counts = np.unique(diagonal, return_counts=True)
        if counts.max() >= MODE_SHARE * len(diagonal):
            keep = np.abs(diagonal - values[counts.argmax()]) <= 2
        else:
            x, y = shared.a.sentence[i[0]], shared.p.sentence[j[0]]
            length = (np.diff(shared.a.bounds[x : x + 2])[0] + np.diff(shared.p.bounds[y : y + 2])[0]) / 2
            keep = np.abs(diagonal - np.sort(diagonal)[len(diagonal) // 2]) <= max(3.0, BAND * length)
        i, j = i[keep], j[keep]
    return Seed(int(i.min()), int(i.max()) + 1, int(j.min()), int(j.max()) + 1, weight, run=False)


_INFO: OrderedDict[tuple[int, int], tuple[Tokens, TextInfo]] = OrderedDict()
_INFO_SIZE = 256
_INFO_LOCK = threading.Lock()


def text_info(tokens: Tokens, sentence_words: int) -> TextInfo:
    """The `TextInfo` of `tokens`, cached: a page meets many articles, an article many pages."""
    key = (id(tokens), sentence_words)
    with _INFO_LOCK:
        hit = _INFO.get(key)
        if hit is not None and hit[0] is tokens:
            _INFO.move_to_end(key)
            return hit[1]
    bounds = sentence_bounds(tokens, sentence_words)
    first = np.zeros(len(tokens), dtype=bool)
    first[bounds[:-1]] = True
    facts = (_capitalised(tokens) & ~first) | _numbers(tokens)
    info = TextInfo(~np.isin(tokens.hashes, FUNCTION_HASHES), facts, bounds, sentence_ids(bounds))
    with _INFO_LOCK:
        _INFO[key] = (tokens, info)  # holding `tokens` keeps its id from being reused meanwhile
        if len(_INFO) > _INFO_SIZE:
            _INFO.popitem(last=False)
    return info


def _capitalised(tokens: Tokens) -> np.ndarray:
    """Words that start with a capital letter (none in scripts without case)."""
    text = tokens.text
    return np.fromiter((text[s].isupper() for s in tokens.starts.tolist()), dtype=bool, count=len(tokens))


def _numbers(tokens: Tokens) -> np.ndarray:
    """Words with a digit in them."""
    digits = np.fromiter((m.start() for m in _DIGITS.finditer(tokens.text)), dtype=np.int64)
    found = np.zeros(len(tokens), dtype=bool)
    index = np.searchsorted(tokens.ends, digits, "right")
    found[index[index < len(tokens)]] = True
    return found
