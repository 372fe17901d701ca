"""Which candidates of the two retrieval channels are aligned (compliance/matching.py)."""

from __future__ import annotations

import pytest

from compliance.matching import shingles_needed
from compliance.settings import Settings


@pytest.mark.parametrize(
    ("by_minima", "keys", "needed"),
    [
        (True, 0, 6),  # a 12-word quotation with an edit of one or two words keeps 6 shingles
        (True, 1, 6),
        (True, 2, 3),  # both channels vouch for it
        (True, 3, 3),
        (True, 4, 0),  # enough bag keys: aligned whichever channel found it
        (True, 9, 0),
        (False, 1, None),
        (False, 2, None),  # a pair of words in common, twice: too common to be worth reading it
        (False, 3, 3),
        (False, 4, 0),
    ],
)
def test_the_shingles_a_candidate_needs_for_the_bag_keys_it_shares(
    by_minima: bool, keys: int, needed: int | None
) -> None:
    assert shingles_needed(by_minima, keys, Settings()) == needed


def test_the_thresholds_follow_the_settings() -> None:
    settings = Settings(agreed_min_shingles=4, bag_min_shared=6, min_match_words=14)
    assert shingles_needed(True, 0, settings) == 8
    assert shingles_needed(True, 2, settings) == 4
    assert shingles_needed(False, 2, settings) is None
    assert shingles_needed(False, 5, settings) == 4
    assert shingles_needed(True, 6, settings) == 0
    # never more shingles for a vouched-for candidate than for any other
    assert shingles_needed(True, 2, Settings(agreed_min_shingles=50)) == 6
