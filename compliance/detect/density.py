"""How densely an article's shingles are found in a page: the cheap test that spares most of a
page's candidates the full alignment (`compliance.matching`).

In: shingle hashes (`fingerprint.shingle_hashes`): the article's, and the page's as `PageShingles`
(sorted, distinct, each with its place in the page); or, the same way, the two texts' content
words. Out: a count.

A reproduced passage, even edited, shares many of its shingles with the page close together in
both texts. An unrelated article shares stock phrases: a few may fall close together in the
article, but each is found wherever the page happens to use it, so the test counts only the
shingles whose places in the page are close too. A copy translated back and forth or reworded
keeps few runs of three words but many of the passage's content words, close together in both
texts: counted over content words, in a narrower span (WORD_SPAN, WORD_REACH), the same test
finds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Article words a reproduced passage's shared shingles are counted within.
DENSITY_SPAN = 24
# Page words either side of the first of them where the others must be found: room for a passage
# that is reworded, reordered or translated back and forth (calibrated with the thresholds of
# `compliance.matching` on pan13-train in archive mode; bench/RESULTS.md).
PAGE_REACH = 48
# The same over content words (`bags`' words of 5 letters or more, compared by their stems): a
# reworded passage's shared words, within this many of the article's content words and of the
# page's (calibrated with `Settings.agreed_min_words`; bench/RESULTS.md).
WORD_SPAN = 12
WORD_REACH = 24
_BLOCK = 32  # windows `densest_sharing` counts at once
Shingles = np.ndarray  # shingle hashes, named for the modules outside the numpy seam


@dataclass(frozen=True, slots=True)
class PageShingles:
    """A page's distinct shingles (or content words), sorted, and the place of each one's first use."""

    values: np.ndarray
    places: np.ndarray

    @classmethod
    def of(cls, shingles: Shingles) -> PageShingles:
        order = np.argsort(shingles, kind="stable")  # stable: the first place of a repeated one
        ordered = shingles[order]
        first = np.concatenate(([True], ordered[1:] != ordered[:-1])) if len(ordered) else np.zeros(0, bool)
        return cls(ordered[first], order[first])


def densest_sharing(
    shingles: Shingles, page: PageShingles, span: int = DENSITY_SPAN, reach: int = PAGE_REACH
) -> int:
    """The most article shingles within `span` of the article that the page also has, each within
    `reach` of the first of them in the page (places counted in shingles, or in content words)."""
    values = page.values
    if not len(values) or not len(shingles):
        return 0
    at = np.minimum(np.searchsorted(values, shingles), len(values) - 1)
    found = values[at] == shingles
    article = np.nonzero(found)[0]  # increasing: each shared article shingle once
    if len(article) <= 1:
        return len(article)
    places = page.places[at[found]]
    # Each shared shingle opens a window over those within `span` article places after it;
    # the windows holding the most, wherever they are in the page, are counted first, a block at a
    # time, until no window left could hold more than the best count (a copy stops at the first).
    ends = np.searchsorted(article, article + span)
    held = ends - np.arange(len(article))
    order = np.argsort(-held, kind="stable")
    best = 0
    for first in range(0, len(order), _BLOCK):
        anchors = order[first : first + _BLOCK]
        if held[anchors[0]] <= best:
            break
        following = anchors[:, None] + np.arange(int(held[anchors[0]]))
        inside = following < ends[anchors, None]
        following = np.minimum(following, len(article) - 1)
        close = inside & (np.abs(places[following] - places[anchors, None]) <= reach)
        best = max(best, int(close.sum(axis=1).max()))
    return best
