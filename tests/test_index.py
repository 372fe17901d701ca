from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import numpy as np
import pytest

from compliance.detect import segments
from compliance.detect.fingerprint import fingerprint
from compliance.detect.index import PassageIndex
from compliance.detect.index_folder import IndexFolder
from compliance.detect.segments import MAX_SEGMENTS
from compliance.records import StoredFingerprint
from compliance.settings import Settings

SETTINGS = Settings()
PARAMS = SETTINGS.fingerprint_params()


class FakeStore:
    """Fingerprints in a dict, with ids that are never reused, like the fingerprints table."""

    def __init__(self) -> None:
        self.rows: dict[int, StoredFingerprint] = {}
        self.removals: list[int] = []  # fingerprint ids; a removal's id is its position + 1
        self.next_id = 1

    def put(self, article_id: int, text: str) -> None:
        self.delete(article_id)
        self.rows[self.next_id] = StoredFingerprint(self.next_id, article_id, fingerprint(text, SETTINGS))
        self.next_id += 1

    def delete(self, article_id: int) -> None:
        for fid, row in list(self.rows.items()):
            if row.article_id == article_id:
                del self.rows[fid]
                self.removals.append(fid)

    def fingerprint_state(self) -> tuple[int, int]:
        return max(self.rows, default=0), len(self.removals)

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> list[StoredFingerprint]:
        return [row for fid, row in sorted(self.rows.items()) if fid > last_id]

    def fingerprint_removals_after(self, last_removal: int) -> list[tuple[int, int]]:
        return [(n + 1, fid) for n, fid in enumerate(self.removals) if n + 1 > last_removal]

    def live_fingerprint_ids(self) -> np.ndarray:
        return np.array(sorted(self.rows), dtype=np.int64)


def text(n: int) -> str:
    return " ".join(f"article{n} mot{n}x{i}" for i in range(80))


def query(index: PassageIndex, page: str) -> list[int]:
    return [c.article_id for c in index.query(fingerprint(page, SETTINGS).windows, max_df=50, limit=10)]


def names_in(folder: Path) -> set[str]:
    return {entry.name for entry in folder.iterdir()}


def named_by(index: PassageIndex) -> set[str]:
    """What the folder of `index` should hold: its manifest, its lock, and what the manifest names."""
    assert index.path is not None
    manifest = json.loads((index.path / "manifest.json").read_text())
    assert manifest["segments"] == [segment.name for segment in index.segments]
    return {
        "manifest.json",
        "lock",
        *manifest["segments"],
        *([manifest["dead"]] if manifest.get("dead") else []),
    }


def test_finds_the_article_an_excerpt_comes_from() -> None:
    store, index = FakeStore(), PassageIndex(None, PARAMS)
    for n in range(1, 6):
        store.put(n, text(n))
    index.sync(store)
    excerpt = " ".join(text(3).split()[40:60])
    assert query(index, "bla " * 50 + excerpt + " fin" * 30) == [3]


def test_reingest_replaces_and_delete_removes(tmp_path: Path) -> None:
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", PARAMS)
    store.put(1, text(1))
    store.put(2, text(2))
    index.sync(store)
    store.put(1, text(9))  # article 1 now says something else
    store.delete(2)
    assert index.sync(store)
    assert query(index, text(1)) == [] and query(index, text(2)) == []
    assert query(index, text(9)) == [1]
    assert not index.sync(store), "nothing changed since"


def test_survives_a_restart_without_rebuilding(tmp_path: Path) -> None:
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", PARAMS)
    for n in range(1, 4):
        store.put(n, text(n))
    index.sync(store)
    store.delete(2)
    index.sync(store)
    reopened = PassageIndex.open(tmp_path / "ix", PARAMS)
    assert (reopened.last_id, reopened.live) == (index.last_id, index.live)
    assert not reopened.sync(store)
    assert query(reopened, text(3)) == [3] and query(reopened, text(2)) == []


def test_other_parameters_start_an_empty_index(tmp_path: Path) -> None:
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", PARAMS)
    store.put(1, text(1))
    index.sync(store)
    other = PassageIndex.open(tmp_path / "ix", {**PARAMS, "seed": 99})
    assert other.segments == [] and other.last_id == 0


