"""Word hashes → shingles → fingerprints: a whole-text MinHash and the passage-window minima.

A fingerprint has two parts, both made from the same word shingles (k consecutive folded words):

* `signature`: the text's MinHash (datasketch, scheme "affine32", `num_perm` values), an estimate
  of whole-text Jaccard similarity, kept for near-duplicate search and reporting;
* `windows`: the passage fingerprints used for retrieval. Every window of `window` consecutive
  shingles contributes its minimum shingle hash (a one-permutation MinHash of the window, also
  known as winnowing). Two texts that share any run of `window + shingle_size - 1` words share at
  least one of these values *with certainty*, and a 60-word excerpt shares about a dozen; whole-text
  MinHash cannot find such an excerpt (its Jaccard similarity with a long page is near 0).

Hashing is vectorised: words are hashed once (cached, in `normalize`), shingles are combined
with numpy, and the MinHash applies datasketch's own permutations to the whole array at once, so
nothing loops in Python per shingle.

`encode` and `decode` are the codec to the stored form (`records.EncodedFingerprint`, plain
bytes): storage keeps fingerprints without importing numpy, and refuses none that `encode` made.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from compliance.detect.bags import bag_keys
from compliance.detect.normalize import NORMALIZATION, token_hashes, token_words
from compliance.errors import StorageError
from compliance.records import EncodedFingerprint, Fingerprint
from compliance.settings import Settings

if TYPE_CHECKING:
    from datasketch import LeanMinHash

_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio): combines word hashes
_SCHEME = "affine32"
# As `Settings.fingerprint_params()` gives them; "normalization" is normalize.NORMALIZATION's version.
PARAMS = ("num_perm", "seed", "shingle_size", "window", "normalization")


def shingle_hashes(words: np.ndarray, size: int) -> np.ndarray:
    """64-bit hashes of every run of `size` consecutive words (one shingle if the text is shorter)."""
    count = len(words) - size + 1
    if count < 1:
        size, count = len(words), min(len(words), 1)
    shingles = words[:count].copy()
    for offset in range(1, size):
        shingles *= _MIX
        shingles ^= words[offset : offset + count]
    # A final avalanche so that low bits depend on every word (window minima use the full width).
    shingles ^= shingles >> np.uint64(31)
    shingles *= _MIX
    shingles ^= shingles >> np.uint64(29)
    return shingles


def window_minima(shingles: np.ndarray, window: int) -> np.ndarray:
    """The distinct minimum hashes of every run of `window` shingles (winnowing), sorted."""
    if len(shingles) <= window:
        return shingles.min(keepdims=True) if len(shingles) else shingles
    # Sliding minimum by doubling: after the pass for width w, minima[i] = min(shingles[i:i+w]).
    minima, width = shingles, 1
    while width < window:
        step = min(width, window - width)
        minima = np.minimum(minima[:-step], minima[step:])
        width += step
    # Neighbouring windows mostly share their minimum: drop repeats before sorting.
    changes = np.flatnonzero(minima[1:] != minima[:-1]) + 1
    return np.unique(minima[np.concatenate(([0], changes))])


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's permutation parameters (a, b) for these settings, as uint32 arrays."""
    from datasketch import MinHash  # loaded on first use: checking a page never needs it

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=_SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, the pre-mix datasketch's "affine32" scheme applies."""
    values = values ^ (values >> np.uint32(16))
    values *= np.uint32(0x85EBCA6B)
    values ^= values >> np.uint32(13)
    values *= np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def minhash(shingles: np.ndarray, num_perm: int, seed: int) -> LeanMinHash:
    """The MinHash of a set of shingle hashes, equal bit for bit to datasketch's `update_batch`.

    `MinHash(scheme="affine32", hashfunc=int).update_batch(high 32 bits of each shingle)` gives
    the same values (a test pins it), but it hashes through a Python list; applying the same
    permutations to the numpy array directly is five times faster, and this is the hot path.
    """
    from datasketch import LeanMinHash

    a, b = _permutations(num_perm, seed)
    if not len(shingles):
        values = np.full(num_perm, np.iinfo(np.uint32).max, dtype=np.uint32)
    else:
        mixed = _fmix32((shingles >> np.uint64(32)).astype(np.uint32))
        permuted = np.multiply.outer(mixed, a)
        permuted += b
        values = permuted.min(axis=0)
    return LeanMinHash(seed=seed, hashvalues=values, scheme=_SCHEME)


