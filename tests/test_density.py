"""The density test that decides which candidates are aligned (compliance/detect/density.py)."""

from __future__ import annotations

import numpy as np

from compliance.detect.density import (
    DENSITY_SPAN,
    PAGE_REACH,
    WORD_REACH,
    WORD_SPAN,
    PageShingles,
    densest_sharing,
)


def texts() -> tuple[np.ndarray, np.ndarray]:
    """An article's shingles and a page's, sharing nothing yet."""
    rng = np.random.default_rng(7)
    return rng.integers(1, 2**63, 300, dtype=np.uint64), rng.integers(1, 2**63, 900, dtype=np.uint64)


def test_shingles_close_in_the_article_but_scattered_over_the_page_are_not_dense() -> None:
    article, page = texts()
    article[100:116:2] = page[0:800:100]  # 8 stock phrases: close in the article, 100 words apart in the page
    assert densest_sharing(article, PageShingles.of(page)) == 1


def test_shingles_close_in_both_texts_are_dense_whatever_their_order() -> None:
    article, page = texts()
    article[100:116:2] = page[300:316:2]
    assert densest_sharing(article, PageShingles.of(page)) == 8
    article[100:116:2] = page[300:316:2][::-1]  # reordered, as a reworded copy
    assert densest_sharing(article, PageShingles.of(page)) == 8


def test_the_reach_in_the_page_and_the_span_in_the_article() -> None:
    article, page = texts()
    article[[100, 101]] = page[[300, 300 + PAGE_REACH]]
    assert densest_sharing(article, PageShingles.of(page)) == 2
    article[[100, 101]] = page[[300, 301 + PAGE_REACH]]
    assert densest_sharing(article, PageShingles.of(page)) == 1
    article[[100, 100 + DENSITY_SPAN]] = page[[300, 301]]
    article[101] = 0
    assert densest_sharing(article, PageShingles.of(page)) == 1


def test_a_phrase_the_page_repeats_is_placed_at_its_first_use() -> None:
    article, page = texts()
    page[[10, 500]] = 42
    article[[100, 101]] = [42, page[501]]
    assert PageShingles.of(page).places[PageShingles.of(page).values == 42].tolist() == [10]
    assert densest_sharing(article, PageShingles.of(page)) == 1


def test_nothing_shared() -> None:
    article, page = texts()
    assert densest_sharing(article, PageShingles.of(page)) == 0
    assert densest_sharing(article, PageShingles.of(page[:0])) == 0
    assert densest_sharing(article[:0], PageShingles.of(page)) == 0


def test_content_words_are_counted_in_their_own_span_and_reach() -> None:
    article, page = texts()
    article[[100, 100 + WORD_SPAN - 1]] = page[[300, 300 + WORD_REACH]]
    assert densest_sharing(article, PageShingles.of(page), WORD_SPAN, WORD_REACH) == 2
    article[[100, 100 + WORD_SPAN - 1]] = page[[300, 301 + WORD_REACH]]  # one place too far in the page
    assert densest_sharing(article, PageShingles.of(page), WORD_SPAN, WORD_REACH) == 1
    article[[100, 100 + WORD_SPAN - 1]] = 0
    article[[100, 100 + WORD_SPAN]] = page[[300, 301]]  # one place too far in the article
    assert densest_sharing(article, PageShingles.of(page), WORD_SPAN, WORD_REACH) == 1
    assert densest_sharing(article, PageShingles.of(page)) == 2  # within the shingles' wider span
