"""Passages → scores (coverage, similarity, share of the page, longest passage) → first verdict.

The verdict here only measures how much was taken. Who took it (partners, our own sites) and
whether they credited us is the policy's business, a later stage.
"""

from __future__ import annotations

import numpy as np

from compliance.detect.arrays import distinct
from compliance.detect.fingerprint import shingle_hashes
from compliance.detect.normalize import Tokens
from compliance.records import Passage, Scores, Verdict
from compliance.settings import Settings


def scores(
    passages: list[Passage],
    article: Tokens,
    page: Tokens,
    settings: Settings,
    page_shingles: np.ndarray | None = None,
) -> Scores:
    """How much of `article` the passages reproduce, and how much of `page` they make up.

    `page_shingles` is `shingle_set(page, ...)` when one long page is scored against many articles.
    """
    if page_shingles is None:
        page_shingles = shingle_set(page, settings.shingle_size)
    reproduced = _covered_words(article, [(p.article_start, p.article_end) for p in passages])
    in_page = _covered_words(page, [(p.page_start, p.page_end) for p in passages])
    return Scores(
        coverage=reproduced / len(article) if len(article) else 0.0,
        similarity=_jaccard(shingle_set(article, settings.shingle_size), page_shingles),
        page_share=in_page / len(page) if len(page) else 0.0,
        reproduced_words=reproduced,
        longest_passage_words=max((p.words for p in passages), default=0),
    )


def verdict(result: Scores, settings: Settings) -> Verdict | None:
    """What the reproduction amounts to by size alone; None when it is too small to report."""
    if result.reproduced_words < settings.min_match_words:
        return None
    if result.coverage >= settings.full_coverage:
        return Verdict.FULL_REPRODUCTION
    if (
        result.coverage >= settings.substantial_coverage
        or result.longest_passage_words >= settings.substantial_words
    ):
        return Verdict.SUBSTANTIAL_EXCERPT
    if result.longest_passage_words >= settings.quotation_words:
        return Verdict.SHORT_QUOTATION
    return Verdict.SNIPPET


def words_within(tokens: Tokens, inside: list[tuple[int, int]], outside: list[tuple[int, int]]) -> int:
    """How many words lie inside one of the `inside` spans and in none of the `outside` ones."""
    return int((_mask(tokens, inside) & ~_mask(tokens, outside)).sum())


def _mask(tokens: Tokens, spans: list[tuple[int, int]]) -> np.ndarray:
    """For each word, whether it starts inside one of the character spans."""
    mask = np.zeros(len(tokens), dtype=bool)
    for start, end in spans:
        mask[np.searchsorted(tokens.starts, start) : np.searchsorted(tokens.starts, end)] = True
    return mask


def _covered_words(tokens: Tokens, spans: list[tuple[int, int]]) -> int:
    """How many of the text's words lie inside at least one of the character spans."""
    covered = np.zeros(len(tokens), dtype=bool)
    for start, end in spans:
        covered[np.searchsorted(tokens.starts, start) : np.searchsorted(tokens.ends, end, "right")] = True
    return int(covered.sum())


def shingle_set(tokens: Tokens, size: int) -> np.ndarray:
    """The distinct word `size`-shingles of a text, sorted."""
    return distinct(shingle_hashes(tokens.hashes, size))


def _jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Exact Jaccard similarity of two shingle sets (sorted, distinct)."""
    union = len(np.union1d(first, second))
    return len(np.intersect1d(first, second, assume_unique=True)) / union if union else 0.0
