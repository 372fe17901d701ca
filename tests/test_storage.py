"""Tests of compliance.store on SQLite and, when COMPLIANCE_TEST_POSTGRES_URL is set, PostgreSQL."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from compliance.detect.fingerprint import decode, encode
from compliance.errors import InputError, StorageError
from compliance.records import Article, ArticleInput, Capture, EncodedFingerprint, Fingerprint
from compliance.settings import Settings
from compliance.store import Store
from compliance.store.articles import content_hash
from compliance.store.tables import Base

PARAMS = {"num_perm": 64, "seed": 1, "shingle_size": 3, "window": 24, "normalization": 2}
PARIS = timezone(timedelta(hours=2))


def make_fingerprint(random: int = 0, n_windows: int = 30, **params: int) -> Fingerprint:
    """A fingerprint made from seed `random`: a uint32 signature and `n_windows` sorted, distinct
    uint64 window minima, both drawn over their type's whole range."""
    params = {**PARAMS, **params}
    rng = np.random.default_rng(random)
    high = np.iinfo(np.uint32).max
    signature = rng.integers(0, high, size=params["num_perm"], dtype=np.uint32, endpoint=True)
    minima = rng.integers(0, np.iinfo(np.uint64).max, size=n_windows, dtype=np.uint64, endpoint=True)
    windows = np.unique(minima)
    assert len(windows) == n_windows  # 64-bit draws: a collision would need astronomical luck
    return Fingerprint(params=params, signature=signature, windows=windows)


def make_encoded(random: int = 0, n_windows: int = 30, **params: int) -> EncodedFingerprint:
    """`make_fingerprint`'s fingerprint in the form the store takes."""
    return encode(make_fingerprint(random, n_windows, **params))


def make_article(n: int = 0, **changes: object) -> ArticleInput:
    article = ArticleInput(
        url=f"https://journal.example/a/{n}",
        body=f"Corps de l’article {n}.\n\nDeuxième paragraphe.",
        title=f"Titre {n}",
        published_at=datetime(2024, 5, 1, 8, 30, tzinfo=PARIS),
        author="Rédaction",
        section="Monde",
        language="fr",
        rights_notice="© Journal. Tous droits réservés.",
        paywalled=True,
    )
    return replace(article, **changes)  # type: ignore[arg-type]


def make_capture(**changes: object) -> Capture:
    capture = Capture(
        sha256="ab" * 32,
        warc_path="2024/05/01/capture.warc.gz",
        kind="url",
        requested_url="http://copy.example/x",
        final_url="https://copy.example/x",
        redirects=("http://copy.example/x", "https://copy.example/x"),
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8", "Server": "nginx"},
        server_ip="127.0.0.1",
        fetched_at=datetime(2024, 5, 2, 10, 0, 1, 123456, tzinfo=PARIS),
        tool_version="compliance/0.1.0",
        content_type="text/html",
        text="Texte copié\u00a0: « citation ».",
        metadata={"title": "Copie", "links": ["https://journal.example/a/1"], "n": 3, "ok": None},
    )
    return replace(capture, **changes)  # type: ignore[arg-type]


def assert_same_fingerprint(stored: EncodedFingerprint, want: Fingerprint) -> None:
    got = decode(stored)
    assert got.params == want.params
    assert got.signature.dtype == np.uint32 and got.windows.dtype == np.uint64
    np.testing.assert_array_equal(got.signature, want.signature)
    want_windows = np.asarray(want.windows)
    assert got.windows.shape == want_windows.shape == (len(want_windows),)
    assert got.windows.tolist() == want_windows.tolist()  # Python ints: exact, no float detour


# --- Databases ----------------------------------------------------------------------------------


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store(Settings(database_url=database_url)) as opened:
        yield opened


# --- Articles -----------------------------------------------------------------------------------


