"""Which candidates of the two retrieval channels are aligned (compliance/matching.py)."""

from __future__ import annotations

import numpy as np
import pytest

from compliance.detect.density import WORD_REACH, PageShingles
from compliance.matching import Needed, Shingled, density_needed
from compliance.records import Article
from compliance.settings import Settings


@pytest.mark.parametrize(
    ("by_minima", "keys", "needed"),
    [
        (True, 0, Needed(6)),  # a 12-word quotation with an edit of one or two words keeps 6 shingles
        (True, 1, Needed(6)),
        (True, 2, Needed(3, 7)),  # both channels vouch for it: 3 shingles, or 7 content words
        (True, 3, Needed(3, 7)),
        (True, 4, Needed(0)),  # enough bag keys: aligned whichever channel found it
        (True, 9, Needed(0)),
        (False, 1, None),
        (False, 2, Needed(None, 7)),  # two pairs of words in common: only dense content words will do
        (False, 3, Needed(3, 7)),
        (False, 4, Needed(0)),
    ],
)
def test_what_a_candidate_must_share_densely_for_the_bag_keys_it_shares(
    by_minima: bool, keys: int, needed: Needed | None
) -> None:
    assert density_needed(by_minima, keys, Settings()) == needed


def test_the_thresholds_follow_the_settings() -> None:
    settings = Settings(agreed_min_shingles=4, agreed_min_words=9, bag_min_shared=6, min_match_words=14)
    assert density_needed(True, 0, settings) == Needed(8)
    assert density_needed(True, 2, settings) == Needed(4, 9)
    assert density_needed(False, 2, settings) == Needed(None, 9)
    assert density_needed(False, 5, settings) == Needed(4, 9)
    assert density_needed(True, 6, settings) == Needed(0)
    # never more shingles for a vouched-for candidate than for any other
    assert density_needed(True, 2, Settings(agreed_min_shingles=50)) == Needed(6, 7)


def shingled(words: np.ndarray) -> Shingled:
    """A candidate whose shingles share nothing with any page, and these content words."""
    article = Article(id=1, url="https://example.test/a", body="unused")
    return Shingled(article, np.arange(1, 200, dtype=np.uint64), words)


def test_a_candidate_passes_on_its_shingles_or_else_on_its_content_words() -> None:
    rng = np.random.default_rng(3)
    page_words = rng.integers(1 << 40, 1 << 62, 400, dtype=np.uint64)
    words = rng.integers(1 << 40, 1 << 62, 100, dtype=np.uint64)
    words[50:57] = page_words[200:214:2][::-1]  # 7 content words, reordered: a reworded passage
    page, near = PageShingles.of(np.zeros(0, np.uint64)), PageShingles.of(page_words)
    assert shingled(words).meets(Needed(3, 7), page, near)
    assert shingled(words).meets(Needed(None, 7), page, near)
    assert not shingled(words).meets(Needed(3, 8), page, near)
    assert not shingled(words).meets(Needed(3), page, near)  # no content-word route: shingles only
    assert shingled(words).meets(Needed(0), page, near)
    scattered = words.copy()
    scattered[50:57] = page_words[0 : 7 * (WORD_REACH + 1) : WORD_REACH + 1]  # too far apart in the page
    assert not shingled(scattered).meets(Needed(None, 7), page, near)