def test_many_segments_are_merged_with_the_same_answers(tmp_path: Path) -> None:
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", PARAMS)
    for n in range(1, MAX_SEGMENTS + 3):
        store.put(n, text(n))
        if n % 3 == 0:
            store.put(n - 1, text(100 + n))
        index.sync(store)
    assert len(index.segments) <= MAX_SEGMENTS
    expected = {row.article_id for row in store.rows.values()}
    found = {a for n in range(1, MAX_SEGMENTS + 3) for a in query(index, text(n))}
    found |= {a for n in range(1, MAX_SEGMENTS + 3) for a in query(index, text(100 + n))}
    assert found == expected
    assert names_in(tmp_path / "ix") == named_by(index)


def test_common_minima_are_not_searched() -> None:
    store, index = FakeStore(), PassageIndex(None, PARAMS)
    boilerplate = " ".join(f"commun{i}" for i in range(30))
    for n in range(1, 8):
        store.put(n, text(n) + " " + boilerplate)
    index.sync(store)
    assert index.query(fingerprint(boilerplate, SETTINGS).windows, max_df=5, limit=10) == []
    assert len(index.query(fingerprint(boilerplate, SETTINGS).windows, max_df=50, limit=10)) == 7


def test_a_rare_shared_passage_outranks_many_shared_stock_phrases() -> None:
    store, index = FakeStore(), PassageIndex(None, PARAMS)
    stock = " ".join(f"formule{i}" for i in range(40))  # in 30 articles, so common
    for n in range(1, 31):
        store.put(n, text(n) + " " + stock)
    store.put(99, text(99))
    index.sync(store)
    rare = " ".join(text(99).split()[60:80])
    [best, *others] = index.query(fingerprint(stock + " " + rare, SETTINGS).windows, 50, 40)
    assert best.article_id == 99 and len(others) == 30


# --- leftovers: nothing stays in the folder that the manifest does not name ------------------------


def leftovers(folder: Path) -> list[str]:
    """What a writer killed before its manifest, or an older version, may have left behind."""
    segment = folder / "0123456789ab"
    segment.mkdir()
    for part in ("keys", "fps", "owners"):
        np.save(segment / f"{part}.npy", np.zeros(3, dtype=np.int64))
    (folder / "fedcba987654").mkdir()  # killed before its first array
    (folder / "manifest.json.tmp").write_text("{")
    np.save(folder / "dead-00000000abcd.npy", np.array([7], dtype=np.int64))
    return ["0123456789ab", "fedcba987654", "manifest.json.tmp", "dead-00000000abcd.npy"]


def test_leftovers_of_a_killed_writer_are_removed_on_opening(tmp_path: Path) -> None:
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", PARAMS)
    for n in range(1, 4):
        store.put(n, text(n))
    index.sync(store)
    left = leftovers(tmp_path / "ix")
    (tmp_path / "ix" / "notes.txt").write_text("not ours: kept")
    (tmp_path / "ix" / "abcdefabcdef").mkdir()
    (tmp_path / "ix" / "abcdefabcdef" / "photo.jpg").write_bytes(b"not ours either")
    assert set(left) <= names_in(tmp_path / "ix")
    reopened = PassageIndex.open(tmp_path / "ix", PARAMS)
    assert names_in(tmp_path / "ix") == named_by(reopened) | {"notes.txt", "abcdefabcdef"}
    assert query(reopened, text(2)) == [2] and not reopened.sync(store)


def test_leftovers_are_removed_when_syncing(tmp_path: Path) -> None:
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", PARAMS)
    store.put(1, text(1))
    index.sync(store)
    leftovers(tmp_path / "ix")
    store.put(2, text(2))
    assert index.sync(store)
    assert names_in(tmp_path / "ix") == named_by(index)
    assert query(index, text(1)) == [1] and query(index, text(2)) == [2]


def test_a_segment_being_written_is_never_removed(tmp_path: Path) -> None:
    """Another process holds the lock while it writes a segment its manifest does not name yet."""
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", PARAMS)
    store.put(1, text(1))
    index.sync(store)
    with IndexFolder(tmp_path / "ix").writing():
        (tmp_path / "ix" / "0123456789ab").mkdir()  # being written, by the lock holder
        IndexFolder(tmp_path / "ix").tidy()  # what opening does after reading: never waits
        assert "0123456789ab" in names_in(tmp_path / "ix")
    IndexFolder(tmp_path / "ix").tidy()
    assert "0123456789ab" not in names_in(tmp_path / "ix")
    assert query(PassageIndex.open(tmp_path / "ix", PARAMS), text(1)) == [1]