def test_statuses_ingested_unchanged_updated_keep_the_article_id(store: Store) -> None:
    first = store.upsert_articles([(make_article(1), make_encoded(1)), (make_article(2), make_encoded(2))])
    assert [status for _, status in first] == ["ingested", "ingested"]
    ids = [article.id for article, _ in first]
    assert len(set(ids)) == 2

    again = store.upsert_articles(
        [
            (make_article(1), make_encoded(1)),
            (make_article(2, title="Nouveau titre"), make_encoded(3)),
        ]
    )
    assert [(a.id, status) for a, status in again] == [(ids[0], "unchanged"), (ids[1], "updated")]
    assert store.get_article(ids[1]) == again[1][0]
    assert store.get_article(ids[1]).title == "Nouveau titre"  # type: ignore[union-attr]
    assert store.count_articles() == 2


def test_returned_article_matches_stored_one(store: Store) -> None:
    [(article, status)] = store.upsert_articles([(make_article(1), make_encoded())])
    assert status == "ingested"
    assert store.get_article(article.id) == article
    assert store.article_by_url(make_article(1).url) == article
    assert article.published_at == make_article(1).published_at
    assert article.published_at is not None and article.published_at.utcoffset() == timedelta(0)


def test_unchanged_does_not_call_the_fingerprint_callable(store: Store) -> None:
    settings_params = Settings().fingerprint_params()
    calls: list[int] = []

    def fingerprint() -> EncodedFingerprint:
        calls.append(1)
        return make_encoded(**settings_params)

    assert store.upsert_articles([(make_article(1), fingerprint)])[0][1] == "ingested"
    assert store.upsert_articles([(make_article(1), fingerprint)])[0][1] == "unchanged"
    assert calls == [1]


def test_same_content_with_other_fingerprint_params_is_updated(store: Store) -> None:
    [(article, _)] = store.upsert_articles([(make_article(1), make_encoded(num_perm=64))])
    [(again, status)] = store.upsert_articles([(make_article(1), make_encoded(num_perm=128))])
    assert (again.id, status) == (article.id, "updated")
    [stored] = list(store.fingerprints_after(0))
    assert stored.fingerprint.params["num_perm"] == 128
    assert decode(stored.fingerprint).windows.shape == (30,)


def test_later_item_with_the_same_url_wins(store: Store) -> None:
    results = store.upsert_articles(
        [
            (make_article(1, title="old"), make_encoded(1)),
            (make_article(2), make_encoded(2)),
            (make_article(1, title="new"), make_encoded(3)),
        ]
    )
    assert [(a.url, a.title, status) for a, status in results] == [
        (make_article(2).url, "Titre 2", "ingested"),
        (make_article(1).url, "new", "ingested"),
    ]
    assert store.count_articles() == 2
    stored = {s.article_id: s.fingerprint for s in store.fingerprints_after(0)}
    assert_same_fingerprint(stored[results[1][0].id], make_fingerprint(3))


@pytest.mark.parametrize(
    "body",
    [
        "Ligne un\r\nLigne deux\r\n",
        "espace\u00a0insécable et fine\u202fespace ; « guillemets »",
        "espaces en fin   \n\n   et en début\t\n",
        "مرحبا بالعالم، هذا نص عربي مع تشكيل: كِتَابٌ — وأرقام ٣٤٥",
        "\ufeffBOM, zéro\u200blargeur, trait\u00adconditionnel, œuvre\n",
    ],
)
def test_body_is_kept_byte_for_byte(store: Store, body: str) -> None:
    [(article, _)] = store.upsert_articles([(make_article(1, body=body), make_encoded())])
    stored = store.get_article(article.id)
    assert stored is not None
    assert stored.body.encode("utf-8") == body.encode("utf-8")


def test_naive_datetime_is_refused(store: Store) -> None:
    naive = make_article(1, published_at=datetime(2024, 5, 1, 8, 30))
    with pytest.raises(StorageError, match="timezone-aware"):
        store.upsert_articles([(naive, make_encoded())])
    assert store.count_articles() == 0


def test_get_articles_iter_and_count(store: Store) -> None:
    items = [(make_article(n), make_encoded(n, n_windows=2)) for n in range(7)]
    ids = [a.id for a, _ in store.upsert_articles(items)]
    assert store.count_articles() == 7
    assert [a.id for a in store.iter_articles(batch=3)] == sorted(ids)
    got = store.get_articles([ids[0], ids[3], 999_999])
    assert set(got) == {ids[0], ids[3]} and got[ids[3]].url == make_article(3).url
    assert store.get_article(999_999) is None
    assert store.article_by_url("https://nowhere.example/") is None


