"""Passage index: window minima and bag keys of every article → the articles that contain them.

In: stored fingerprints (their `windows`, the minimum shingle hash of every passage window) and the
bag keys of each article's text (`bags`, the order-insensitive channel). Out: for a page's window
minima, or for its bag keys, the candidate articles that share the most of them.

The index is a derived cache of the database, kept in a folder of immutable segments
(index_folder.py: the manifest naming them, the lock, the removal of leftovers):

    <index>/manifest.json        params, segment names, dead file, last fingerprint id, last removal
                                 id, live count
    <index>/<segment>/minima_suffixes.npy, minima_starts.npy, minima_rows.npy   window minima (their
                                 top 32 bits), sorted and cut in buckets by their top 16 bits: the
                                 low 16 bits of each, where each bucket starts, and the `owners` row
                                 of each (segments.py)
    <index>/<segment>/bags_suffixes.npy, bags_starts.npy, bags_rows.npy   the same for the bag keys
    <index>/<segment>/minima_stops.npy, bags_stops.npy   keys a merge dropped as boilerplate
    <index>/<segment>/owners.npy (fingerprint id, article id) pairs, sorted by fingerprint id
    <index>/<segment>/sizes.npy  the number of keys of each row's fingerprint in each channel
    <index>/dead-<name>.npy      fingerprint ids removed since (re-ingested or deleted articles)

Adding articles writes new segments; removing one records its fingerprint id as dead; segments
of about the same size merge, in slices of bounded memory, dropping the postings of keys too
common to be searched (segments.py; the df cut-offs are index params, so changing `max_df` or
`bag_max_df` rebuilds the index). Opening memory-maps the
arrays, so it costs milliseconds whatever the archive's size, and `sync` catches up with the
database by fingerprint id and by removal id (fingerprints are never updated in place, only
inserted, and their removals logged), so another process's ingest is seen too.
Several processes share one folder: a writer holds the folder's lock, first takes up what another
process wrote since (so it never writes the same fingerprints twice, or a manifest that forgets
another's segment), and leaves nothing behind that its manifest does not name.
Storage keeps fingerprints encoded (bytes); `Decoded` gives the index them as arrays, with their
bag keys (stored with them since revision 0013; made from the article's stored text for older
fingerprints, or when the index's bag parameters differ from those they were made with). An index
made with other parameters, or by a version without bags, is rebuilt from the database on opening.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

from compliance.detect.arrays import expand_ranges
from compliance.detect.bags import BAG_PARAMS, text_bag_keys
from compliance.detect.fingerprint import decode
from compliance.detect.index_folder import IndexFolder, Manifest
from compliance.detect.segments import CHANNELS, Postings, Segment, cut_off, due_for_merge, merge, short
from compliance.errors import StorageError
from compliance.records import Article, EncodedFingerprint, Fingerprint, IndexDrift, StoredFingerprint

log = logging.getLogger(__name__)

# How each channel scores an article: the power of a shared key's rarity, and the power of the
# article's own key count its score is divided by (calibrated on pan13-train in archive mode,
# bench/archive_mode.py: a long article sharing many chance keys must not outrank a passage's
# source, nor a short source sharing one rare key; dividing the minima's scores too found 0.01
# more of 03 and of 04).
SCORING = {"minima": (1, 0.5), "bags": (2, 0.5)}
FORMAT = 4  # of the segment files (segments.py): an index written in another is rebuilt on opening
BUILD_BATCH = 50_000  # fingerprints a new segment holds at most, so catching up from scratch stays small


class FingerprintSource(Protocol):
    """What the index reads to catch up: its state (highest fingerprint id, highest removal id),
    the fingerprints added after an id, as arrays, and the removals logged after an id."""

    def fingerprint_state(self) -> tuple[int, int]: ...
    def fingerprints_after(
        self, last_id: int, batch: int = ...
    ) -> Iterable[StoredFingerprint[Fingerprint]]: ...
    def fingerprint_removals_after(self, last_removal: int) -> Sequence[tuple[int, int]]: ...
    def live_fingerprint_ids(self) -> np.ndarray: ...


class EncodedSource(Protocol):
    """What storage (`compliance.store.Store`) gives: fingerprints encoded."""

    def fingerprint_state(self) -> tuple[int, int]: ...
    def fingerprints_after(
        self, last_id: int, batch: int = ...
    ) -> Iterable[StoredFingerprint[EncodedFingerprint]]: ...
    def fingerprint_removals_after(self, last_removal: int) -> Sequence[tuple[int, int]]: ...
    def live_fingerprint_ids(self) -> Sequence[int]: ...
    def get_articles(self, ids: Iterable[int]) -> dict[int, Article]: ...


@dataclass(frozen=True, slots=True)
class Decoded:
    """A FingerprintSource over storage: each fingerprint is decoded as the index reads it.

    With `params` naming the bag parameters (`Settings.index_params()`), each also carries the bag
    keys of its article's text: those stored with it when made with these parameters, else (a
    fingerprint stored before bags were, or with other bag parameters) made from the article's
    text, read back from storage a batch at a time.
    """

    stored: EncodedSource
    params: dict[str, int] | None = None

    def fingerprint_state(self) -> tuple[int, int]:
        return self.stored.fingerprint_state()

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> Iterator[StoredFingerprint[Fingerprint]]:
        pending: list[StoredFingerprint[Fingerprint]] = []
        for item in self.stored.fingerprints_after(last_id, batch):
            pending.append(StoredFingerprint(item.id, item.article_id, decode(item.fingerprint)))
            if len(pending) >= batch:
                yield from self._with_bags(pending)
                pending = []
        yield from self._with_bags(pending)

    def _with_bags(self, items: list[StoredFingerprint[Fingerprint]]) -> list[StoredFingerprint[Fingerprint]]:
        wanted = self._bag_params()
        if wanted is None:
            return items
        missing = [item.article_id for item in items if item.fingerprint.bag_params != wanted]
        articles = self.stored.get_articles(missing) if missing else {}
        made = {i: text_bag_keys(article.body, self.params or {}) for i, article in articles.items()}
        return [
            item
            if item.fingerprint.bag_params == wanted
            # an article deleted since has no text: no keys, and its fingerprint dies next sync
            else replace(
                item, fingerprint=replace(item.fingerprint, bags=made.get(item.article_id, _NO_KEYS))
            )
            for item in items
        ]

    def _bag_params(self) -> dict[str, int] | None:
        """The bag parameters the index is made with; None when it keeps no bags."""
        params = self.params or {}
        if not all(name in params for name in BAG_PARAMS):
            return None
        return {name: params[name] for name in BAG_PARAMS}

    def fingerprint_removals_after(self, last_removal: int) -> Sequence[tuple[int, int]]:
        return self.stored.fingerprint_removals_after(last_removal)

    def live_fingerprint_ids(self) -> np.ndarray:
        return np.asarray(self.stored.live_fingerprint_ids(), dtype=np.int64)


_NO_KEYS = np.zeros(0, dtype=np.uint64)


class Candidate(NamedTuple):
    """An article a query hands on: its id, its score, and how many of the query's keys it shares."""

    article_id: int
    score: float
    shared: int


