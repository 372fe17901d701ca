"""A long page → overlapping parts of bounded length, and the passages found in them → one list.

A check aligns every candidate article with the page, so its cost grows with the page's length
times the number of candidates; a page of a million words would cost minutes. It is checked
instead in parts of `check_part_words` words, each overlapping the next by `check_part_overlap`
words: every part is looked up and aligned on its own, so the work per part is bounded and the
page's cost grows with its length. A passage of up to `check_part_overlap` words lies whole
inside one part; a longer one that straddles a boundary is found in pieces that share the
overlap, and `merge_passages` joins them. Offsets stay exact: a part keeps the page's own text
between its first and last word, and its passages are shifted back by where it starts.

A page no longer than one part is one part: the page itself, checked exactly as before. A page
of up to `align_whole_words` is looked up in parts but aligned whole (`compliance.matching`).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from compliance.detect.normalize import Tokens
from compliance.records import Passage


def page_parts(length: int, part_words: int, overlap: int) -> list[tuple[int, int]]:
    """Token ranges [start, end) of the parts a page of `length` words is checked in.

    Every part is `part_words` long (the last one starts earlier rather than being short), and
    each overlaps the next by at least `overlap` words.
    """
    if length <= part_words:
        return [(0, length)]
    last = length - part_words
    starts = [*range(0, last, part_words - overlap), last]
    return [(start, start + part_words) for start in starts]


def part_tokens(page: Tokens, start: int, end: int) -> tuple[Tokens, int]:
    """The words [start, end) of `page` as a text of their own, and its offset in the page text."""
    if start == 0 and end == len(page):
        return page, 0
    offset, stop = int(page.starts[start]), int(page.ends[end - 1])
    tokens = Tokens(
        page.text[offset:stop],
        page.hashes[start:end],
        page.starts[start:end] - offset,
        page.ends[start:end] - offset,
    )
    return tokens, offset


def shifted(passages: list[Passage], offset: int) -> list[Passage]:
    """Passages found in a part, with their page offsets into the whole page."""
    if not offset:
        return passages
    return [replace(p, page_start=p.page_start + offset, page_end=p.page_end + offset) for p in passages]


def merge_passages(passages: list[Passage], article: Tokens) -> list[Passage]:
    """One passage per stretch of the page, in page order, from passages found in overlapping parts.

    Passages that overlap in the page and in the article are pieces (or copies) of one
    reproduction: they are joined. Passages that overlap in the page only map the same page words
    to two places of the article: the one with more words is kept, as the aligner does.
    """
    merged: list[Passage] = []
    for p in sorted(passages, key=lambda p: (p.page_start, p.page_end, p.article_start)):
        last = merged[-1] if merged else None
        if last is None or p.page_start >= last.page_end:
            merged.append(p)
        elif p.article_start < last.article_end and last.article_start < p.article_end:
            merged[-1] = _joined(last, p, article)
        elif p.words > last.words:
            merged[-1] = p
    return merged


def _joined(first: Passage, second: Passage, article: Tokens) -> Passage:
    """The stretch both passages cover, in both texts."""
    start = min(first.article_start, second.article_start)
    end = max(first.article_end, second.article_end)
    words = int(np.searchsorted(article.ends, end, "right") - np.searchsorted(article.starts, start))
    return Passage(
        article_start=start,
        article_end=end,
        page_start=min(first.page_start, second.page_start),
        page_end=max(first.page_end, second.page_end),
        words=words,
    )