def test_delete_cascades_to_the_fingerprint(store: Store) -> None:
    results = store.upsert_articles([(make_article(1), make_encoded(1)), (make_article(2), make_encoded(2))])
    kept = results[1][0]
    assert store.delete_article(make_article(1).url) is True
    assert store.delete_article(make_article(1).url) is False
    assert store.article_by_url(make_article(1).url) is None
    assert [s.article_id for s in store.fingerprints_after(0)] == [kept.id]
    [(removal, gone)] = store.fingerprint_removals_after(0)
    assert store.fingerprint_state() == (max(store.live_fingerprint_ids()), removal)
    assert gone not in store.live_fingerprint_ids()


def test_content_hash_tells_content_apart() -> None:
    article = make_article(1)
    assert content_hash(article) == content_hash(make_article(1))
    assert len(content_hash(article)) == 64
    assert content_hash(article) != content_hash(make_article(1, body=article.body + " "))
    assert content_hash(article) != content_hash(make_article(1, paywalled=False))
    same_instant = article.published_at.astimezone(UTC)  # type: ignore[union-attr]
    assert content_hash(article) == content_hash(make_article(1, published_at=same_instant))


# --- Fingerprints -------------------------------------------------------------------------------


def test_fingerprint_arrays_and_params_round_trip_exactly(store: Store) -> None:
    made = {1: make_fingerprint(1, seed=7, window=16), 2: make_fingerprint(2, n_windows=0)}
    results = store.upsert_articles([(make_article(n), encode(fp)) for n, fp in made.items()])
    by_article = {a.id: made[n] for (a, _), n in zip(results, made, strict=True)}
    stored = list(store.fingerprints_after(0))
    assert len(stored) == 2
    for item in stored:
        assert_same_fingerprint(item.fingerprint, by_article[item.article_id])
    assert decode(stored[1].fingerprint).windows.shape == (0,)
    again = store.fingerprints_for([stored[1].id, stored[0].id, 424242])
    assert [s.id for s in again] == [stored[0].id, stored[1].id]
    assert_same_fingerprint(again[0].fingerprint, decode(stored[0].fingerprint))


@pytest.mark.parametrize("dtype", [np.uint8, np.uint32, ">u8", "<u8"])
def test_windows_come_back_as_native_writable_uint64(store: Store, dtype: str | type) -> None:
    values = [0, 1, 200, 255] if np.dtype(dtype).itemsize == 1 else [0, 1, 2**31, 2**32 - 1]
    if np.dtype(dtype).itemsize == 8:
        values += [2**63, 2**64 - 1]
    made = Fingerprint(PARAMS, make_fingerprint(5).signature, np.array(values, dtype=dtype))
    store.upsert_articles([(make_article(1), encode(made))])
    [stored] = store.fingerprints_after(0)
    windows = decode(stored.fingerprint).windows
    assert windows.dtype == np.dtype(np.uint64) and windows.dtype.isnative
    assert windows.flags.writeable and windows.flags.c_contiguous
    assert_same_fingerprint(stored.fingerprint, made)


def test_the_fingerprint_module_output_round_trips(store: Store) -> None:
    from compliance.detect.fingerprint import fingerprint  # the producer of what is stored

    settings = Settings()
    made = fingerprint(make_article(1).body * 20, settings)
    store.upsert_articles([(make_article(1), lambda: encode(made))])
    [stored] = store.fingerprints_after(0)
    assert np.asarray(made.windows).dtype == np.uint64 and np.asarray(made.windows).ndim == 1
    assert_same_fingerprint(stored.fingerprint, made)
    assert store.upsert_articles([(make_article(1), lambda: encode(made))])[0][1] == "unchanged"


