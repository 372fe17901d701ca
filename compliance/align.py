"""Two tokenized texts → the passages of the first that the second reproduces.

Seed on shared word shingles, join seeds that continue each other into runs, chain runs across
small gaps (an inserted, dropped or changed word, different punctuation or accents all leave a
gap of a few words), settle overlaps in favour of the longest passage, and cut every passage at
word boundaries of the ORIGINAL texts: offsets point into the texts as given, never into their
normalized forms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from compliance.arrays import occurrences
from compliance.fingerprint import shingle_hashes
from compliance.normalize import Tokens
from compliance.records import Passage
from compliance.settings import Settings

MAX_REPEAT = 50  # a shingle repeated more often than this is filler ("le le le…"), not a seed


@dataclass(slots=True)
class _Span:
    """A passage in token indices, end exclusive: article [a0, a1), page [p0, p1)."""

    a0: int
    a1: int
    p0: int
    p1: int

    @property
    def words(self) -> int:
        return self.a1 - self.a0


def align(article: Tokens, page: Tokens, settings: Settings) -> list[Passage]:
    """The reproduced passages, in page order, each at least `min_passage_words` long."""
    size = min(settings.shingle_size, len(article), len(page))
    if size == 0:
        return []
    runs = _runs(article.hashes, page.hashes, size)
    spans = _settle(_chain(runs, settings.max_gap, size), settings.min_passage_words)
    return [_to_passage(span, article, page) for span in sorted(spans, key=lambda s: s.p0)]


def _runs(article: np.ndarray, page: np.ndarray, size: int) -> list[_Span]:
    """Maximal runs of consecutive shared shingles on one diagonal."""
    i, j = occurrences(shingle_hashes(article, size), shingle_hashes(page, size), MAX_REPEAT)
    if not len(i):
        return []
    diagonal = j - i
    order = np.lexsort((i, diagonal))
    i, diagonal = i[order], diagonal[order]
    breaks = np.nonzero((np.diff(diagonal) != 0) | (np.diff(i) != 1))[0] + 1
    firsts = np.concatenate(([0], breaks))
    lasts = np.concatenate((breaks - 1, [len(i) - 1]))
    return [
        _Span(int(i[f]), int(i[la]) + size, int(i[f] + diagonal[f]), int(i[la] + diagonal[la]) + size)
        for f, la in zip(firsts, lasts, strict=True)
    ]


def _chain(runs: list[_Span], max_gap: int, size: int) -> list[_Span]:
    """Join runs that follow each other in both texts within `max_gap` words."""
    passages: list[_Span] = []
    for run in sorted(runs, key=lambda r: (r.p0, r.a0)):
        for passage in reversed(passages):
            if passage.p1 + max_gap < run.p0:
                continue
            if -size <= run.p0 - passage.p1 <= max_gap and -size <= run.a0 - passage.a1 <= max_gap:
                passage.a1, passage.p1 = max(passage.a1, run.a1), max(passage.p1, run.p1)
                break
        else:
            passages.append(run)
    return passages


def _settle(spans: list[_Span], min_words: int) -> list[_Span]:
    """Keep the longest passages; trim the others off the page text already claimed."""
    kept: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-s.words, s.p0)):
        for other in kept:
            span = _trim(span, other)
        if span.words >= min_words and span.p1 - span.p0 >= min_words:
            kept.append(span)
    return kept


def _trim(span: _Span, other: _Span) -> _Span:
    """`span` without the page words `other` covers (keeping its larger free side)."""
    if span.p1 <= other.p0 or other.p1 <= span.p0:
        return span
    head, tail = other.p0 - span.p0, span.p1 - other.p1
    if head >= tail and head > 0:
        cut = span.p1 - other.p0
        return _Span(span.a0, max(span.a0, span.a1 - cut), span.p0, other.p0)
    if tail > 0:
        cut = other.p1 - span.p0
        return _Span(min(span.a1, span.a0 + cut), span.a1, other.p1, span.p1)
    return _Span(span.a0, span.a0, span.p0, span.p0)


def _to_passage(span: _Span, article: Tokens, page: Tokens) -> Passage:
    return Passage(
        article_start=int(article.starts[span.a0]),
        article_end=int(article.ends[span.a1 - 1]),
        page_start=int(page.starts[span.p0]),
        page_end=int(page.ends[span.p1 - 1]),
        words=span.words,
    )