def fingerprint_words(
    words: np.ndarray, settings: Settings, normalization: int = NORMALIZATION
) -> Fingerprint:
    """The fingerprint of a text given as word hashes folded by that `normalization`."""
    shingles = shingle_hashes(words, settings.shingle_size)
    signature = minhash(shingles, settings.num_perm, settings.seed).hashvalues
    return Fingerprint(
        params={**settings.fingerprint_params(), "normalization": normalization},
        signature=np.asarray(signature, dtype=np.uint32),
        windows=window_minima(shingles, settings.window),
    )


def fingerprint(
    text: str, settings: Settings, normalization: int = NORMALIZATION, with_bags: bool = False
) -> Fingerprint:
    """The fingerprint of a text: normalization, shingles, MinHash and window minima.

    `with_bags`: with the text's bag keys too (`detect.bags`), made from the same words. Only the
    upgrade's tests and benchmark ask for an older `normalization`.
    """
    if not with_bags:
        return fingerprint_words(token_hashes(text, normalization), settings, normalization)
    words = token_words(text, normalization)
    made = fingerprint_words(words.hashes, settings, normalization)
    keys = bag_keys(words.stems, words.lengths, settings.bag_words, settings.bag_min_letters)
    return Fingerprint(made.params, made.signature, made.windows, keys, settings.bag_params())


def estimated_similarity(a: Fingerprint, b: Fingerprint) -> float:
    """Jaccard similarity of two texts estimated from their MinHash signatures."""
    if a.params != b.params:
        raise ValueError(f"fingerprints made with different parameters: {a.params} != {b.params}")
    return float(np.mean(a.signature == b.signature))


# --- The stored form ----------------------------------------------------------------------------


def encode(fingerprint: Fingerprint, what: str = "fingerprint") -> EncodedFingerprint:
    """The stored form of a fingerprint; StorageError, naming `what`, if it cannot be stored as is."""
    params = _checked_params(fingerprint.params, what)
    num_perm = params["num_perm"]
    signature = np.asarray(fingerprint.signature)
    if signature.shape != (num_perm,):
        raise StorageError(f"{what}: signature shape {signature.shape}, expected ({num_perm},)")
    windows = _checked_windows(fingerprint.windows, what)
    bags = fingerprint.bags
    return EncodedFingerprint(
        params=params,
        signature=_uint32_bytes(signature, what),
        windows=np.ascontiguousarray(windows, dtype="<u8").tobytes(),
        n_windows=len(windows),
        bags=np.ascontiguousarray(bags, dtype="<u8").tobytes() if bags is not None else None,
        bag_params=dict(fingerprint.bag_params or {}) if bags is not None else None,
    )


def decode(encoded: EncodedFingerprint) -> Fingerprint:
    """The fingerprint back from its stored form, as native, writable uint32 and uint64 arrays."""
    signature = np.frombuffer(encoded.signature, dtype="<u4").astype(np.uint32)
    windows = np.frombuffer(encoded.windows, dtype="<u8").astype(np.uint64)
    if encoded.bags is None:
        return Fingerprint(dict(encoded.params), signature, windows)
    bags = np.frombuffer(encoded.bags, dtype="<u8").astype(np.uint64)
    return Fingerprint(dict(encoded.params), signature, windows, bags, dict(encoded.bag_params or {}))


def _checked_params(params: dict[str, int], what: str) -> dict[str, int]:
    """The fingerprint parameters (PARAMS) as ints; others would be lost, so they are refused."""
    if set(params) != set(PARAMS):
        raise StorageError(f"{what}: fingerprint params must be exactly {PARAMS}, got {sorted(params)}")
    try:
        return {name: int(params[name]) for name in PARAMS}
    except (TypeError, ValueError):
        raise StorageError(f"{what}: fingerprint params must be integers, got {params}") from None


def _uint32_bytes(array: np.ndarray, what: str) -> bytes:
    """Little-endian uint32 bytes of an integer array whose values fit in 32 bits."""
    if array.size and (array.dtype.kind not in "ui" or array.min() < 0 or int(array.max()) > 0xFFFFFFFF):
        raise StorageError(f"{what}: expected uint32 values, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype="<u4").tobytes()


def _checked_windows(windows: np.ndarray, what: str) -> np.ndarray:
    """The window minima as an array, refused unless 1-D unsigned integers of at most 64 bits."""
    windows = np.asarray(windows)
    if windows.dtype.kind != "u" or windows.dtype.itemsize > 8:
        raise StorageError(f"{what}: windows must be unsigned integers, got dtype {windows.dtype}")
    if windows.ndim != 1:
        raise StorageError(f"{what}: windows shape {windows.shape}, expected (n,)")
    return windows