def test_refingerprint_gives_a_new_id_and_fingerprint_state_follows(store: Store) -> None:
    assert store.fingerprint_state() == (0, 0)
    assert np.asarray(store.live_fingerprint_ids()).dtype == np.int64
    store.upsert_articles([(make_article(n), make_encoded(n)) for n in range(3)])
    top, removed = store.fingerprint_state()
    assert removed == 0 and len(store.live_fingerprint_ids()) == 3
    old_ids = store.live_fingerprint_ids()
    assert old_ids.tolist() == sorted(old_ids.tolist()) and max(old_ids) == top

    store.upsert_articles([(make_article(1, title="changé"), make_encoded(9))])
    new_top, new_removed = store.fingerprint_state()
    assert new_removed > removed and new_top > top
    live = store.live_fingerprint_ids()
    [(_, replaced)] = store.fingerprint_removals_after(removed)
    assert new_top in live and set(old_ids.tolist()) - set(live.tolist()) == {replaced}
    [latest] = list(store.fingerprints_after(top))
    assert latest.id == new_top
    assert_same_fingerprint(latest.fingerprint, make_fingerprint(9))


def test_fingerprint_ids_are_never_reused(store: Store) -> None:
    [(article, _)] = store.upsert_articles([(make_article(1), make_encoded(1))])
    top, _ = store.fingerprint_state()
    store.delete_article(article.url)
    assert store.fingerprint_state() == (0, 1)
    store.upsert_articles([(make_article(1), make_encoded(1))])
    assert store.fingerprint_state()[0] > top


def test_fingerprints_after_pages_through_everything(store: Store) -> None:
    store.upsert_articles([(make_article(n), make_encoded(n, n_windows=1)) for n in range(5)])
    ids = store.live_fingerprint_ids().tolist()
    assert [s.id for s in store.fingerprints_after(0, batch=2)] == ids
    assert [s.id for s in store.fingerprints_after(ids[2], batch=2)] == ids[3:]


@pytest.mark.parametrize(
    "fingerprint, message",
    [
        (Fingerprint({"num_perm": 64}, np.zeros(64, np.uint32), np.arange(3, dtype=np.uint64)), "params"),
        (
            Fingerprint({**PARAMS, "extra": 1}, np.zeros(64, np.uint32), np.arange(3, dtype=np.uint64)),
            "params",
        ),
        (Fingerprint(PARAMS, np.zeros(32, np.uint32), np.arange(3, dtype=np.uint64)), "signature"),
        (Fingerprint(PARAMS, np.full(64, 2**40, np.uint64), np.arange(3, dtype=np.uint64)), "uint32"),
        (Fingerprint(PARAMS, np.zeros(64, np.float32), np.arange(3, dtype=np.uint64)), "uint32"),
        # windows: 1-D unsigned integers only
        (Fingerprint(PARAMS, np.zeros(64, np.uint32), np.zeros((3, 64), np.uint64)), r"shape \(3, 64\)"),
        (Fingerprint(PARAMS, np.zeros(64, np.uint32), np.zeros((1, 64), np.uint32)), r"expected \(n,\)"),
        (Fingerprint(PARAMS, np.zeros(64, np.uint32), np.array(7, np.uint64)), r"shape \(\)"),
        (Fingerprint(PARAMS, np.zeros(64, np.uint32), np.array([1.0, 2.5])), "unsigned integers.*float64"),
        (Fingerprint(PARAMS, np.zeros(64, np.uint32), np.array([-1, 5], np.int64)), "unsigned.*int64"),
    ],
)
def test_malformed_fingerprint_is_refused(store: Store, fingerprint: Fingerprint, message: str) -> None:
    with pytest.raises(StorageError, match=message) as caught:
        store.upsert_articles([(make_article(1), lambda: encode(fingerprint, make_article(1).url))])
    assert "\n" not in str(caught.value)
    assert store.count_articles() == 0


@pytest.mark.parametrize(
    "encoded, message",
    [
        (EncodedFingerprint({"num_perm": 2}, bytes(8), bytes(8), 1), "params"),
        (EncodedFingerprint({**PARAMS, "num_perm": 2}, bytes(4), bytes(8), 1), "lengths"),
        (EncodedFingerprint({**PARAMS, "num_perm": 2}, bytes(8), bytes(8), 2), "lengths"),
    ],
)
def test_inconsistent_encoded_fingerprint_is_refused(
    store: Store, encoded: EncodedFingerprint, message: str
) -> None:
    with pytest.raises(StorageError, match=message):
        store.upsert_articles([(make_article(1), encoded)])
    assert store.count_articles() == 0


# --- Transactions -------------------------------------------------------------------------------


