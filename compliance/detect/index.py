"""Passage index: window minima of every article → the articles that contain them.

In: stored fingerprints (their `windows`, the minimum shingle hash of every passage window).
Out: for a page's window minima, the candidate articles that share the most of them.

The index is a derived cache of the database, kept in a folder of immutable segments
(index_folder.py: the manifest naming them, the lock, the removal of leftovers):

    <index>/manifest.json        params, segment names, dead file, last fingerprint id, live count
    <index>/<segment>/keys.npy   window minima, sorted (uint64)
    <index>/<segment>/fps.npy    the fingerprint id of each key (int64)
    <index>/<segment>/owners.npy (fingerprint id, article id) pairs, sorted by fingerprint id
    <index>/dead-<name>.npy      fingerprint ids removed since (re-ingested or deleted articles)

Adding articles writes one new segment; removing one records its fingerprint id as dead; many
segments are merged into one. Opening memory-maps the arrays, so it costs milliseconds whatever
the archive's size, and `sync` catches up with the database by fingerprint id (fingerprints are
never updated in place, only inserted and deleted), so another process's ingest is seen too.
Several processes share one folder: a writer holds the folder's lock, first takes up what another
process wrote since (so it never writes the same fingerprints twice, or a manifest that forgets
another's segment), and leaves nothing behind that its manifest does not name.
Storage keeps fingerprints encoded (bytes); `Decoded` gives the index them as arrays.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from compliance.detect.arrays import expand_ranges
from compliance.detect.fingerprint import decode
from compliance.detect.index_folder import IndexFolder, Manifest, new_name
from compliance.errors import StorageError
from compliance.records import EncodedFingerprint, Fingerprint, IndexDrift, StoredFingerprint

log = logging.getLogger(__name__)

MAX_SEGMENTS = 8
REBUILD_SEGMENT = 20_000  # fingerprints per segment while rebuilding (memory stays bounded), merged after


class FingerprintSource(Protocol):
    """What the index reads to catch up: fingerprints as arrays."""

    def fingerprint_state(self) -> tuple[int, int]: ...
    def fingerprints_after(
        self, last_id: int, batch: int = ...
    ) -> Iterable[StoredFingerprint[Fingerprint]]: ...
    def live_fingerprint_ids(self) -> np.ndarray: ...


class EncodedSource(Protocol):
    """What storage (`compliance.store.Store`) gives: fingerprints encoded, ids as plain integers."""

    def fingerprint_state(self) -> tuple[int, int]: ...
    def fingerprints_after(
        self, last_id: int, batch: int = ...
    ) -> Iterable[StoredFingerprint[EncodedFingerprint]]: ...
    def live_fingerprint_ids(self) -> Sequence[int]: ...


@dataclass(frozen=True, slots=True)
class Decoded:
    """A FingerprintSource over storage: each fingerprint is decoded as the index reads it."""

    stored: EncodedSource

    def fingerprint_state(self) -> tuple[int, int]:
        return self.stored.fingerprint_state()

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> Iterator[StoredFingerprint[Fingerprint]]:
        for item in self.stored.fingerprints_after(last_id, batch):
            yield StoredFingerprint(item.id, item.article_id, decode(item.fingerprint))

    def live_fingerprint_ids(self) -> np.ndarray:
        return np.asarray(self.stored.live_fingerprint_ids(), dtype=np.int64)


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
        arrays = [np.load(folder / f"{part}.npy", mmap_mode="r") for part in ("keys", "fps", "owners")]
        return cls(folder.name, *arrays)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        for part in ("keys", "fps", "owners"):
            np.save(folder / f"{part}.npy", getattr(self, part))

    def lookup(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each query key, where its run of equal keys starts and ends in `keys`."""
        return np.searchsorted(self.keys, queries, "left"), np.searchsorted(self.keys, queries, "right")

    def articles_of(self, fingerprint_ids: np.ndarray) -> np.ndarray:
        """The article id of each fingerprint id (all must be in this segment)."""
        rows = np.searchsorted(self.owners[:, 0], fingerprint_ids)
        return self.owners[rows, 1]


