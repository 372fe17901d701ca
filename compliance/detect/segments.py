"""Index segments: each channel's sorted keys with the article holding each, and how segments merge.

A segment is immutable: built from fingerprints once, saved as .npy files, memory-mapped when read.
It holds two channels of postings, the window minima (`fingerprint.window_minima`) and the bag keys
(`bags`), each a sorted array of keys with, for each key, the row of its fingerprint in `owners`.

Compact by design (6 bytes a posting, where 16 took the 64-bit key and fingerprint id at first):

* a key is the top 32 bits of its 64-bit hash (`short`). Two different hashes agree on them by
  chance for about one query key in 4.3 billion / postings (a twentieth of the page's keys at a
  million articles): a stray posting adds one key's weight to some article, which never outranks
  the shared run of an excerpt, and the aligner sees only text, never keys;
* the keys are cut in BUCKETS by their top 16 bits: a posting stores only the other 16
  (`suffixes`), and `starts` says where each bucket's postings begin (256 KB a channel);
* a posting names the fingerprint's row in `owners` (uint32), not its id, so a query reads the
  article from the row directly.

Merging segments is a k-way merge of their sorted keys done in slices of the key range, written
straight into the output files, so it needs memory for one slice whatever the archive's size.
Building or merging a segment also drops boilerplate: the postings of a key held by more of the
segment's fingerprints than the channel's cut-off for its size (the query's own df cut-off,
`max_df` per DF_ARCHIVE fingerprints, never under `max_df`) would hardly ever be searched, so the
segment keeps the key in its `stops` instead, and a query searches no key that any segment
stopped (were it searched in the others, where it is rarer, it would weigh as a rare key). A
phrase common in one period of the archive is thus boilerplate for the whole of it. On the
synthetic archive of bench/check_bench.py this drops a third of the minima's postings and three
fifths of the bag keys'.
Which segments merge is size-tiered: segments of about the same size (the same power of TIER)
merge once there are TIER of them, so each posting is rewritten about log_TIER(archive / ingest
call) times over the archive's life and an ingest's cost stays flat as the archive grows; when
there are more than MAX_SEGMENTS anyway (many small ingests), the smallest TIER merge.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from compliance.detect.index_folder import new_name
from compliance.records import Fingerprint, StoredFingerprint

DF_ARCHIVE = 100_000  # fingerprints for which a `max_df` is the cut-off; it grows in proportion beyond
TIER = 4  # segments of one size class that merge together
MAX_SEGMENTS = 16  # more than this, and the smallest merge whatever their sizes
SLICE = 1 << 22  # postings of the largest input per merge slice (~100 MB of work arrays)
CHANNELS = ("minima", "bags")
POSTING_ARRAYS = ("suffixes", "starts", "rows", "stops")  # the files of a channel: <channel>_<array>.npy
BUCKET_BITS = 16  # a key's top bits, which choose its bucket; a posting stores the others
BUCKETS = 1 << BUCKET_BITS
_KEY, _SUFFIX, _ROW = np.uint32, np.uint16, np.uint32
_LOW = _KEY(BUCKETS - 1)


def members(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Whether each value is in `sorted_set` (sorted, distinct)."""
    if not len(sorted_set):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return np.asarray(sorted_set[at] == values)


def short(keys: np.ndarray) -> np.ndarray:
    """The index's form of 64-bit keys: their top 32 bits."""
    return (np.asarray(keys, dtype=np.uint64) >> np.uint64(32)).astype(_KEY)