def test_a_writer_takes_up_what_another_process_wrote(tmp_path: Path) -> None:
    """Two processes opened the index before either synced: the second reuses the first's segment."""
    store = FakeStore()
    first, second = PassageIndex.open(tmp_path / "ix", PARAMS), PassageIndex.open(tmp_path / "ix", PARAMS)
    for n in range(1, 4):
        store.put(n, text(n))
    assert first.sync(store) and second.sync(store)
    assert [s.name for s in second.segments] == [s.name for s in first.segments]
    store.delete(2)
    store.put(4, text(4))
    assert first.sync(store) and second.sync(store)
    assert names_in(tmp_path / "ix") == named_by(second)
    assert query(second, text(2)) == [] and query(second, text(4)) == [4]


def _sync_steps(path: Path, steps: int, start: multiprocessing.synchronize.Barrier) -> None:
    """One process of the concurrency test: the same articles arrive, and it syncs after each."""
    store, index = FakeStore(), PassageIndex.open(path, PARAMS)
    start.wait()
    for n in range(1, steps + 1):
        store.put(n, text(n))
        if n % 4 == 0:
            store.put(n - 2, text(100 + n))
        index.sync(store)


def test_concurrent_syncs_leave_no_leftovers(tmp_path: Path) -> None:
    steps, processes = 12, 3
    context = multiprocessing.get_context("spawn")  # no fork of a process running threads
    start = context.Barrier(processes)
    workers = [
        context.Process(target=_sync_steps, args=(tmp_path / "ix", steps, start)) for _ in range(processes)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * processes
    store = FakeStore()
    for n in range(1, steps + 1):
        store.put(n, text(n))
        if n % 4 == 0:
            store.put(n - 2, text(100 + n))
    index = PassageIndex.open(tmp_path / "ix", PARAMS)
    assert names_in(tmp_path / "ix") == named_by(index)
    assert not index.sync(store), "the last writer left the index caught up"
    expected = {row.article_id for row in store.rows.values()}
    pages = [row.fingerprint for row in store.rows.values()]
    found = {c.article_id for page in pages for c in index.query(page.windows, max_df=50, limit=10)}
    assert found == expected


def test_a_merge_in_small_slices_equals_one_sort(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The k-way merge, cut in slices of a few entries, gives what sorting everything at once gives."""
    monkeypatch.setattr(segments, "SLICE", 7)
    rng = np.random.default_rng(3)
    parts = []
    for first in (1, 40, 80):
        prints = [
            StoredFingerprint(i, 1000 + i, fingerprint(text(i), SETTINGS, with_bags=True))
            for i in range(first, first + int(rng.integers(3, 30)))
        ]
        parts.append(segments.Segment.build(prints))
    dead = np.array([2, 41, 42, 81], dtype=np.int64)
    merged = segments.merge(parts, dead, tmp_path)
    for channel in segments.CHANNELS:
        postings = [
            (int(key), int(part.owners[row, 0]))
            for part in parts
            for key, row in zip(part.postings(channel).keys, part.postings(channel).rows, strict=True)
            if part.owners[row, 0] not in dead
        ]
        got = merged.postings(channel)
        assert np.all(np.diff(got.keys.astype(np.int64)) >= 0)
        assert sorted(zip(got.keys.tolist(), merged.owners[got.rows, 0].tolist(), strict=True)) == sorted(
            postings
        )
    assert not np.isin(merged.owners[:, 0], dead).any() and np.all(np.diff(merged.owners[:, 0]) > 0)
    reloaded = segments.Segment.load(tmp_path / merged.name)
    assert np.array_equal(reloaded.minima.keys, merged.minima.keys)
    assert np.array_equal(reloaded.sizes, merged.sizes)


def test_a_lookup_in_buckets_finds_what_a_search_of_the_whole_keys_finds() -> None:
    """Postings keep 16 bits of each key and where its bucket starts: every run of equal keys is
    found as a binary search of the whole sorted keys finds it, at the edges of buckets and of the
    key range too, and for keys held by no posting."""
    rng = np.random.default_rng(5)
    crowded = rng.integers(0, 1 << 16, 2000, dtype=np.uint64) | (np.uint64(7) << np.uint64(16))
    edges = np.array([0, 1, 0xFFFF, 0x10000, 0xFFFF0000, 0xFFFFFFFF, 0xFFFFFFFF], dtype=np.uint64)
    spread = rng.integers(0, 1 << 32, 3000, dtype=np.uint64)
    keys = np.sort(np.concatenate([crowded, crowded[:500], edges, spread]).astype(np.uint32))
    postings = segments.Postings.of(keys, np.arange(len(keys), dtype=np.uint32), np.zeros(0, np.uint32))
    assert postings.suffixes.dtype == np.uint16 and np.array_equal(postings.keys, keys)
    absent = rng.integers(0, 1 << 32, 500, dtype=np.uint64).astype(np.uint32)
    queries = np.unique(np.concatenate([keys[::3], absent, edges.astype(np.uint32), [2, 0xFFFFFFFE]]))
    left, right = postings.lookup(queries)
    assert np.array_equal(left, np.searchsorted(keys, queries, "left"))
    assert np.array_equal(right, np.searchsorted(keys, queries, "right"))


def test_segments_of_one_size_merge_by_four() -> None:
    def of_size(n: int) -> segments.Segment:
        postings = segments.Postings.of(
            np.zeros(n, np.uint32), np.zeros(n, np.uint32), np.zeros(0, np.uint32)
        )
        return segments.Segment(
            str(n), np.zeros((0, 2), np.int64), np.zeros(0, np.uint32), postings, postings
        )

    big, small = [of_size(5000) for _ in range(3)], [of_size(100) for _ in range(3)]
    assert segments.due_for_merge(big + small) == []
    fourth = of_size(120)
    assert segments.due_for_merge([*big, *small, fourth]) == [*small, fourth]
    many = [of_size(4**k) for k in range(1, 7) for _ in range(3)]  # 18, no size class of four
    assert segments.due_for_merge(many) == many[: segments.TIER]


def test_the_folder_knows_every_file_a_segment_writes() -> None:
    """index_folder spells the segment files out (segments.py imports it): they must not drift apart."""
    from compliance.detect.index_folder import SEGMENT_FILES

    assert {f"{part}.npy" for part in segments.Segment.empty().arrays()} <= SEGMENT_FILES


def _segments_sharing(boilerplate: str, groups: list[range]) -> list[segments.Segment]:
    """One segment per group of articles, each article its own text plus `boilerplate`."""
    return [
        segments.Segment.build(
            StoredFingerprint(n, n, fingerprint(text(n) + " " + boilerplate, SETTINGS, with_bags=True))
            for n in group
        )
        for group in groups
    ]


@pytest.mark.parametrize("on_disk", [False, True])
def test_a_merge_stops_the_keys_over_the_cut_off_and_drops_their_postings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, on_disk: bool
) -> None:
    monkeypatch.setattr(segments, "SLICE", 7)  # a key's postings must stay whole within a slice
    boilerplate = " ".join(f"commun{i}" for i in range(30))
    parts = _segments_sharing(boilerplate, [range(1, 5), range(5, 9)])
    common = np.unique(segments.short(fingerprint(boilerplate, SETTINGS).windows))
    kept = segments.merge(parts, np.zeros(0, np.int64), None)
    pruned = segments.merge(
        parts, np.zeros(0, np.int64), tmp_path if on_disk else None, {"minima": 5, "bags": 5}
    )
    held = set(kept.minima.keys.tolist())
    stops = pruned.minima.stops.tolist()
    assert (
        stops
        and set(stops) <= set(common.tolist())
        and all((kept.minima.keys == s).sum() == 8 for s in stops)
    )
    assert not np.isin(pruned.minima.keys, pruned.minima.stops).any()
    assert set(pruned.minima.keys.tolist()) == held - set(stops)  # every other posting is kept
    assert len(pruned.minima.keys) == len(kept.minima.keys) - 8 * len(stops)
    assert np.array_equal(pruned.sizes, kept.sizes)  # an article's key count is its own
    if on_disk:
        reloaded = segments.Segment.load(tmp_path / pruned.name)
        assert np.array_equal(reloaded.minima.stops, pruned.minima.stops)
        assert np.array_equal(reloaded.minima.keys, pruned.minima.keys)
        assert {p.name for p in (tmp_path / pruned.name).iterdir()} == {
            f"{part}.npy" for part in pruned.arrays()
        }


def test_a_key_one_segment_stopped_is_searched_in_none(tmp_path: Path) -> None:
    """Boilerplate stopped by the merge of old segments is not searched through the new segment
    that still holds it, where it would look rare."""
    boilerplate = " ".join(f"commun{i}" for i in range(30))
    params = SETTINGS.index_params() | {"max_df": 5}
    store, index = FakeStore(), PassageIndex(tmp_path / "ix", params)
    for n in range(1, 9):
        store.put(n, text(n) + " " + boilerplate)
    index.sync(store)
    index.compact()  # one segment: the boilerplate's keys (in 8 > 5 articles) are stopped
    store.put(9, text(9) + " " + boilerplate)
    index.sync(store)  # a new segment of one article holds them
    page = fingerprint(boilerplate, SETTINGS).windows
    assert len(index.segments) == 2 and index.query(page, max_df=50, limit=10) == []
    assert query(index, text(9)) == [9] and query(index, text(3)) == [3]  # rare keys still found


def test_a_new_segment_stops_the_keys_over_the_cut_off_too() -> None:
    boilerplate = " ".join(f"commun{i}" for i in range(30))
    [whole] = _segments_sharing(boilerplate, [range(1, 9)])
    prints = [
        StoredFingerprint(n, n, fingerprint(text(n) + " " + boilerplate, SETTINGS, with_bags=True))
        for n in range(1, 9)
    ]
    built = segments.Segment.build(prints, {"minima": 5, "bags": 5})
    common = set(np.unique(segments.short(fingerprint(boilerplate, SETTINGS).windows)).tolist())
    assert built.minima.stops.tolist() and set(built.minima.stops.tolist()) <= common
    assert len(built.minima.keys) == len(whole.minima.keys) - 8 * len(built.minima.stops)
    assert segments.Segment.build(prints, {"minima": 8, "bags": 8}).minima.stops.tolist() == []


def test_the_ranking_across_segments_and_removals_is_the_documented_score() -> None:
    """Rarity log(1 + N / df) summed over the shared keys, over the square root of the article's
    key count; removed fingerprints left out (their postings count in df until a merge drops them);
    ties by article id, also at the cut."""
    store, index = FakeStore(), PassageIndex(None, PARAMS)
    stock = [f"formule{i}" for i in range(60)]
    rng = np.random.default_rng(3)

    def run() -> str:  # a run of the stock phrases
        start = int(rng.integers(0, 40))
        return " ".join(stock[start : start + int(rng.integers(12, 20))])

    same = run()  # articles 20–24 say the same: the same score
    for n in range(1, 25):
        store.put(n, same if n >= 20 else run() + " " + text(n))
        if n % 4 == 0:
            index.sync(store)  # several segments
    indexed = list(store.rows.values())
    store.put(5, text(55))
    store.delete(6)
    index.sync(store)
    indexed.append(store.rows[store.next_id - 1])
    assert len(index.segments) > 1 and len(index.dead) == 2  # not merged away
    windows = fingerprint(" ".join(stock), SETTINGS).windows
    keys = np.unique(segments.short(windows))
    held = {r.article_id: np.unique(segments.short(r.fingerprint.windows)) for r in store.rows.values()}
    df = {k: sum(k in segments.short(r.fingerprint.windows) for r in indexed) for k in keys}
    scored = {
        a: sum(np.log1p(len(held) / df[k]) for k in np.intersect1d(v, keys)) / np.sqrt(len(v))
        for a, v in held.items()
        if len(np.intersect1d(v, keys))
    }
    expected = sorted(scored, key=lambda a: (-scored[a], a))
    cut = expected.index(21)  # the cut falls among the tied articles 20–24
    found = index.query(windows, max_df=10**6, limit=cut)
    assert [c.article_id for c in found] == expected[:cut]
    assert [c.score for c in found] == pytest.approx([scored[a] for a in expected[:cut]])
    assert 6 not in scored and all(c.article_id != 6 for c in index.query(windows, 10**6, 100))
