"""Page text → matches: which of our articles a page reproduces, checked in parts.

    page text ─► tokenize ─► parts ─► per part: window minima ─► index ─► candidates ─► density test ─┐
                                                bag keys ─► index (second channel) ─► candidates ───┤
                                   (an article both channels find passes a weaker density test)     │
              ◄─────────────────────────────────────────────────────────────────────────────────────┘
              ─► align with the whole page (a long one: with the part) ─► passages joined
              ─► score on the page ─► verdict

In: the page's text, the passage index, the store (candidates' articles, by id) and `Settings`.
Out: `records.Match` values, best first; `match_article` and `align_texts` do the same for one
article, whole. `Archive.check_text` (compliance/pipeline.py) is the caller; the engine is
`compliance.detect` (parts, density, align, score).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, NamedTuple

from compliance.detect.align import align
from compliance.detect.bags import bag_keys, content_words
from compliance.detect.density import WORD_REACH, WORD_SPAN, PageShingles, Shingles, densest_sharing
from compliance.detect.fingerprint import shingle_hashes, window_minima
from compliance.detect.index import Candidate, PassageIndex
from compliance.detect.normalize import Tokens, token_words, tokenize
from compliance.detect.parts import merge_passages, page_parts, part_tokens, shifted
from compliance.detect.score import scores, shingle_set, verdict
from compliance.records import Article, Match, Passage
from compliance.settings import Settings

if TYPE_CHECKING:
    from compliance.store import Store

Aligner = Callable[[Tokens, Tokens, Settings], list[Passage]]
# Bag keys a candidate shares with a page part, and what the density test then asks of it: the
# more keys vouch for an article, the less it must share densely with the part
# (`density.densest_sharing`: close together in both texts), in shingles or, for a reworded or
# translated copy that keeps few runs of three words, in content words. Calibrated together, with
# `density.PAGE_REACH` and `density.WORD_REACH`, in bench/archive_mode.py and bench/check_bench.py
# (bench/RESULTS.md).
#
#   keys shared                  window-minima candidate    bag candidate only        ranked lower
#                                                           (best bag_candidates)     (to BAG_RANKS)
#   bag_min_shared (4) or more   aligned                    aligned                   aligned
#   3                            agreed_min_shingles (3)    agreed_min_shingles       not aligned
#                                or agreed_min_words (7)    or agreed_min_words
#   2                            agreed_min_shingles        agreed_min_words          not aligned
#                                or agreed_min_words
#   fewer                        a quotation's floor (6)    not aligned               not aligned
#
# Bag candidates sharing 2 keys, aligned from 5 dense shingles, found 0.01 more of pan13-train's
# 04 sources but cost 11% more per check at 100,000 articles: 8 more articles read and hashed a
# page. Dense content words find 0.024 more of 04's 1,000 sources and 0.008 more of 03's
# (bench/RESULTS.md), for 0.14 chance alignments and 19 more articles read a page at 1,000,000.
AGREEING_KEYS = 2
CONFIRMING_KEYS = 3
# The bag channel ranks this many articles a part: below its best `bag_candidates`, an article's
# keys still vouch for it when the window minima find it too, and one sharing `bag_min_shared`
# keys is aligned. Ranks 21 to 60 found 0.012 more of pan13-train's 04 sources and 0.004 more of
# 03's, with no new match on the no-plagiarism documents; the keys of every rank vouched for no
# more window-minima candidates than those of 60 (bench/RESULTS.md).
BAG_RANKS = 60


class Needed(NamedTuple):
    """What a candidate must share densely with a page part to be aligned: this many shingles, or
    else this many content words (None: not that way)."""

    shingles: int | None
    words: int | None = None


def align_texts(article_text: str, page_text: str, settings: Settings) -> list[Passage]:
    """The passages of `article_text` that `page_text` reproduces."""
    return align(tokenize(article_text), tokenize(page_text), settings)


def match_article(article: Article, page: Tokens, settings: Settings) -> Match | None:
    """The match of one article in a page, or None when too little of it is there."""
    article_tokens = _article_tokens(article.body)
    passages = align(article_tokens, page, settings)
    if not passages:
        return None
    result = scores(passages, article_tokens, page, settings)
    found = verdict(result, settings)
    return Match(article, tuple(passages), result, found) if found else None


def check_page(
    text: str, index: PassageIndex, store: Store, settings: Settings, aligner: Aligner = align
) -> list[Match]:
    """Every article of ours that `text` reproduces, best first (a long page in parts)."""
    return _PageCheck(text, index, store, settings, aligner).matches()


def density_needed(by_minima: bool, keys: int, settings: Settings, best_ranked: bool = True) -> Needed | None:
    """What a candidate must share densely with a page part to be aligned, found by the window
    minima or not, sharing `keys` bag keys with the part and among the bag channel's best
    `bag_candidates` or ranked lower (None: it is not aligned)."""
    s = settings
    # A reportable match reproduces min_match_words words; with an edit of one or two words among
    # them, it still shares this many shingles.
    floor = max(1, s.min_match_words - 2 * s.shingle_size)
    agreed = min(floor, s.agreed_min_shingles)
    if keys >= s.bag_min_shared:
        return Needed(0)
    if not (by_minima or best_ranked):
        return None
    if keys >= CONFIRMING_KEYS or (by_minima and keys >= AGREEING_KEYS):
        return Needed(agreed, s.agreed_min_words)
    if keys >= AGREEING_KEYS:
        return Needed(None, s.agreed_min_words)
    return Needed(floor) if by_minima else None


def bag_query(settings: Settings) -> tuple[int, int]:
    """The bag channel's query for a page part: how many ranks, and the fewest keys shared."""
    fewest = min(AGREEING_KEYS, settings.bag_min_shared)  # a bag candidate sharing fewer never agrees
    return max(BAG_RANKS, settings.bag_candidates), fewest


