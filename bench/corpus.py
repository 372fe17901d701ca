"""Synthetic French news articles for the benchmarks, made from the fixture archive's own words.

In: the bodies of fixtures/archive/articles.jsonl (read once). Out: any number of distinct,
deterministic articles of about 5 KB, and pages that hide an excerpt of one of them.

The text comes from a bigram model of the fixture bodies (words and punctuation, paragraph breaks
included), with a random jump to a frequency-weighted word every few words so that no fixture
sentence is copied whole. It looks like the paper's French to the matcher: typographic
apostrophes and elisions (« l’État », « qu’il »), « guillemets » with no-break spaces, accents,
narrow no-break spaces before ; ? !, numbers and per-article proper names. Each article draws its
own names and numbers, as real news does, so that articles differ in more than word order.

    >>> news = FrenchNews(seed=0)
    >>> body = news.article(42)            # the same text for (seed, 42) in every process
    >>> page, (start, end) = page_with_excerpt(body, words=60, rng=random.Random(1))
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path
from typing import Any

from compliance.detect.normalize import tokenize

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "archive" / "articles.jsonl"

JUMP = 0.15  # chance that the next word is drawn from the whole vocabulary, not the bigram
MAX_SENTENCE = 40  # tokens; a longer sentence is closed
PARAGRAPH = "¶"
ENDS = frozenset(".?!")
PUNCT = frozenset(",.;:?!«»()%")
ELIDED = ("jusqu", "lorsqu", "puisqu", "quoiqu", "presqu", "qu", "c", "d", "j", "l", "m", "n", "s", "t")
# Before a vowel these are written elided: a random jump may put "de" before "usine".
ELIDE = {"de": "d’", "le": "l’", "la": "l’", "que": "qu’", "ne": "n’", "se": "s’", "je": "j’", "me": "m’"}
VOWELS = frozenset("aeiouyéèêëàâîïôûùhAEIOUYÉÈÊÀÂÎÔÛH")  # h: « l’hôpital » (h aspiré is rarer)
SPACE_BEFORE = {
    ",": "",
    ".": "",
    ")": "",
    "%": "\u00a0",
    ";": "\u202f",
    "?": "\u202f",
    "!": "\u202f",
    ":": "\u00a0",
    "»": "\u00a0",
}
SECTIONS = ("Économie", "Société", "Politique", "Culture", "Sports", "Régions", "International")
_SYLLABLES = (
    "ba",
    "ben",
    "cha",
    "da",
    "di",
    "el",
    "fa",
    "ra",
    "ri",
    "ha",
    "ka",
    "ki",
    "la",
    "li",
    "ma",
    "mi",
    "mou",
    "na",
    "nour",
    "ou",
    "sa",
    "si",
    "ta",
    "ti",
    "za",
    "zi",
    "dja",
    "bel",
    "ham",
    "kar",
    "mes",
    "sli",
    "tah",
    "mer",
    "zou",
    "ar",
    "is",
    "an",
    "en",
    "ol",
)

_VOWEL_SYLLABLES = tuple(s for s in _SYLLABLES if s[0] in "aeiou")

_WORD = re.compile(r"\d+(?:,\d+)?|[^\W\d_]+(?:[’'\-][^\W\d_]+)*|[,.;:?!«»()%]|\n\s*\n")
_ELISION = re.compile(rf"^({'|'.join(ELIDED)})[’']", re.IGNORECASE)
_LATIN = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿŒœÆæ’\-]+$")


class FrenchNews:
    """A bigram model of the fixture bodies that writes articles and pages."""

    def __init__(self, seed: int = 0, fixture: Path = FIXTURE) -> None:
        self.seed = seed
        lines = fixture.read_text("utf-8").splitlines()
        bodies = [json.loads(line)["body"] for line in lines if line.strip()]
        sentences = [_tokens(body) for body in bodies]
        proper = _proper_nouns(sentences)
        ids: dict[str, int] = {}
        follow: dict[int, list[int]] = defaultdict(list)
        counts: Counter[int] = Counter()
        for body in sentences:
            previous = ids.setdefault(PARAGRAPH, len(ids))
            for token in body:
                current = ids.setdefault(token, len(ids))
                follow[previous].append(current)
                counts[current] += 1
                previous = current
        self.tokens: list[str] = list(ids)
        self.proper = [token in proper for token in self.tokens]
        self.number = [token[0].isdigit() for token in self.tokens]
        self.particle = [token.endswith("’") for token in self.tokens]
        self.punct = [token in PUNCT or token == PARAGRAPH for token in self.tokens]
        # Lists with repeats: a uniform index into them draws by frequency, with no bisect.
        self.follow = [follow.get(i, [ids["."]]) for i in range(len(self.tokens))]
        self.unigram = [
            i for i, n in sorted(counts.items()) if not (self.punct[i] or self.particle[i]) for _ in range(n)
        ]
        self.words = sorted(
            t
            for i, t in enumerate(self.tokens)
            if not (self.punct[i] or self.particle[i] or self.proper[i] or self.number[i])
        )
        self._start, self._dot = ids[PARAGRAPH], ids["."]

    # --- public API ---

    def article(self, number: int, chars: int = 5000) -> str:
        """Article `number`: about `chars` characters (~5 KB of UTF-8), the same in every process."""
        rng = random.Random(f"article:{self.seed}:{number}")
        return self._render(self._walk(rng, chars=chars), rng)

    def articles(self, count: int, start: int = 0, chars: int = 5000) -> Iterator[str]:
        """Articles `start` … `start + count - 1`."""
        for number in range(start, start + count):
            yield self.article(number, chars)

    def record(self, number: int, chars: int = 5000) -> dict[str, Any]:
        """Article `number` as a JSONL record for `compliance ingest` (url, title, body, …)."""
        rng = random.Random(f"meta:{self.seed}:{number}")
        day = number % 28 + 1
        return {
            "url": f"https://www.bench-gazette.example/article/{self.seed}/{number}",
            "title": self._render(self._walk(rng, words=10), rng).rstrip(".?!\u202f"),
            "published_at": f"20{10 + number % 15:02d}-{number % 12 + 1:02d}-{day:02d}T08:30:00+01:00",
            "author": f"{_name(rng)} {_name(rng)}",
            "section": SECTIONS[number % len(SECTIONS)],
            "language": "fr",
            "body": self.article(number, chars),
        }

    def text(self, rng: random.Random, words: int) -> str:
        """Running text of `words` words (punctuation not counted), drawn from `rng`."""
        return self._render(self._walk(rng, words=words), rng)

    # --- generation ---

    def _walk(self, rng: random.Random, chars: int = 0, words: int = 0) -> list[int]:
        """Token ids of a bigram walk with jumps: `words` words, or up to a sentence end past `chars`."""
        follow, unigram, punct, particle = self.follow, self.unigram, self.punct, self.particle
        tokens = self.tokens
        out: list[int] = []
        size = count = sentence = 0
        current = self._start
        while True:
            if particle[current] or punct[current] or rng.random() >= JUMP:
                successors = follow[current]
                current = successors[int(rng.random() * len(successors))]
            else:
                current = unigram[int(rng.random() * len(unigram))]
            token = tokens[current]
            sentence = 0 if token in ENDS or token == PARAGRAPH else sentence + 1
            if sentence > MAX_SENTENCE and not particle[current]:
                current, token, sentence = self._dot, ".", 0
            out.append(current)
            size += len(token) + 1
            count += not punct[current]
            if (words and count >= words) or (chars and size >= chars and token in ENDS):
                return out

    def _render(self, ids: list[int], rng: random.Random) -> str:
        """Token ids as typeset French: capitals, elisions, « », no-break spaces, paragraphs."""
        page = _Typesetter()
        names: dict[int, str] = {}
        for position, i in enumerate(ids):
            token = self.tokens[i]
            if token == PARAGRAPH:
                page.paragraph()
            elif token in PUNCT:
                page.punctuation(token)
            else:
                before_vowel = self._rendered_first(ids, position + 1, rng, names) in VOWELS
                page.word(self._word(i, rng, names), before_vowel)
        return page.text()

    def _rendered_first(
        self, ids: list[int], position: int, rng: random.Random, names: dict[int, str]
    ) -> str:
        """The first letter the next token will be written with ("" at the end)."""
        if position >= len(ids):
            return ""
        i = ids[position]
        return self._word(i, rng, names)[:1] if self.proper[i] else self.tokens[i][:1]

    def _word(self, i: int, rng: random.Random, names: dict[int, str]) -> str:
        """The word for token `i`: numbers and rare proper nouns are this text's own."""
        token = self.tokens[i]
        if self.number[i]:
            return _number(token, rng)
        if self.proper[i]:
            if i not in names:
                names[i] = _name(rng, vowel=token[0] in VOWELS)
            return names[i]
        return token


