"""The stages chained, on SQLite and (when COMPLIANCE_TEST_POSTGRES_URL is set) PostgreSQL:
ingest adds, re-ingest replaces, delete removes, and the index survives a restart."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from compliance import pipeline
from compliance.errors import RecordError
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import ArticleInput, Fingerprint, IngestReport
from compliance.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ALL = [json.loads(line) for line in (FIXTURES / "archive" / "articles.jsonl").read_text("utf-8").splitlines()]
# Articles on different subjects, so that no two of them share a passage by chance.
RECORDS = [r for r in ALL if not any(topic in r["url"] for topic in ("dessal", "secheresse", "saumure"))]


def excerpt_page(body: str, start: int = 20, words: int = 40) -> str:
    """A page of unrelated words with `words` words of `body` inside."""
    filler = " ".join(f"remplissage{i}" for i in range(300))
    return f"{filler} {' '.join(body.split()[start : start + words])} {filler}"


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, index_dir=str(tmp_path / "index"))


def test_ingest_then_check_finds_an_excerpt(settings: Settings) -> None:
    with Archive(settings) as archive:
        report = archive.ingest(read_paths([FIXTURES / "archive" / "articles.jsonl"], settings))
        assert (report.ingested, report.failed) == (len(ALL), 0)
        [match] = archive.check_text(excerpt_page(RECORDS[4]["body"], words=25))
    assert match.article.url == RECORDS[4]["url"] and match.verdict == "short_quotation"
    assert match.scores.longest_passage_words >= 25


def test_reingest_replaces_and_delete_removes(settings: Settings) -> None:
    first = ArticleInput(url=RECORDS[0]["url"], body=RECORDS[0]["body"], title="v1")
    with Archive(settings) as archive:
        archive.ingest([first, ArticleInput(url=RECORDS[1]["url"], body=RECORDS[1]["body"])])
        old_page = excerpt_page(first.body)
        archive.ingest([replace(first, body=RECORDS[2]["body"], title="v2")])
        assert archive.check_text(old_page) == []
        [match] = archive.check_text(excerpt_page(RECORDS[2]["body"]))
        assert (match.article.url, match.article.title) == (first.url, "v2")
        assert archive.store.delete_article(RECORDS[1]["url"])
        assert archive.check_text(excerpt_page(RECORDS[1]["body"])) == []


def test_index_survives_a_restart_and_sees_other_writers(settings: Settings) -> None:
    with Archive(settings) as archive:
        archive.ingest([ArticleInput(url=r["url"], body=r["body"]) for r in RECORDS[:5]])
    segments = sorted(p.name for p in Path(settings.index_dir).iterdir())
    with Archive(settings) as other_process:  # another writer adds one article
        other_process.store.upsert_articles(
            [
                (
                    ArticleInput(url=RECORDS[5]["url"], body=RECORDS[5]["body"]),
                    other_process._fingerprinter(
                        ArticleInput(url=RECORDS[5]["url"], body=RECORDS[5]["body"])
                    ),
                )
            ]
        )
    with Archive(settings) as reopened:
        assert [m.article.url for m in reopened.check_text(excerpt_page(RECORDS[3]["body"]))] == [
            RECORDS[3]["url"]
        ]
        assert [m.article.url for m in reopened.check_text(excerpt_page(RECORDS[5]["body"]))] == [
            RECORDS[5]["url"]
        ]
        assert reopened.index.live == 6
    assert set(segments) <= {p.name for p in Path(settings.index_dir).iterdir()}


# --- Hardening: fingerprints outside the write lock, bounded batches, the same limits for all ----


def test_another_writer_is_not_blocked_while_an_ingest_fingerprints(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fingerprinting, release = threading.Event(), threading.Event()
    real = pipeline.fingerprint

    def slow_fingerprint(text: str, settings: Settings, with_bags: bool = False) -> Fingerprint:
        fingerprinting.set()
        # Set by the other writer once it has written; a deadlock guard, never reached when it works.
        if not release.wait(timeout=10):
            raise AssertionError("the other writer waited for the ingest's fingerprints: lock held")
        return real(text, settings, with_bags)

    with Archive(settings) as archive, Archive(settings) as other:
        archive.ingest([ArticleInput(url=RECORDS[0]["url"], body=RECORDS[0]["body"])])
        monkeypatch.setattr(pipeline, "fingerprint", slow_fingerprint)
        reports: list[IngestReport] = []
        ingest = threading.Thread(
            target=lambda: reports.append(
                archive.ingest([ArticleInput(url=RECORDS[1]["url"], body=RECORDS[1]["body"])])
            )
        )
        ingest.start()
        try:
            assert fingerprinting.wait(timeout=10)
            assert other.delete_article(RECORDS[0]["url"])  # a write while the ingest fingerprints
            monkeypatch.setattr(pipeline, "fingerprint", real)
            assert other.ingest([ArticleInput(url=RECORDS[2]["url"], body=RECORDS[2]["body"])]).ingested == 1
        finally:
            release.set()
            ingest.join()
        assert [(r.ingested, r.failed) for r in reports] == [(1, 0)]
        assert {a.url for a in archive.store.iter_articles()} == {RECORDS[1]["url"], RECORDS[2]["url"]}


def test_ingest_reads_its_input_a_bounded_batch_at_a_time(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "BATCH_CHARS", 3 * len(RECORDS[0]["body"]))
    pulled: list[int] = []

    def records() -> Iterator[ArticleInput | RecordError]:
        for n, record in enumerate(RECORDS[:7]):
            pulled.append(n)
            yield ArticleInput(url=record["url"], body=RECORDS[0]["body"] + f" {n}")

    with Archive(settings) as archive:
        real = archive.store.upsert_articles
        seen: list[tuple[int, int]] = []  # (articles written by one call, records read by then)

        def upsert(items: list) -> list:
            seen.append((len(items), len(pulled)))
            return real(items)

        monkeypatch.setattr(archive.store, "upsert_articles", upsert)
        report = archive.ingest(records())
    assert report.ingested == 7
    assert seen == [(3, 3), (3, 6), (1, 7)]


def test_records_built_in_code_keep_the_same_limits(settings: Settings) -> None:
    good = ArticleInput(url=RECORDS[0]["url"], body=RECORDS[0]["body"])
    bad = [
        replace(good, url="https://x.example/1", published_at=datetime(1, 1, 1, tzinfo=UTC)),
        replace(good, url="https://x.example/2", published_at=datetime(2021, 11, 24, 11, 37)),  # naive
        replace(good, url="https://x.example/3", body="…"),
        replace(good, url="https://x.example/\ud800", title="\x00"),
    ]
    with Archive(settings) as archive:
        report = archive.ingest([bad[0], good, *bad[1:]])
        assert (report.ingested, report.failed) == (1, 4)
        assert [a.url for a in archive.store.iter_articles()] == [good.url]
    assert report.errors == (
        "https://x.example/1: field 'published_at' is out of range: 0001-01-01T00:00:00+00:00 is not between"
        " 1800-01-01 and 2199-12-31",
        "https://x.example/2: field 'published_at' has no time zone: 2021-11-24T11:37:00",
        "https://x.example/3: body has no words to fingerprint",
        "https://x.example/\\ud800: field 'url' contains a lone surrogate (U+D800) at character 18",
    )