@dataclass(frozen=True, slots=True, eq=False)
class Postings:
    """One channel of a segment: the (short) keys, sorted, cut in buckets by their top bits, with
    the `owners` row of each key's fingerprint; the keys dropped as boilerplate (`stops`, sorted)."""

    suffixes: np.ndarray  # uint16: each key's low bits, sorted within its bucket
    starts: np.ndarray  # uint32 (uint64 past 4G postings), BUCKETS + 1: where each bucket begins
    rows: np.ndarray  # uint32
    stops: np.ndarray  # uint32, sorted

    @property
    def keys(self) -> np.ndarray:
        """Every posting's whole (short) key, sorted."""
        return _keys(self, 0, BUCKETS)

    def lookup(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each (short, sorted) query key, where its run of equal keys starts and ends."""
        bucket = (queries >> _KEY(BUCKET_BITS)).astype(np.intp)
        low, high = (np.asarray(self.starts[at], dtype=np.int64) for at in (bucket, bucket + 1))
        return _bisect(self.suffixes, low, high, (queries & _LOW).astype(_SUFFIX))

    def stopped(self, queries: np.ndarray) -> np.ndarray:
        """Whether each (short) query key is one this segment dropped as boilerplate."""
        return members(queries, self.stops)

    def without_over(self, cut: int) -> Postings:
        """These postings (in memory) without the keys held more than `cut` times, which join the stops."""
        keys = self.keys
        over = _over(keys, cut)
        kept = ~members(keys, over)
        return Postings.of(keys[kept], self.rows[kept], np.union1d(self.stops, over).astype(_KEY))

    @classmethod
    def of(cls, keys: np.ndarray, rows: np.ndarray, stops: np.ndarray) -> Postings:
        """The postings of these sorted (short) keys, held by these rows."""
        starts = np.searchsorted(keys, np.arange(BUCKETS + 1, dtype=np.uint64) << np.uint64(BUCKET_BITS))
        return cls((keys & _LOW).astype(_SUFFIX), starts.astype(_starts_type(len(keys))), rows, stops)

    @classmethod
    def sorted(cls, keys: list[np.ndarray], rows: list[np.ndarray]) -> Postings:
        if not keys:
            return cls.of(np.zeros(0, _KEY), np.zeros(0, _ROW), np.zeros(0, _KEY))
        all_keys = np.concatenate(keys)
        order = np.argsort(all_keys, kind="stable")
        return cls.of(all_keys[order], np.concatenate(rows)[order], np.zeros(0, _KEY))


def _keys(postings: Postings, first: int, end: int) -> np.ndarray:
    """The whole keys of the postings in buckets [first, end), sorted."""
    starts = np.asarray(postings.starts[first : end + 1], dtype=np.int64)
    buckets = np.repeat(np.arange(first, end, dtype=_KEY), np.diff(starts))
    return (buckets << _KEY(BUCKET_BITS)) | postings.suffixes[starts[0] : starts[-1]]


def _bisect(
    suffixes: np.ndarray, low: np.ndarray, high: np.ndarray, values: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`np.searchsorted`'s left and right of each value within its own sorted run
    `suffixes[low:high]`, all values at once: a bisection of vector steps, one per halving of the
    largest bucket (about 12 at a million articles)."""
    n = len(values)
    low, high, values = np.tile(low, 2), np.tile(high, 2), np.tile(values, 2)
    right = np.arange(2 * n) >= n  # the first n look for the left end, the others the right
    while len(open_ := np.flatnonzero(low < high)):
        middle = (low[open_] + high[open_]) >> 1
        held, value = np.asarray(suffixes[middle]), values[open_]
        after = np.where(right[open_], held <= value, held < value)
        low[open_[after]] = middle[after] + 1
        high[open_[~after]] = middle[~after]
    return low[:n], low[n:]


def _starts_type(postings: int) -> type:
    return np.uint32 if postings < 1 << 32 else np.uint64


@dataclass(frozen=True, slots=True, eq=False)
class Segment:
    """Both channels' postings, and each row's fingerprint id, article id and number of keys."""

    name: str
    owners: np.ndarray  # int64 (n, 2): fingerprint id, article id; sorted by fingerprint id
    sizes: np.ndarray  # uint32 (n, 2): the keys of each row's fingerprint in each channel
    minima: Postings
    bags: Postings

    @classmethod
    def build(
        cls, fingerprints: Iterable[StoredFingerprint[Fingerprint]], max_df: dict[str, int] | None = None
    ) -> Segment:
        """A segment of these fingerprints; with `max_df`, without the keys over it (as `merge`)."""
        prints = sorted(fingerprints, key=lambda stored: stored.id)
        if not prints:
            return cls.empty()
        owners = np.array([(p.id, p.article_id) for p in prints], dtype=np.int64).reshape(-1, 2)
        made: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {c: ([], []) for c in CHANNELS}
        for row, stored in enumerate(prints):
            bags = stored.fingerprint.bags
            for channel, values in (("minima", stored.fingerprint.windows), ("bags", bags)):
                keys = np.unique(short(values)) if values is not None else np.zeros(0, _KEY)
                made[channel][0].append(keys)
                made[channel][1].append(np.full(len(keys), row, dtype=_ROW))
        sizes = np.array([[len(k) for k in made[c][0]] for c in CHANNELS], dtype=np.uint32).T.copy()
        postings = [Postings.sorted(*made[c]) for c in CHANNELS]
        if max_df is not None:
            postings = [
                p.without_over(cut_off(max_df[c], len(owners)))
                for p, c in zip(postings, CHANNELS, strict=True)
            ]
        return cls(new_name(), owners, sizes, *postings)

    @classmethod
    def empty(cls) -> Segment:
        none = Postings.sorted([], [])
        return cls("", np.zeros((0, 2), np.int64), np.zeros((0, 2), np.uint32), none, none)

    @classmethod
    def load(cls, folder: Path) -> Segment:
        def part(name: str) -> np.ndarray:
            return np.load(folder / f"{name}.npy", mmap_mode="r")

        postings = [Postings(*(part(f"{c}_{a}") for a in POSTING_ARRAYS)) for c in CHANNELS]
        return cls(folder.name, part("owners"), part("sizes"), *postings)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True)
        for part, array in self.arrays().items():
            np.save(folder / f"{part}.npy", array)

    def arrays(self) -> dict[str, np.ndarray]:
        """Every array of the segment, by the name of its file (`load` reads them back)."""
        postings = {f"{c}_{a}": getattr(self.postings(c), a) for c in CHANNELS for a in POSTING_ARRAYS}
        return {"owners": self.owners, "sizes": self.sizes, **postings}

    def postings(self, channel: str) -> Postings:
        return self.minima if channel == "minima" else self.bags

    @property
    def nbytes(self) -> int:
        """The bytes its arrays take (on disk, less the .npy headers)."""
        return sum(array.nbytes for array in self.arrays().values())

    def __len__(self) -> int:
        """Postings in both channels: what merging the segment costs."""
        return len(self.minima.rows) + len(self.bags.rows)