class PassageIndex:
    """Window minima and bag keys → candidate articles, persisted in `path` (or in memory when None)."""

    def __init__(self, path: Path | None, params: dict[str, int]) -> None:
        self.path = path
        self.params = params
        self.segments: list[Segment] = []
        self.dead = np.zeros(0, dtype=np.int64)
        self.last_id = 0
        self.removed = 0  # the last removal id taken into account
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
        self._reset()
        self._manifest = manifest
        if self._folder is None or manifest is None or not self._readable(manifest):
            return
        try:
            segments = [Segment.load(self._folder.path / name) for name in manifest["segments"]]
            dead = self._folder.load_dead(manifest)
            last_id, live = int(manifest["last_id"]), int(manifest["live"])
            removed = int(manifest.get("removed", 0))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("passage index at %s is unreadable (%s); it will be rebuilt", self.path, exc)
            return
        self.segments, self.dead, self.last_id, self.live = segments, dead, last_id, live
        self.removed = removed

    def _readable(self, manifest: Manifest) -> bool:
        """Made with these params, in this format (a format-1 manifest names none)."""
        return manifest.get("params") == self.params and manifest.get("format", 1) == FORMAT

    def _reset(self) -> None:
        self.segments, self.dead, self.last_id, self.removed, self.live = [], self.dead[:0], 0, 0, 0

    def query(self, windows: np.ndarray, max_df: int, limit: int) -> list[Candidate]:
        """Up to `limit` candidates for a page's window minima, best first.

        The score sums, over the window minima an article shares with the page, the minimum's
        rarity log(1 + N / df): one shared rare phrase outweighs several common ones, which is
        what lets a short excerpt outrank articles that merely share the page's stock phrases.
        The sum is divided by the square root of the article's number of minima, so that a long
        article's chance phrases do not push a short source out of the candidates. A minimum in
        more than `max_df` articles per DF_ARCHIVE of the archive (and never fewer than `max_df`)
        is boilerplate, not evidence: a fixed cut-off hid 2% of the excerpts at 1M articles, where
        a phrase's count grows with the archive.
        """
        return self._ranked(windows, "minima", max_df, limit, min_shared=1)

    def query_bags(
        self, bag_keys: np.ndarray, max_df: int, limit: int, min_shared: int = 1
    ) -> list[Candidate]:
        """As `query`, for a page's bag keys; only articles sharing `min_shared` keys or more.

        A bag key is a pair of words, far more often shared by chance than a phrase: its rarity
        counts squared, and an article's score is divided by the square root of its number of
        keys, so that a long article sharing many chance pairs does not outrank the source of a
        passage (calibrated on pan13-train, bench/archive_mode.py).
        """
        return self._ranked(bag_keys, "bags", max_df, limit, min_shared)

    def _ranked(
        self, queries: np.ndarray, channel: str, max_df: int, limit: int, min_shared: int
    ) -> list[Candidate]:
        queries = np.unique(short(queries))
        postings = [segment.postings(channel) for segment in self.segments]
        spans = [p.lookup(queries) for p in postings]
        df = sum((right - left for left, right in spans), np.zeros(len(queries), dtype=np.int64))
        stopped = np.logical_or.reduce([p.stopped(queries) for p in postings], initial=False)
        searchable = (df > 0) & (df <= cut_off(max_df, self.live)) & ~stopped
        weight = np.log1p(max(self.live, 1) / np.maximum(df[searchable], 1)) ** SCORING[channel][0]
        spans = [(left[searchable], right[searchable]) for left, right in spans]
        best = [
            self._best(segment, found, span, weight, channel, limit, min_shared)
            for segment, found, span in zip(self.segments, postings, spans, strict=True)
        ]
        if not best:
            return []
        ids, totals, shared = (np.concatenate([b[part] for b in best]) for part in range(3))
        order = np.lexsort((ids, -totals))[:limit]
        return [Candidate(int(ids[i]), float(totals[i]), int(shared[i])) for i in order]

    def _best(
        self,
        segment: Segment,
        found: Postings,
        span: tuple[np.ndarray, np.ndarray],
        weight: np.ndarray,
        channel: str,
        limit: int,
        min_shared: int,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One segment's best articles for the keys at postings [left, right) (`span`), each of this
        `weight`: (article ids, scores, keys shared), the `limit` best and any tied with the last.

        Scores are summed per row of the segment (a fingerprint is in one segment, an article has
        one live fingerprint), so only the best rows are looked up in `owners`: gathering the
        owner of every posting took half the query at 1,000,000 articles (bench/RESULTS.md).
        """
        left, right = span
        rows, inverse = np.unique(np.asarray(found.rows[expand_ranges(left, right)]), return_inverse=True)
        shared = np.bincount(inverse)  # a key is held once per fingerprint: the keys shared
        dead = self._dead_rows(segment)
        if len(dead):
            shared[np.isin(rows, dead)] = 0
        kept = shared >= max(min_shared, 1)
        totals = np.bincount(inverse, weights=np.repeat(weight, right - left))[kept]
        rows, shared = rows[kept], shared[kept]
        length_power = SCORING[channel][1]
        if length_power:
            sizes = np.asarray(segment.sizes[rows, CHANNELS.index(channel)])
            totals = totals / np.maximum(sizes, 1) ** length_power
        if len(rows) > limit:
            best = totals >= np.partition(totals, len(totals) - limit)[len(totals) - limit]
            rows, totals, shared = rows[best], totals[best], shared[best]
        return np.asarray(segment.owners[rows, 1], dtype=np.int64), totals, shared

    def _dead_rows(self, segment: Segment) -> np.ndarray:
        """The rows of `segment` whose fingerprints were removed (its owners are sorted by id)."""
        ids = segment.owners[:, 0]
        at = np.searchsorted(ids, self.dead)
        inside = at < len(ids)
        at = at[inside]
        return at[ids[at] == self.dead[inside]]

    def sync(self, source: FingerprintSource) -> bool:
        """Catch up with the database: add new fingerprints, forget removed ones. True if changed."""
        if source.fingerprint_state() == (self.last_id, self.removed):
            return False
        if self._folder is None:
            self._catch_up(source)
            return True
        with self._folder.writing() as stored:
            if stored != self._manifest:  # another process wrote since: start from its index
                self._take(stored)
            if source.fingerprint_state() != (self.last_id, self.removed):
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
        params_match = self._manifest is None or self._readable(self._manifest)
        return IndexDrift(
            folder=str(self.path or ""),
            params_match=params_match,
            indexed=len(pairs),
            stored=len(stored),
            missing=tuple(int(i) for i in missing),
            stale=tuple((int(f), int(a)) for f, a in stale),
        )

    def _reindex(self, source: FingerprintSource, progress: Callable[[int], None] | None) -> None:
        """Every stored fingerprint indexed again, in segments of BUILD_BATCH merged as they come."""
        self._reset()
        _, self.removed = source.fingerprint_state()  # removals before now are not in what is read
        self._catch_up(source, progress)

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

    def _catch_up(self, source: FingerprintSource, progress: Callable[[int], None] | None = None) -> None:
        """Index the fingerprints added since `last_id`, forget those removed, merge what is due."""
        last_id, removed = source.fingerprint_state()
        if last_id < self.last_id or removed < self.removed:  # the database was replaced: start again
            self._reset()
        for batch in _batches(source.fingerprints_after(self.last_id), BUILD_BATCH):
            new = Segment.build(batch, self._max_df())
            self._persist_segment(new)
            self.segments.append(new)
            self.last_id = int(new.owners[:, 0].max())
            self._merge_due()
            if progress is not None:
                progress(len(batch))
        if removed > self.removed:
            gone = source.fingerprint_removals_after(self.removed)
            if gone:
                self._forget(np.array([fingerprint_id for _, fingerprint_id in gone], dtype=np.int64))
                self.removed = max(removal_id for removal_id, _ in gone)
        self.live = self._known_count()

    def _max_df(self) -> dict[str, int] | None:
        """Each channel's df cut-off per DF_ARCHIVE fingerprints, when the params say (merges drop
        the postings of keys over it: a query would never search them)."""
        names = {"minima": "max_df", "bags": "bag_max_df"}
        if not all(name in self.params for name in names.values()):
            return None
        return {channel: int(self.params[name]) for channel, name in names.items()}

    def _merge_due(self) -> None:
        while group := due_for_merge(self.segments):
            self._merge(group)

    def _merge(self, group: list[Segment] | None = None) -> None:
        """The `group` (every segment if None) as one, its removed fingerprints dropped; the old
        folders become leftovers."""
        group = self.segments if group is None else group
        if not group:
            return
        try:
            merged = merge(group, self.dead, self.path, self._max_df())
        except OSError as exc:
            raise StorageError(f"cannot write the passage index in {self.path}: {exc}") from exc
        ours = np.concatenate([s.owners[:, 0] for s in group])
        self.dead = np.setdiff1d(self.dead, ours)
        self.segments = [s for s in self.segments if s not in group] + [merged]

    def _known_count(self) -> int:
        owners = sum(len(s.owners) for s in self.segments)
        return owners - len(self.dead)

    def _forget(self, ids: np.ndarray) -> None:
        """Count these fingerprints as removed: those the index holds (a fingerprint removed before
        the index read it is in no segment)."""
        held = [ids[np.isin(ids, segment.owners[:, 0])] for segment in self.segments]
        self.dead = np.union1d(self.dead, np.concatenate([self.dead[:0], *held]))

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
                "format": FORMAT,
                "segments": [s.name for s in self.segments],
                "last_id": self.last_id,
                "removed": self.removed,
                "live": self.live,
            }
            self._manifest = self._folder.write(fields, self.dead)


def _batches(
    items: Iterable[StoredFingerprint[Fingerprint]], size: int
) -> Iterator[list[StoredFingerprint[Fingerprint]]]:
    batch: list[StoredFingerprint[Fingerprint]] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch
