"""Word hashes → bag keys: the passage index's second, order-insensitive retrieval channel.

The window minima (`fingerprint.window_minima`) need the same three words in the same order: a copy
whose words are shuffled, or a paraphrase that keeps the rare words but not their order, shares
few of them. A *bag key* forgets the order. The text's content words (folded words of at least
`bag_min_letters` letters: function words are short in French, English and Arabic alike) are read
as their stems (`normalize.STEM_LETTERS`: a word's inflected forms share one), in windows of
`bag_words` consecutive content words; each window's two smallest stem hashes, sorted, are hashed
together. A shuffle inside a window keeps its key, and a paraphrase that keeps
two of a window's rare words in one window of the copy often does too; the keys are a sample of
pairs of nearby rare words, so two texts on one subject share few of them (and the index's own
document-frequency cut-off, `bag_max_df`, drops those that many articles share).

In: the stems of a text's words and their folded lengths (`normalize.token_words`), or a text.
Out: the distinct keys, sorted (uint64).
"""

from __future__ import annotations

import numpy as np

from compliance.detect.arrays import distinct
from compliance.detect.normalize import NORMALIZATION, token_words

_MIX = np.uint64(0x9E3779B97F4A7C15)  # as in `fingerprint`: combines two word hashes
BAG_PARAMS = ("bag_words", "bag_min_letters")  # as `Settings.bag_params()` gives them


def bag_keys(stems: np.ndarray, lengths: np.ndarray, words: int, min_letters: int) -> np.ndarray:
    """The distinct bag keys of a text given as its words' stems and folded lengths, sorted."""
    return distinct(window_keys(stems, lengths, words, min_letters))


def content_words(stems: np.ndarray, lengths: np.ndarray, min_letters: int) -> np.ndarray:
    """The stems of a text's content words (folded length `min_letters` or more), in text order."""
    return stems[lengths >= min_letters]


def window_keys(stems: np.ndarray, lengths: np.ndarray, words: int, min_letters: int) -> np.ndarray:
    """The bag key of every window of content words, in text order (repeats kept)."""
    content = content_words(stems, lengths, min_letters)
    if len(content) < 2:
        return np.zeros(0, dtype=np.uint64)
    smallest, second = _two_smallest(content, min(words, len(content)))
    keys = smallest * _MIX
    keys ^= second
    keys ^= keys >> np.uint64(31)  # an avalanche, as for shingles: keys are compared whole
    keys *= _MIX
    keys ^= keys >> np.uint64(29)
    return keys


def text_bag_keys(text: str, params: dict[str, int]) -> np.ndarray:
    """The bag keys of a text, with the parameters `Settings.index_params()` gives."""
    normalization = params.get("normalization", NORMALIZATION)
    words = token_words(text, normalization)
    return bag_keys(words.stems, words.lengths, params["bag_words"], params["bag_min_letters"])


def _two_smallest(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """For every run of `width` consecutive values, its smallest value and the next (equal if repeated).

    Column by column over the runs (`width` vector passes): far faster than partitioning each run.
    """
    count = len(values) - width + 1
    columns = [values[offset : offset + count] for offset in range(width)]
    smallest = columns[0].copy()
    for column in columns[1:]:
        np.minimum(smallest, column, out=smallest)
    second = np.full(count, np.iinfo(np.uint64).max, dtype=np.uint64)
    repeats = np.zeros(count, dtype=np.int64)
    for column in columns:
        is_smallest = column == smallest
        repeats += is_smallest
        np.minimum(second, np.where(is_smallest, second, column), out=second)
    return smallest, np.where(repeats > 1, smallest, second)