def snapshot(store: Store) -> tuple[list[Article], list[tuple[int, int, bytes]], tuple[int, int]]:
    prints = [(s.id, s.article_id, s.fingerprint.windows) for s in store.fingerprints_after(0)]
    return list(store.iter_articles()), prints, store.fingerprint_state()


def test_failing_batch_leaves_the_database_exactly_as_before(store: Store) -> None:
    store.upsert_articles([(make_article(1), make_encoded(1)), (make_article(2), make_encoded(2))])
    before = snapshot(store)
    broken = make_article(4, body=None)  # NOT NULL violation, raised by the database itself
    batch = [
        (make_article(1, body="changé"), make_encoded(5)),  # an update, written first
        (make_article(3), make_encoded(3)),
        (broken, make_encoded(4)),
    ]
    with pytest.raises(StorageError):
        store.upsert_articles(batch)
    assert snapshot(store) == before
    assert store.article_by_url(make_article(3).url) is None


def test_failing_fingerprint_callable_writes_nothing(store: Store) -> None:
    store.upsert_articles([(make_article(1), make_encoded(1))])
    before = snapshot(store)

    def explode() -> EncodedFingerprint:
        raise RuntimeError("fingerprinting failed")

    batch: list[tuple[ArticleInput, EncodedFingerprint | Callable[[], EncodedFingerprint]]] = [
        (make_article(1, title="changé"), make_encoded(2)),
        (make_article(2), explode),
    ]
    with pytest.raises(RuntimeError, match="fingerprinting failed"):
        store.upsert_articles(batch)
    assert snapshot(store) == before


def test_fingerprints_are_made_outside_the_write_transaction(store: Store, database_url: str) -> None:
    defaults = Settings().fingerprint_params()
    store.upsert_articles([(make_article(1), make_encoded(1, **defaults))])
    calls: list[str] = []

    def unchanged() -> EncodedFingerprint:  # called only if article 1 changed after the first look
        calls.append("1")
        return make_encoded(1, **defaults)

    def another_writer_deletes_article_1() -> EncodedFingerprint:
        calls.append("2")
        with Store(Settings(database_url=database_url)) as other:  # blocked if the lock were held
            assert other.delete_article(make_article(1).url)
        return make_encoded(2)

    results = store.upsert_articles(
        [(make_article(1), unchanged), (make_article(2), another_writer_deletes_article_1)]
    )
    # Article 1 looked unchanged, then was deleted: the write saw it, and fingerprinted it after all.
    assert [status for _, status in results] == ["ingested", "ingested"]
    assert calls == ["2", "1"]
    assert {a.url for a in store.iter_articles()} == {make_article(1).url, make_article(2).url}
    assert len(store.live_fingerprint_ids()) == 2


def test_a_date_that_overflows_in_utc_is_an_input_error(store: Store) -> None:
    early = make_article(1, published_at=datetime(1, 1, 1, 0, 30, tzinfo=timezone(timedelta(hours=1))))
    with pytest.raises(InputError, match=r"^date out of range: 0001-01-01T00:30:00\+01:00$"):
        store.upsert_articles([(early, make_encoded(1))])
    assert store.count_articles() == 0


# --- Captures -----------------------------------------------------------------------------------


def test_capture_round_trips(store: Store) -> None:
    [(article, _)] = store.upsert_articles([(make_article(1), make_encoded())])
    capture = make_capture(article_id=article.id)
    stored = store.add_capture(capture)
    assert stored.id is not None and stored == replace(capture, id=stored.id)
    got = store.get_capture(stored.id)
    assert got == stored
    assert got is not None and got.fetched_at.utcoffset() == timedelta(0)
    assert got.fetched_at == capture.fetched_at
    assert got.redirects == capture.redirects and isinstance(got.redirects, tuple)
    assert got.metadata == capture.metadata and got.headers == capture.headers


def test_list_captures_and_missing_ones(store: Store) -> None:
    first = store.add_capture(make_capture(status=None, server_ip=None))
    second = store.add_capture(make_capture(kind="file", sha256="cd" * 32, redirects=()))
    assert store.list_captures() == [first, second]
    assert store.list_captures([second.id or 0, 12345]) == [second]
    assert store.get_capture(12345) is None
    assert first.status is None and second.redirects == ()


