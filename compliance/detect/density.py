"""How densely an article's shingles are found in a page: the cheap test that spares most of a
page's candidates the full alignment (`compliance.matching`).

In: shingle hashes (`fingerprint.shingle_hashes`), the page's sorted and distinct. Out: a count.
"""

from __future__ import annotations

import numpy as np

# Shingles of an article: a reproduced passage, even edited, shares many of its shingles with the
# page within this span; an unrelated article shares stock phrases scattered over its length.
DENSITY_SPAN = 24
Shingles = np.ndarray  # shingle hashes, named for the modules outside the numpy seam


def densest_sharing(shingles: Shingles, page_shingles: Shingles) -> int:
    """The most article shingles found in the page (sorted, distinct) within any DENSITY_SPAN."""
    if not len(page_shingles) or not len(shingles):
        return 0
    at = np.minimum(np.searchsorted(page_shingles, shingles), len(page_shingles) - 1)
    shared = np.concatenate(([0], np.cumsum(page_shingles[at] == shingles)))
    span = min(DENSITY_SPAN, len(shingles))
    return int((shared[span:] - shared[:-span]).max())