def due_for_merge(segments: Sequence[Segment]) -> list[Segment]:
    """The segments to merge now (none, or at least two), by the size-tiered rule above."""
    tiers: dict[int, list[Segment]] = {}
    for segment in segments:
        tiers.setdefault(_tier(segment), []).append(segment)
    for tier in sorted(tiers):
        if len(tiers[tier]) >= TIER:
            return tiers[tier]
    if len(segments) > MAX_SEGMENTS:
        return sorted(segments, key=len)[:TIER]
    return []


def merge(
    segments: Sequence[Segment], dead: np.ndarray, folder: Path | None, max_df: dict[str, int] | None = None
) -> Segment:
    """One segment holding every posting of `segments` but those of `dead` fingerprints, and
    those of keys over a channel's `max_df` (per DF_ARCHIVE fingerprints; none dropped without).

    With a `folder`, the new segment is written in a new subfolder of it as it is made.
    """
    owners = np.concatenate([s.owners for s in segments])
    sizes = np.concatenate([s.sizes for s in segments])
    alive = ~np.isin(owners[:, 0], dead)
    order = np.argsort(owners[alive][:, 0], kind="stable")
    owners, sizes = owners[alive][order], sizes[alive][order]
    # Each input row's row in the merged segment, or -1 for a dead fingerprint.
    moves = [
        np.where(np.isin(s.owners[:, 0], dead), -1, np.searchsorted(owners[:, 0], s.owners[:, 0]))
        for s in segments
    ]
    name = new_name()
    if folder is not None:
        (folder / name).mkdir(parents=True)
    cuts = {c: cut_off(m, len(owners)) for c, m in (max_df or {}).items()}
    postings = [_merged(segments, channel, moves, folder, name, cuts.get(channel)) for channel in CHANNELS]
    if folder is not None:
        np.save(folder / name / "owners.npy", owners)
        np.save(folder / name / "sizes.npy", sizes)
        return Segment.load(folder / name)
    return Segment(name, owners, sizes, *postings)


