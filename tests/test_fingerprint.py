import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given
from hypothesis import strategies as st

from compliance.detect.fingerprint import (
    estimated_similarity,
    fingerprint,
    minhash,
    shingle_hashes,
    window_minima,
)
from compliance.detect.normalize import token_hashes
from compliance.settings import Settings

SETTINGS = Settings()
TEXT = " ".join(f"mot{i % 97} terme{i % 13} phrase{i}" for i in range(300))


def test_minhash_equals_datasketch_batch_update() -> None:
    shingles = shingle_hashes(token_hashes(TEXT), 3)
    reference = MinHash(num_perm=64, seed=7, hashfunc=int, scheme="affine32")
    reference.update_batch((shingles >> np.uint64(32)).tolist())
    assert np.array_equal(minhash(shingles, 64, 7).hashvalues, reference.hashvalues)


def test_minhash_of_nothing_is_empty() -> None:
    assert minhash(np.zeros(0, dtype=np.uint64), 16, 1).is_empty()


def test_shingles_depend_on_word_order() -> None:
    words = np.array([1, 2, 3, 4], dtype=np.uint64)
    assert len(shingle_hashes(words, 3)) == 2
    assert shingle_hashes(words, 3)[0] != shingle_hashes(words[::-1], 3)[-1]
    assert len(shingle_hashes(words[:2], 3)) == 1  # a short text is one shingle
    assert len(shingle_hashes(words[:0], 3)) == 0


def test_fingerprint_keeps_its_parameters() -> None:
    found = fingerprint(TEXT, SETTINGS)
    assert found.params == {"num_perm": 64, "seed": 1, "shingle_size": 3, "window": 8, "normalization": 3}
    assert found.signature.dtype == np.uint32 and len(found.signature) == 64
    assert found.windows.dtype == np.uint64 and np.all(np.diff(found.windows.astype(np.float64)) >= 0)


def test_signatures_with_other_parameters_never_compare() -> None:
    with pytest.raises(ValueError, match="different parameters"):
        estimated_similarity(fingerprint(TEXT, SETTINGS), fingerprint(TEXT, SETTINGS.replace(seed=2)))


def test_similarity_estimate_follows_overlap() -> None:
    half = " ".join(TEXT.split()[:450])
    same = estimated_similarity(fingerprint(TEXT, SETTINGS), fingerprint(TEXT, SETTINGS))
    partial = estimated_similarity(fingerprint(TEXT, SETTINGS), fingerprint(half, SETTINGS))
    assert same == 1.0 and 0.25 < partial < 0.75


@given(st.lists(st.integers(0, 2**64 - 1), min_size=20, max_size=200), st.data())
def test_any_shared_run_of_a_window_shares_a_window_minimum(words: list[int], data: st.DataObject) -> None:
    """Winnowing's guarantee: a shared run of window + k - 1 words shares at least one minimum."""
    settings = Settings()
    run = settings.window + settings.shingle_size - 1
    start = data.draw(st.integers(0, len(words) - min(run, len(words))))
    excerpt = np.array(words[start : start + run], dtype=np.uint64)
    other = np.concatenate([np.arange(50, dtype=np.uint64) + 2**40, excerpt, np.arange(30, dtype=np.uint64)])
    text_minima = window_minima(shingle_hashes(np.array(words, dtype=np.uint64), 3), settings.window)
    page_minima = window_minima(shingle_hashes(other, 3), settings.window)
    if len(excerpt) == run:
        assert len(np.intersect1d(text_minima, page_minima)) >= 1


@given(st.lists(st.integers(0, 2**64 - 1), max_size=300), st.integers(1, 20))
def test_window_minima_equal_the_textbook_sliding_minimum(values: list[int], window: int) -> None:
    from numpy.lib.stride_tricks import sliding_window_view

    shingles = np.array(values, dtype=np.uint64)
    if len(shingles) > window:
        expected = np.unique(sliding_window_view(shingles, window).min(axis=1))
    else:
        expected = shingles.min(keepdims=True) if len(shingles) else shingles
    assert np.array_equal(window_minima(shingles, window), expected)