class PassageIndex:
    """Window minima → candidate articles, persisted in `path` (or in memory when None)."""

    def __init__(self, path: Path | None, params: dict[str, int]) -> None:
        self.path = path
        self.params = params
        self.segments: list[Segment] = []
        self.dead = np.zeros(0, dtype=np.int64)
        self.last_id = 0
        self.live = 0
        self._folder = IndexFolder(path) if path is not None else None
        self._manifest: Manifest | None = None  # as last read or written by this process

    @classmethod
    def open(cls, path: Path | None, params: dict[str, int]) -> PassageIndex:
        """The index stored in `path`; an empty one if it is missing or made with other params.

        Leftovers of killed or older writers are removed on the way, when no other process is
        using the folder at that moment.
        """
        index = cls(path, params)
        if index._folder is not None:
            with index._folder.reading() as manifest:
                index._take(manifest)
            index._folder.tidy()
        return index

    def _take(self, manifest: Manifest | None) -> None:
        """Adopt the stored index this manifest describes; empty if none, other params, unreadable."""
        self.segments, self.dead, self.last_id, self.live = [], self.dead[:0], 0, 0
        self._manifest = manifest
        if self._folder is None or manifest is None or manifest.get("params") != self.params:
            return
        try:
            segments = [Segment.load(self._folder.path / name) for name in manifest["segments"]]
            dead = self._folder.load_dead(manifest)
            last_id, live = int(manifest["last_id"]), int(manifest["live"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("passage index at %s is unreadable (%s); it will be rebuilt", self.path, exc)
            return
        self.segments, self.dead, self.last_id, self.live = segments, dead, last_id, live

    def query(self, windows: np.ndarray, max_df: int, limit: int) -> list[tuple[int, float]]:
        """Up to `limit` (article id, score) pairs, best first.

        The score sums, over the window minima an article shares with the page, the minimum's
        rarity log(1 + N / df): one shared rare phrase outweighs several common ones, which is
        what lets a short excerpt outrank articles that merely share the page's stock phrases.
        """
        windows = np.unique(windows)
        spans = [segment.lookup(windows) for segment in self.segments]
        df = sum((right - left for left, right in spans), np.zeros(len(windows), dtype=np.int64))
        searchable = (df > 0) & (df <= max_df)  # minima in many articles are boilerplate, not evidence
        weight = np.log1p(max(self.live, 1) / np.maximum(df[searchable], 1))
        articles, scores = [], []
        for segment, (left, right) in zip(self.segments, spans, strict=True):
            lengths = (right - left)[searchable]
            rows = expand_ranges(left[searchable], right[searchable])
            fingerprint_ids = np.asarray(segment.fps[rows])
            alive = ~np.isin(fingerprint_ids, self.dead)
            articles.append(segment.articles_of(fingerprint_ids[alive]))
            scores.append(np.repeat(weight, lengths)[alive])
        if not articles or not sum(map(len, articles)):
            return []
        ids, inverse = np.unique(np.concatenate(articles), return_inverse=True)
        totals = np.bincount(inverse, weights=np.concatenate(scores))
        best = np.lexsort((ids, -totals))[:limit]
        return [(int(ids[i]), float(totals[i])) for i in best]

    def sync(self, source: FingerprintSource) -> bool:
        """Catch up with the database: add new fingerprints, forget removed ones. True if changed."""
        if source.fingerprint_state() == (self.last_id, self.live):
            return False
        if self._folder is None:
            self._catch_up(source)
            return True
        with self._folder.writing() as stored:
            if stored != self._manifest:  # another process wrote since: start from its index
                self._take(stored)
            if source.fingerprint_state() != (self.last_id, self.live):
                self._catch_up(source)
                self._save()
            self._folder.remove_leftovers(self._manifest or {})
        return True

    def rebuild(self, source: FingerprintSource, progress: Callable[[int], None] | None = None) -> None:
        """Forget the stored index and index every stored fingerprint again; `progress(n)` as it goes.

        Another process's ingest meanwhile is caught up by its next `sync`, as ever: ids above
        the last one read here are new to this index whatever happened before.
        """
        if self._folder is None:
            self._reindex(source, progress)
            return
        with self._folder.writing():
            self._reindex(source, progress)
            self._save()
            self._folder.remove_leftovers(self._manifest or {})

    def drift(self, source: FingerprintSource) -> IndexDrift:
        """How this index, as opened (not caught up), differs from the stored fingerprints."""
        owners = [s.owners for s in self.segments]
        pairs = np.concatenate(owners) if owners else np.zeros((0, 2), np.int64)
        pairs = pairs[~np.isin(pairs[:, 0], self.dead)]
        stored = source.live_fingerprint_ids()
        missing = np.setdiff1d(stored, pairs[:, 0])
        stale = pairs[~np.isin(pairs[:, 0], stored)]
        params_match = self._manifest is None or self._manifest.get("params") == self.params
        return IndexDrift(
            folder=str(self.path or ""),
            params_match=params_match,
            indexed=len(pairs),
            stored=len(stored),
            missing=tuple(int(i) for i in missing),
            stale=tuple((int(f), int(a)) for f, a in stale),
        )

    def _reindex(self, source: FingerprintSource, progress: Callable[[int], None] | None) -> None:
        """Every stored fingerprint in new segments of REBUILD_SEGMENT, merged into one."""
        self.segments, self.dead, self.last_id, self.live = [], self.dead[:0], 0, 0
        batch: list[StoredFingerprint[Fingerprint]] = []
        for stored in source.fingerprints_after(0):
            batch.append(stored)
            if len(batch) >= REBUILD_SEGMENT:
                self._add_rebuilt(batch, progress)
                batch = []
        self._add_rebuilt(batch, progress)
        if len(self.segments) > 1:
            self._merge()
        self.live = self._known_count()

    def _add_rebuilt(
        self, batch: list[StoredFingerprint[Fingerprint]], progress: Callable[[int], None] | None
    ) -> None:
        if batch:
            segment = Segment.build(batch)
            self._persist_segment(segment)
            self.segments.append(segment)
            self.last_id = max(self.last_id, int(segment.owners[:, 0].max()))
        if progress is not None:
            progress(len(batch))

    def compact(self) -> None:
        """Merge every segment into one, dropping removed fingerprints."""
        if self._folder is None:
            self._merge()
            return
        with self._folder.writing() as stored:
            if stored != self._manifest:
                self._take(stored)
            self._merge()
            self._save()
            self._folder.remove_leftovers(self._manifest or {})

    def _catch_up(self, source: FingerprintSource) -> None:
        """Index the fingerprints added since `last_id`, forget those removed, merge if many."""
        last_id, count = source.fingerprint_state()
        if last_id < self.last_id:  # the database was replaced: start again
            self.segments, self.dead, self.last_id, self.live = [], self.dead[:0], 0, 0
        new = Segment.build(source.fingerprints_after(self.last_id))
        if len(new.owners):
            self._persist_segment(new)
            self.segments.append(new)
            self.last_id = int(new.owners[:, 0].max())
        self.live = self._known_count()
        if self.live != count:
            self._forget_all_but(source.live_fingerprint_ids())
        if len(self.segments) > MAX_SEGMENTS:
            self._merge()

    def _merge(self) -> None:
        """Every segment as one, removed fingerprints dropped; the old folders become leftovers."""
        if not self.segments:
            return
        keys = np.concatenate([s.keys for s in self.segments])
        fps = np.concatenate([s.fps for s in self.segments])
        owners = np.concatenate([s.owners for s in self.segments])
        alive = ~np.isin(fps, self.dead)
        order = np.argsort(keys[alive], kind="stable")
        owners = owners[~np.isin(owners[:, 0], self.dead)]
        merged = Segment(new_name(), keys[alive][order], fps[alive][order], owners[np.argsort(owners[:, 0])])
        self._persist_segment(merged)
        self.segments, self.dead = [merged], self.dead[:0]

    def _known_count(self) -> int:
        owners = sum(len(s.owners) for s in self.segments)
        return owners - len(self.dead)

    def _forget_all_but(self, live_ids: np.ndarray) -> None:
        known = np.concatenate([s.owners[:, 0] for s in self.segments]) if self.segments else self.dead
        self.dead = np.union1d(self.dead, np.setdiff1d(known, live_ids))
        self.live = self._known_count()

    def _persist_segment(self, segment: Segment) -> None:
        if self.path is not None:
            try:
                segment.save(self.path / segment.name)
            except OSError as exc:
                raise StorageError(f"cannot write the passage index in {self.path}: {exc}") from exc

    def _save(self) -> None:
        """Write the manifest (after the segments it names): readers see the old index or the new."""
        if self._folder is not None:
            fields = {
                "params": self.params,
                "segments": [s.name for s in self.segments],
                "last_id": self.last_id,
                "live": self.live,
            }
            self._manifest = self._folder.write(fields, self.dead)
