"""How densely an article's shingles are found in a page: the cheap test that spares most of a
page's candidates the full alignment (`compliance.matching`).

In: shingle hashes (`fingerprint.shingle_hashes`): the article's, and the page's as `PageShingles`
(sorted, distinct, each with its place in the page). Out: a count.

A reproduced passage, even edited, shares many of its shingles with the page close together in
both texts. An unrelated article shares stock phrases: a few may fall close together in the
article, but each is found wherever the page happens to use it, so the test counts only the
shingles whose places in the page are close too.
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
_BLOCK = 32  # windows `densest_sharing` counts at once
Shingles = np.ndarray  # shingle hashes, named for the modules outside the numpy seam


@dataclass(frozen=True, slots=True)
class PageShingles:
    """A page's distinct shingles, sorted, and the place of each one's first use in the page."""

    values: np.ndarray
    places: np.ndarray

    @classmethod
    def of(cls, shingles: Shingles) -> PageShingles:
        order = np.argsort(shingles, kind="stable")  # stable: the first place of a repeated one
        ordered = shingles[order]
        first = np.concatenate(([True], ordered[1:] != ordered[:-1])) if len(ordered) else np.zeros(0, bool)
        return cls(ordered[first], order[first])


def densest_sharing(shingles: Shingles, page: PageShingles) -> int:
    """The most article shingles within DENSITY_SPAN of the article that the page also has, each
    within PAGE_REACH words of the first of them in the page."""
    values = page.values
    if not len(values) or not len(shingles):
        return 0
    at = np.minimum(np.searchsorted(values, shingles), len(values) - 1)
    found = values[at] == shingles
    article = np.nonzero(found)[0]  # increasing: each shared article shingle once
    if len(article) <= 1:
        return len(article)
    places = page.places[at[found]]
    # Each shared shingle opens a window over those within DENSITY_SPAN article words after it;
    # the windows holding the most, wherever they are in the page, are counted first, a block at a
    # time, until no window left could hold more than the best count (a copy stops at the first).
    ends = np.searchsorted(article, article + DENSITY_SPAN)
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
        close = inside & (np.abs(places[following] - places[anchors, None]) <= PAGE_REACH)
        best = max(best, int(close.sum(axis=1).max()))
    return best
