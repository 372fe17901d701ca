"""Page text → matches: which of our articles a page reproduces, checked in parts.

    page text ─► tokenize ─► parts ─► per part: window minima ─► index ─► candidates ─► density test ─┐
                                                bag keys ─► index (second channel) ─► candidates ───┤
                                   (an article both channels find passes a weaker density test)     │
              ◄─────────────────────────────────────────────────────────────────────────────────────┘
              ─► align with the part ─► passages joined ─► score on the page ─► verdict

In: the page's text, the passage index, the store (candidates' articles, by id) and `Settings`.
Out: `records.Match` values, best first; `match_article` and `align_texts` do the same for one
article, whole. `Archive.check_text` (compliance/pipeline.py) is the caller; the engine is
`compliance.detect` (parts, density, align, score).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from compliance.detect.align import align
from compliance.detect.arrays import distinct
from compliance.detect.bags import bag_keys
from compliance.detect.density import Shingles, densest_sharing
from compliance.detect.fingerprint import shingle_hashes, window_minima
from compliance.detect.index import Candidate, PassageIndex
from compliance.detect.normalize import Tokens, token_hashes, token_hashes_and_lengths, tokenize
from compliance.detect.parts import merge_passages, page_parts, part_tokens, shifted
from compliance.detect.score import scores, shingle_set, verdict
from compliance.records import Article, Match, Passage
from compliance.settings import Settings

if TYPE_CHECKING:
    from compliance.store import Store

Aligner = Callable[[Tokens, Tokens, Settings], list[Passage]]
# Bag keys an article must share with a page part for the bag channel to confirm a window-minima
# candidate, which then passes a weaker density test (Settings.agreed_min_shingles). Measured with
# bench/archive_mode.py (100 pairs a subcorpus): sources of reworded copies found on pan13-train
# 03 0.81 → 0.84, 04 0.72 → 0.77, for 1.6 alignments a page instead of 1.575 at 100,000 synthetic
# articles. Lowering the density floor for every candidate found more (0.89, 0.86) but aligned 17
# times as many articles there.
AGREEING_KEYS = 2
# A bag-channel candidate sharing fewer keys than Settings.bag_min_shared, but this many, is aligned
# when it passes the weaker density test. Measured the same way: 03 0.84 → 0.87, 04 0.77 → 0.79,
# and 0.05 chance candidates a page share 3 keys on the synthetic archive. With 2 keys (0.88,
# 0.83) it aligned 8 chance candidates a page there, stock phrases of a small vocabulary.
CONFIRMING_KEYS = 3


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


@lru_cache(maxsize=4096)
def _article_tokens(body: str) -> Tokens:
    return tokenize(body)


class _PageCheck:
    """One page checked in parts (`compliance.detect.parts`), so that its cost grows with its length.

    Each part is looked up in the index, its candidates density-tested and aligned with the part
    alone; the passages an article has in several parts are joined, then scored on the whole page.
    An article that is a candidate of consecutive parts is fetched and shingled once.
    """

    def __init__(
        self, text: str, index: PassageIndex, store: Store, settings: Settings, aligner: Aligner
    ) -> None:
        self.text, self.index, self.store, self.settings = text, index, store, settings
        self.aligner = aligner
        self.page: Tokens | None = None
        self.recent: dict[int, tuple[Article, Shingles]] = {}  # the last part's candidates
        self.found: dict[int, tuple[Article, list[Passage]]] = {}

    def matches(self) -> list[Match]:
        """Every article of ours that the page reproduces, best first."""
        s = self.settings
        # Faster than tokenize, enough for a page of one part; the lengths pick the bag keys' words.
        hashes, lengths = token_hashes_and_lengths(self.text)
        if len(hashes) > s.check_part_words:
            self.page = tokenize(self.text)
            hashes = self.page.hashes
        for start, end in page_parts(len(hashes), s.check_part_words, s.check_part_overlap):
            likely = self._likely(hashes[start:end], lengths[start:end])
            if likely:
                self._align(likely, start, end)
        if not self.found:
            return []
        page_shingles = shingle_set(self._page(), s.shingle_size)
        found = [m for a, p in self.found.values() if (m := self._match(a, p, page_shingles)) is not None]
        return sorted(found, key=lambda m: (-m.scores.coverage, -m.scores.reproduced_words, m.article.id))

    def _likely(self, hashes: Shingles, lengths: Shingles) -> list[Article]:
        """The part's candidates worth aligning: those of the window minima that share its shingles
        densely enough (less densely when the bag keys find them too), and those of the bag keys
        that share enough keys (shuffled or reworded copies share few shingles), or one key fewer
        and a few shingles densely.
        """
        s = self.settings
        shingles = shingle_hashes(hashes, s.shingle_size)
        ids: list[int] = []
        if s.retrieval != "bags":
            minima = window_minima(shingles, s.window)
            ids = [c.article_id for c in self.index.query(minima, s.max_df, s.max_candidates)]
        by_bags: list[Candidate] = []
        if s.retrieval != "minima":
            keys = bag_keys(hashes, lengths, s.bag_words, s.bag_min_letters)
            shared = min(AGREEING_KEYS, s.bag_min_shared)
            by_bags = self.index.query_bags(keys, s.bag_max_df, s.bag_candidates, shared)
        agreed = {c.article_id for c in by_bags}  # minima candidates these confirm
        bags_only = [c for c in by_bags if c.article_id not in ids]
        alone = [c.article_id for c in bags_only if c.shared >= s.bag_min_shared]
        # A few keys fewer: aligned if the page shares some of its shingles densely, the evidence
        # of the other channel, as for a minima candidate the bag keys confirm.
        fewer = [c.article_id for c in bags_only if CONFIRMING_KEYS <= c.shared < s.bag_min_shared]
        known = self._recall(ids + alone + fewer)  # both channels' articles in one read
        tested = [(i, i in agreed) for i in ids] + [(i, True) for i in fewer]
        dense = self._dense([(known[i], confirmed) for i, confirmed in tested if i in known], shingles)
        return dense + [known[i][0] for i in alone if i in known]

    def _recall(self, ids: list[int]) -> dict[int, tuple[Article, Shingles]]:
        """Fetch and shingle the articles with these ids (those of the last part are not fetched
        again); they become the part's `recent`."""
        s = self.settings
        fetched = self.store.get_articles([i for i in ids if i not in self.recent])
        known = self.recent | {
            i: (a, shingle_hashes(token_hashes(a.body), s.shingle_size)) for i, a in fetched.items()
        }
        self.recent = {i: known[i] for i in ids if i in known}
        return self.recent

    def _dense(
        self, candidates: list[tuple[tuple[Article, Shingles], bool]], shingles: Shingles
    ) -> list[Article]:
        """The candidates that share the part's shingles densely enough (each with whether the
        bag keys found it too)."""
        s = self.settings
        # Most candidates share stock phrases scattered over their length, not a passage: how
        # densely they share shingles (fast hashes, no spans) spares them the full alignment.
        page_shingles = distinct(shingles)
        # A reportable match reproduces min_match_words words; with one edit among them, it
        # still shares this many shingles.
        floor = max(1, s.min_match_words - 2 * s.shingle_size + 1)
        return [
            article
            for (article, own), agreed in candidates
            if densest_sharing(own, page_shingles) >= (min(floor, s.agreed_min_shingles) if agreed else floor)
        ]

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