class _Typesetter:
    """French typography for a stream of words and punctuation marks."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.capital, self.glue = True, True
        self.quote = self.paren = False
        self.last = ""  # the last punctuation mark written, "" after a word

    def paragraph(self) -> None:
        if self.parts:
            self._close_quote()
            self.parts.append("\n\n")
        self.capital, self.glue, self.paren, self.last = True, True, False, "\n"

    def punctuation(self, mark: str) -> None:
        if self._skipped(mark):
            return
        if mark in ENDS:
            self._close_quote()
        self.quote = (self.quote or mark == "«") and mark != "»"
        self.paren = (self.paren or mark == "(") and mark != ")"
        if mark in "«(":
            self.parts.append(("" if self.glue else " ") + ("«\u00a0" if mark == "«" else "("))
            self.glue = True
        else:
            self.parts.append(SPACE_BEFORE.get(mark, " ") + mark)
            self.glue = False
        self.capital = self.capital or mark in ENDS
        self.last = mark

    def word(self, word: str, before_vowel: bool) -> None:
        if word.endswith("’") and not before_vowel:
            word = word[:-1] + "e"  # « l’ » before a consonant is « le »
        elif word.lower() in ELIDE and before_vowel:
            word = ELIDE[word.lower()]
        if self.capital:
            word = word[0].upper() + word[1:]
        self.parts.append(word if self.glue else " " + word)
        self.capital, self.glue, self.last = False, word.endswith("’"), ""

    def text(self) -> str:
        self._close_quote()
        text = "".join(self.parts).strip()
        return text if text[-1:] in ENDS or text.endswith("»") else text + "."

    def _skipped(self, mark: str) -> bool:
        """Marks that would be unbalanced, or doubled after another mark (". ,")."""
        unbalanced = {"«": self.quote, "»": not self.quote, "(": self.paren, ")": not self.paren}
        after_mark = self.last != "" and self.last in ",.;:?!«(\n"
        doubled = mark in ",.;:?!%" and (not self.parts or after_mark)
        return unbalanced.get(mark, False) or doubled

    def _close_quote(self) -> None:
        if self.quote:
            self.parts.append("\u00a0»")
            self.quote = False


@lru_cache(maxsize=4)
def default_model(seed: int = 0) -> FrenchNews:
    """The model for `seed`, built once per process."""
    return FrenchNews(seed)


def page_with_excerpt(
    article_body: str,
    words: int = 60,
    page_words: int = 1500,
    rng: random.Random | None = None,
    *,
    edit_every: int = 0,
    model: FrenchNews | None = None,
) -> tuple[str, tuple[int, int]]:
    """A page of about `page_words` words hiding `words` consecutive words of `article_body`.

    The excerpt is cut at word boundaries of the original text (words as the matcher counts
    them: elided particles are not words), so it keeps its punctuation and typography; it is
    put at a random word boundary of an unrelated generated page. With `edit_every` = n, one
    word in each run of n is replaced by another word (light edits). Returns the page and the
    excerpt's character span `(start, end)` in it.
    """
    rng = rng or random.Random(0)
    model = model or default_model()
    excerpt = _excerpt(article_body, words, rng)
    if edit_every:
        excerpt = _edit(excerpt, edit_every, rng, model.words)
    filler = model.text(rng, max(page_words - words, 1))
    cuts = [m.start() for m in re.finditer(r"(?<=\S) (?=\w)", filler)]
    cut = cuts[rng.randrange(len(cuts))] if cuts else len(filler)
    head, tail = filler[:cut], filler[cut:]
    start = len(head) + 1
    page = f"{head} {excerpt}{tail}"
    return page, (start, start + len(excerpt))


def _excerpt(body: str, words: int, rng: random.Random) -> str:
    tokens = tokenize(body)
    if len(tokens) <= words:
        return body
    first = rng.randrange(len(tokens) - words + 1)
    return body[int(tokens.starts[first]) : int(tokens.ends[first + words - 1])]


def _edit(excerpt: str, every: int, rng: random.Random, vocabulary: list[str]) -> str:
    """Replace one word in each run of `every` words by a random other word."""
    tokens = tokenize(excerpt)
    spans = list(zip(tokens.starts.tolist(), tokens.ends.tolist(), strict=True))
    chosen = [
        spans[block + rng.randrange(min(every, len(spans) - block))] for block in range(0, len(spans), every)
    ]
    for start, end in reversed(chosen):
        replacement = rng.choice(vocabulary)
        while replacement.lower() == excerpt[start:end].lower():
            replacement = rng.choice(vocabulary)
        excerpt = excerpt[:start] + replacement + excerpt[end:]
    return excerpt


# --- reading the fixture ---


def _tokens(body: str) -> list[str]:
    """Words (elisions split off: « l’ », « État »), numbers, punctuation and ¶ of one body."""
    out: list[str] = []
    for match in _WORD.finditer(body):
        token = match.group()
        if token.isspace():
            out.append(PARAGRAPH)
            continue
        while (elided := _ELISION.match(token)) and len(token) > elided.end():
            out.append(elided.group(1).lower() + "’")
            token = token[elided.end() :]
        if token[0].isdigit() or token in PUNCT or _LATIN.match(token):
            out.append(token.replace("'", "’"))
    return _lower_sentence_starts(out)


def _lower_sentence_starts(tokens: list[str]) -> list[str]:
    """Sentence-initial capitals are typography, not names: « Le » → « le » (names kept)."""
    lower = {t for t in tokens if t[:1].islower()}
    out, start = [], True
    for token in tokens:
        if start and token[:1].isupper() and token.lower() in lower:
            token = token.lower()
        start = token in ENDS or token == PARAGRAPH or (start and token in "«(")
        out.append(token)
    return out


def _proper_nouns(bodies: list[list[str]]) -> set[str]:
    """Capitalized words found in fewer than three articles: names each article makes its own."""
    seen: dict[str, set[int]] = defaultdict(set)
    for number, body in enumerate(bodies):
        for token in body:
            if token[:1].isupper() and len(token) > 1:
                seen[token].add(number)
    return {token for token, where in seen.items() if len(where) < 3}


def _next_is_vowel(tokens: list[str], ids: list[int], position: int) -> bool:
    following = tokens[ids[position + 1]] if position + 1 < len(ids) else ""
    return following[:1] in VOWELS


def _number(token: str, rng: random.Random) -> str:
    """Another number shaped like `token` (a year stays a plausible year)."""
    if len(token) == 4 and token[:2] in ("19", "20"):
        return str(rng.randint(1990, 2025))
    whole, _, decimals = token.partition(",")
    digits = str(rng.randint(10 ** (len(whole) - 1) if len(whole) > 1 else 0, 10 ** len(whole) - 1))
    return digits + ("," + "".join(str(rng.randrange(10)) for _ in decimals) if decimals else "")


def _name(rng: random.Random, vowel: bool = False) -> str:
    """A made-up proper name; starting with a vowel when it replaces one (« l’Amazir »)."""
    first = rng.choice(_VOWEL_SYLLABLES if vowel else _SYLLABLES)
    return (first + "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 2)))).capitalize()


def main(argv: list[str] | None = None) -> None:
    """Print sample articles, or a page hiding an excerpt (the excerpt between ⟦ ⟧)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1, help="articles to print (default 1)")
    parser.add_argument("--first", type=int, default=0, help="number of the first (default 0)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument(
        "--page",
        type=int,
        metavar="WORDS",
        default=0,
        help="print instead a 1,500-word page hiding WORDS words of article --first",
    )
    args = parser.parse_args(argv)
    news = FrenchNews(seed=args.seed)
    if args.page:
        page, (start, end) = page_with_excerpt(
            news.article(args.first), args.page, rng=random.Random(args.first), model=news
        )
        print(f"{page[:start]}⟦{page[start:end]}⟧{page[end:]}")
        return
    for number in range(args.first, args.first + args.articles):
        print(f"--- article {number} (seed {args.seed})\n{news.article(number)}\n")


if __name__ == "__main__":
    main()