def candidate_needs(
    by_minima: list[Candidate], by_bags: list[Candidate], settings: Settings
) -> dict[int, Needed]:
    """What each article the two channels found for a page part must share densely with it to be
    aligned (`density_needed`), by id, the window minima's best first; the articles that are not
    aligned whatever they share are left out. `by_bags` is the bag channel's ranking (`bag_query`)."""
    minima = dict.fromkeys(c.article_id for c in by_minima)
    keys = {c.article_id: c.shared for c in by_bags}
    best_ranked = {c.article_id for c in by_bags[: settings.bag_candidates]}
    needs: dict[int, Needed] = {}
    for i in minima | dict.fromkeys(keys):
        need = density_needed(i in minima, keys.get(i, 0), settings, i in best_ranked)
        if need is not None:
            needs[i] = need
    return needs


@lru_cache(maxsize=4096)
def _article_tokens(body: str) -> Tokens:
    return tokenize(body)


class Shingled(NamedTuple):
    """A candidate article as the density test reads it: its shingles and its content words."""

    article: Article
    shingles: Shingles
    words: Shingles

    @classmethod
    def of(cls, article: Article, settings: Settings) -> Shingled:
        words = token_words(article.body)
        shingles = shingle_hashes(words.hashes, settings.shingle_size)
        return cls(article, shingles, content_words(words.stems, words.lengths, settings.bag_min_letters))

    def meets(self, need: Needed, page: PageShingles, page_words: PageShingles) -> bool:
        """Whether it shares what `need` asks densely with a page part (its shingles and content words)."""
        if need.shingles == 0:
            return True
        if need.shingles is not None and densest_sharing(self.shingles, page) >= need.shingles:
            return True
        if need.words is None:
            return False
        return densest_sharing(self.words, page_words, WORD_SPAN, WORD_REACH) >= need.words


class _PageCheck:
    """One page checked in parts (`compliance.detect.parts`), so that its cost grows with its length.

    Each part is looked up in the index and its candidates density-tested. A page of up to
    `align_whole_words` is then aligned whole with each article any part found, once, as a pair
    would be: the aligner weighs words by the page's sentences, and a part's weigh them otherwise
    (0.002 more of pan13-train's 03 and 04 sources found, for 1.26-1.33x the cost of a 5,000- to
    10,000-word page; bench/RESULTS.md). A longer page is aligned part by part, and the passages
    an article has in several parts are joined. Either way they are scored on the whole page. An
    article that is a candidate of consecutive parts is fetched and shingled once.
    """

    def __init__(
        self, text: str, index: PassageIndex, store: Store, settings: Settings, aligner: Aligner
    ) -> None:
        self.text, self.index, self.store, self.settings = text, index, store, settings
        self.aligner = aligner
        self.page: Tokens | None = None
        self.recent: dict[int, Shingled] = {}  # the last part's candidates
        self.found: dict[int, tuple[Article, list[Passage]]] = {}

    def matches(self) -> list[Match]:
        """Every article of ours that the page reproduces, best first."""
        s = self.settings
        # Faster than tokenize, enough for a page of one part; the stems and lengths make the bag keys.
        words = token_words(self.text)
        hashes = words.hashes
        if len(hashes) > s.check_part_words:
            self.page = tokenize(self.text)
            hashes = self.page.hashes
        whole = len(hashes) <= s.align_whole_words
        found_anywhere: dict[int, Article] = {}
        for start, end in page_parts(len(hashes), s.check_part_words, s.check_part_overlap):
            likely = self._likely(hashes[start:end], words.stems[start:end], words.lengths[start:end])
            if whole:
                found_anywhere.update((article.id, article) for article in likely)
            elif likely:
                self._align(likely, start, end)
        if found_anywhere:
            self._align(list(found_anywhere.values()), 0, len(hashes))
        if not self.found:
            return []
        page_shingles = shingle_set(self._page(), s.shingle_size)
        found = [m for a, p in self.found.values() if (m := self._match(a, p, page_shingles)) is not None]
        return sorted(found, key=lambda m: (-m.scores.coverage, -m.scores.reproduced_words, m.article.id))

    def _likely(self, hashes: Shingles, stems: Shingles, lengths: Shingles) -> list[Article]:
        """The part's candidates worth aligning, from both channels: each shares enough of the
        part densely for the bag keys it shares (`density_needed`)."""
        s = self.settings
        shingles = shingle_hashes(hashes, s.shingle_size)
        by_minima: list[Candidate] = []
        if s.retrieval != "bags":
            minima = window_minima(shingles, s.window)
            by_minima = self.index.query(minima, s.max_df, s.max_candidates)
        by_bags: list[Candidate] = []
        if s.retrieval != "minima":
            bags = bag_keys(stems, lengths, s.bag_words, s.bag_min_letters)
            by_bags = self.index.query_bags(bags, s.bag_max_df, *bag_query(s))
        needs = candidate_needs(by_minima, by_bags, s)
        known = self._recall(list(needs))  # both channels' articles in one read
        page = PageShingles.of(shingles)
        page_words = PageShingles.of(content_words(stems, lengths, s.bag_min_letters))
        return [
            known[i].article
            for i, need in needs.items()
            if i in known and known[i].meets(need, page, page_words)
        ]

    def _recall(self, ids: list[int]) -> dict[int, Shingled]:
        """Fetch the articles with these ids, with their shingles and content words (those of the
        last part are not fetched again); they become the part's `recent`."""
        s = self.settings
        fetched = self.store.get_articles([i for i in ids if i not in self.recent])
        known = self.recent | {i: Shingled.of(a, s) for i, a in fetched.items()}
        self.recent = {i: known[i] for i in ids if i in known}
        return self.recent

    def _align(self, likely: list[Article], start: int, end: int) -> None:
        """Align each likely article with the part [start, end) alone; keep its passages."""
        part, offset = part_tokens(self._page(), start, end)
        for article in likely:
            passages = self.aligner(_article_tokens(article.body), part, self.settings)
            if passages:
                self.found.setdefault(article.id, (article, []))[1].extend(shifted(passages, offset))

    def _match(self, article: Article, passages: list[Passage], page_shingles: Shingles) -> Match | None:
        """The article's passages from every part, joined and judged against the whole page."""
        tokens = _article_tokens(article.body)
        joined = merge_passages(passages, tokens)
        result = scores(joined, tokens, self._page(), self.settings, page_shingles)
        found = verdict(result, self.settings)
        return Match(article, tuple(joined), result, found) if found else None

    def _page(self) -> Tokens:
        if self.page is None:
            self.page = tokenize(self.text)
        return self.page