def cut_off(max_df: int, fingerprints: int) -> int:
    """The df over which a key is boilerplate among this many fingerprints (never under max_df)."""
    return max(max_df, max_df * fingerprints // DF_ARCHIVE)


def _merged(
    segments: Sequence[Segment],
    channel: str,
    moves: list[np.ndarray],
    folder: Path | None,
    name: str,
    cut: int | None,
) -> Postings:
    """One channel of the merged segment, slice by slice of its buckets (a key's postings all lie
    in one bucket); the keys over `cut`, and those any input stopped, go to its stops."""
    inputs = [s.postings(channel) for s in segments]
    stopped = np.unique(np.concatenate([np.asarray(p.stops) for p in inputs]))
    total = sum(_alive(p, move) for p, move in zip(inputs, moves, strict=True))  # at most
    suffixes, rows = _output(folder, name, channel, total)
    starts: np.ndarray = np.zeros(BUCKETS + 1, _starts_type(total))
    new_stops = [stopped]
    at = 0
    for first, end in _slices(inputs):
        part_keys = np.concatenate([_keys(p, first, end) for p in inputs])
        part_rows = np.concatenate(
            [
                move[p.rows[int(p.starts[first]) : int(p.starts[end])]]
                for p, move in zip(inputs, moves, strict=True)
            ]
        )
        kept = part_rows >= 0
        part_keys, part_rows = part_keys[kept], part_rows[kept]
        order = np.argsort(part_keys, kind="stable")
        part_keys, part_rows = part_keys[order], part_rows[order]
        drop = stopped
        if cut is not None:
            over = _over(part_keys, cut)
            new_stops.append(over)
            drop = np.union1d(stopped, over)
        if len(drop):
            searched = ~members(part_keys, drop)
            part_keys, part_rows = part_keys[searched], part_rows[searched]
        suffixes[at : at + len(part_keys)] = part_keys & _LOW
        rows[at : at + len(part_keys)] = part_rows
        bucket_firsts = np.arange(first, end, dtype=np.uint64) << np.uint64(BUCKET_BITS)
        starts[first:end] = at + np.searchsorted(part_keys, bucket_firsts)
        at += len(part_keys)
    starts[BUCKETS] = at
    stops = np.unique(np.concatenate(new_stops)).astype(_KEY)
    if folder is None:
        return Postings(suffixes[:at], starts, rows[:at], stops)
    np.save(folder / name / f"{channel}_starts.npy", starts)
    np.save(folder / name / f"{channel}_stops.npy", stops)
    return Postings(_shrunk(suffixes, at), starts, _shrunk(rows, at), stops)


def _over(keys: np.ndarray, cut: int) -> np.ndarray:
    """The distinct keys held more than `cut` times in sorted `keys`."""
    if not len(keys):
        return keys[:0]
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
    counts = np.diff(np.append(starts, len(keys)))
    return np.asarray(keys[starts[counts > cut]])


def _output(folder: Path | None, name: str, channel: str, total: int) -> tuple[np.ndarray, np.ndarray]:
    """The merged channel's suffixes and rows, room for `total` postings (in memory, or files)."""
    if folder is None:
        return np.empty(total, _SUFFIX), np.empty(total, _ROW)

    def file(array: str, dtype: type) -> np.ndarray:
        return np.lib.format.open_memmap(folder / name / f"{channel}_{array}.npy", "w+", dtype, (total,))

    return file("suffixes", _SUFFIX), file("rows", _ROW)


def _shrunk(array: np.ndarray, length: int) -> np.ndarray:
    """The first `length` values of a file-backed array, its file cut to them (copied slice by slice)."""
    assert isinstance(array, np.memmap) and array.filename is not None
    path = Path(array.filename)
    if length == len(array):
        array.flush()
        return array
    smaller = np.lib.format.open_memmap(path.with_suffix(".tmp.npy"), "w+", array.dtype, (length,))
    for start in range(0, length, SLICE):
        smaller[start : start + SLICE] = array[start : min(start + SLICE, length)]
    smaller.flush()
    del smaller, array
    path.with_suffix(".tmp.npy").replace(path)
    return np.load(path, mmap_mode="r")


def _tier(segment: Segment) -> int:
    return int(math.log(max(len(segment), 1), TIER))


def _alive(postings: Postings, move: np.ndarray) -> int:
    """How many of these postings belong to live fingerprints (`move` is -1 for dead rows)."""
    if (move >= 0).all():
        return len(postings.rows)
    gone = 0
    for start in range(0, len(postings.rows), SLICE):
        gone += int((move[postings.rows[start : start + SLICE]] < 0).sum())
    return len(postings.rows) - gone


def _slices(inputs: Sequence[Postings]) -> list[tuple[int, int]]:
    """Bucket ranges [first, end) cutting the largest input in runs of about SLICE postings."""
    largest = max(inputs, key=lambda p: len(p.rows))
    cuts = np.searchsorted(largest.starts, np.arange(SLICE, len(largest.rows), SLICE), "right") - 1
    bounds = sorted({int(c) for c in cuts} - {0})
    return list(zip([0, *bounds], [*bounds, BUCKETS], strict=True))
