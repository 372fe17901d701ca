"""Index segments: sorted window minima with the fingerprint holding each, and how they merge.

A segment is immutable: built from fingerprints once, saved as three .npy files, memory-mapped
when read. Merging segments is a k-way merge of their sorted keys done in slices of the key
range, written straight into the output files, so it needs memory for one slice whatever the
archive's size (a merge of every segment at 1M articles loaded ~11 GB at once before).

Which segments merge is size-tiered: segments of about the same size (the same power of TIER)
merge once there are TIER of them, so each entry is rewritten about log_TIER(archive / ingest call)
times over the archive's life and an ingest's cost stays flat as the archive grows; when there are
more than MAX_SEGMENTS anyway (many small ingests), the smallest TIER merge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compliance.detect.index_folder import new_name
from compliance.records import Fingerprint, StoredFingerprint

TIER = 4  # segments of one size class that merge together
MAX_SEGMENTS = 16  # more than this, and the smallest merge whatever their sizes
SLICE = 1 << 22  # entries of the largest input per merge slice (~170 MB of work arrays)
PARTS = ("keys", "fps", "owners")


@dataclass(frozen=True, slots=True, eq=False)
class Segment:
    """Sorted window minima with the fingerprint holding each, and fingerprint → article."""

    name: str
    keys: np.ndarray  # uint64, sorted
    fps: np.ndarray  # int64, fingerprint id of each key
    owners: np.ndarray  # int64 (n, 2): fingerprint id, article id; sorted by fingerprint id

    @classmethod
    def build(cls, fingerprints: Iterable[StoredFingerprint[Fingerprint]]) -> Segment:
        keys, fps, owners = [], [], []
        for stored in fingerprints:
            windows = np.unique(stored.fingerprint.windows)
            keys.append(windows)
            fps.append(np.full(len(windows), stored.id, dtype=np.int64))
            owners.append((stored.id, stored.article_id))
        if not keys:
            return cls.empty()
        all_keys = np.concatenate(keys)
        order = np.argsort(all_keys, kind="stable")
        owner_array = np.array(sorted(owners), dtype=np.int64).reshape(-1, 2)
        return cls(new_name(), all_keys[order], np.concatenate(fps)[order], owner_array)

    @classmethod
    def empty(cls) -> Segment:
        return cls("", np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros((0, 2), np.int64))

    @classmethod
    def load(cls, folder: Path) -> Segment:
        arrays = [np.load(folder / f"{part}.npy", mmap_mode="r") for part in PARTS]
        return cls(folder.name, *arrays)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        for part in PARTS:
            np.save(folder / f"{part}.npy", getattr(self, part))

    def lookup(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each query key, where its run of equal keys starts and ends in `keys`."""
        return np.searchsorted(self.keys, queries, "left"), np.searchsorted(self.keys, queries, "right")

    def articles_of(self, fingerprint_ids: np.ndarray) -> np.ndarray:
        """The article id of each fingerprint id (all must be in this segment)."""
        rows = np.searchsorted(self.owners[:, 0], fingerprint_ids)
        return self.owners[rows, 1]


def due_for_merge(segments: Sequence[Segment]) -> list[Segment]:
    """The segments to merge now (none, or at least two), by the size-tiered rule above."""
    tiers: dict[int, list[Segment]] = {}
    for segment in segments:
        tiers.setdefault(_tier(segment), []).append(segment)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= TIER:
            return tiers[tier]
    if len(segments) > MAX_SEGMENTS:
        return sorted(segments, key=lambda s: len(s.keys))[:TIER]
    return []


def merge(segments: Sequence[Segment], dead: np.ndarray, folder: Path | None) -> Segment:
    """One segment holding every entry of `segments` but those of `dead` fingerprints.

    With a `folder`, the new segment is written in a new subfolder of it as it is made.
    """
    owners = np.concatenate([s.owners for s in segments])
    owners = owners[~np.isin(owners[:, 0], dead)]
    owners = owners[np.argsort(owners[:, 0], kind="stable")]
    sizes = [_alive(s, dead) for s in segments]
    total = sum(sizes)
    name = new_name()
    if folder is None:
        keys, fps = np.empty(total, np.uint64), np.empty(total, np.int64)
    else:
        (folder / name).mkdir(parents=True)
        keys = np.lib.format.open_memmap(folder / name / "keys.npy", "w+", np.uint64, (total,))
        fps = np.lib.format.open_memmap(folder / name / "fps.npy", "w+", np.int64, (total,))
    at = 0
    for low, high in _slices(segments):
        spans = [(int(np.searchsorted(s.keys, np.uint64(low))), _upper(s.keys, high)) for s in segments]
        part_keys = np.concatenate([s.keys[a:b] for s, (a, b) in zip(segments, spans, strict=True)])
        part_fps = np.concatenate([s.fps[a:b] for s, (a, b) in zip(segments, spans, strict=True)])
        alive = ~np.isin(part_fps, dead)
        part_keys, part_fps = part_keys[alive], part_fps[alive]
        order = np.argsort(part_keys, kind="stable")
        keys[at : at + len(order)] = part_keys[order]
        fps[at : at + len(order)] = part_fps[order]
        at += len(order)
    if folder is not None:
        np.save(folder / name / "owners.npy", owners)
        for array in (keys, fps):
            if isinstance(array, np.memmap):
                array.flush()
        return Segment.load(folder / name)
    return Segment(name, keys, fps, owners)


def _tier(segment: Segment) -> int:
    return int(math.log(max(len(segment.keys), 1), TIER))


def _alive(segment: Segment, dead: np.ndarray) -> int:
    if not len(dead):
        return len(segment.keys)
    gone = 0
    for start in range(0, len(segment.fps), SLICE):
        gone += int(np.isin(segment.fps[start : start + SLICE], dead).sum())
    return len(segment.keys) - gone


def _slices(segments: Sequence[Segment]) -> list[tuple[int, int | None]]:
    """Key ranges [low, high) cutting the largest segment in runs of SLICE entries (None: no end)."""
    largest = max(segments, key=lambda s: len(s.keys))
    bounds = [int(k) for k in largest.keys[SLICE::SLICE]]
    lows = [0, *bounds]
    highs: list[int | None] = [*bounds, None]
    return list(zip(lows, highs, strict=True))


def _upper(keys: np.ndarray, high: int | None) -> int:
    return len(keys) if high is None else int(np.searchsorted(keys, np.uint64(high)))