def test_deleting_an_article_keeps_its_captures(store: Store) -> None:
    [(article, _)] = store.upsert_articles([(make_article(1), make_encoded())])
    stored = store.add_capture(make_capture(article_id=article.id))
    store.delete_article(article.url)
    assert store.get_capture(stored.id or 0) == replace(stored, article_id=None)


def test_captures_are_append_only(store: Store) -> None:
    stored = store.add_capture(make_capture())
    with pytest.raises(StorageError, match="never rewritten"):
        store.add_capture(replace(stored, text="réécrit"))
    writers = [name for name in dir(Store) if "capture" in name and not name.startswith("_")]
    assert sorted(writers) == ["add_capture", "get_capture", "list_captures"]
    assert store.list_captures() == [stored]


def test_naive_capture_time_is_refused(store: Store) -> None:
    with pytest.raises(StorageError, match="timezone-aware"):
        store.add_capture(make_capture(fetched_at=datetime(2024, 5, 2, 10, 0)))
    assert store.list_captures() == []


# --- Opening ------------------------------------------------------------------------------------


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    with Store(Settings(database_url=database_url)):
        pass
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()
    assert diffs == []


def test_reopening_keeps_the_data(database_url: str) -> None:
    with Store(Settings(database_url=database_url)) as store:
        store.upsert_articles([(make_article(1), make_encoded(1))])
    with Store(Settings(database_url=database_url)) as store:
        assert store.count_articles() == 1
        assert store.upsert_articles([(make_article(1), make_encoded(1))])[0][1] == "unchanged"


def test_sqlite_file_and_folder_are_created_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "compliance.db"
    with Store(Settings(database_url=f"sqlite:///{path}")):
        assert path.is_file()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_in_memory_database_is_shared_by_threads(url: str) -> None:
    with Store(Settings(database_url=url)) as store:

        def ingest(k: int) -> None:
            store.upsert_articles([(make_article(10 * k + i), make_encoded(i)) for i in range(10)])

        threads = [threading.Thread(target=ingest, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.count_articles() == 40
        assert store.fingerprint_state() == (40, 0) and len(store.live_fingerprint_ids()) == 40
    with Store(Settings(database_url=url)) as fresh:
        assert fresh.count_articles() == 0


def test_opening_leaves_application_logging_alone(tmp_path: Path) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    app_logger = logging.getLogger("compliance.some_module")
    with Store(Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}")):
        pass
    assert root.handlers == handlers and root.level == level
    assert app_logger.disabled is False


def unopenable_urls(tmp_path: Path) -> dict[str, str]:
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder")
    not_a_database = tmp_path / "garbage.db"
    not_a_database.write_bytes(b"this is not a SQLite database, not at all" * 100)
    return {
        "parent is a file": f"sqlite:///{a_file / 'compliance.db'}",
        "path is a folder": f"sqlite:///{tmp_path}",
        "file is not a database": f"sqlite:///{not_a_database}",
        "unknown dialect": "nosuchdb://somewhere/db",
        "no server": "postgresql+psycopg://postgres@127.0.0.1:9/none?connect_timeout=2",
    }


@pytest.mark.parametrize(
    "case", ["parent is a file", "path is a folder", "file is not a database", "unknown dialect", "no server"]
)
def test_unopenable_database_raises_storage_error(tmp_path: Path, case: str) -> None:
    url = unopenable_urls(tmp_path)[case]
    with pytest.raises(StorageError, match=r"^cannot open database") as caught:
        Store(Settings(database_url=url))
    assert "\n" not in str(caught.value)


@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() == 0,
    reason="root writes anywhere: a read-only folder cannot be shown to root",
)
def test_read_only_folder_raises_storage_error(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(StorageError, match=r"^cannot open database"):
            Store(Settings(database_url=f"sqlite:///{folder / 'compliance.db'}"))
    finally:
        folder.chmod(0o700)


def test_head_revision_is_the_newest_migration() -> None:
    from alembic.script import ScriptDirectory

    from compliance.store.engine import alembic_config
    from compliance.store.migrations import HEAD_REVISION

    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD_REVISION
