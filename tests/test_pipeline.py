"""The stages chained, on SQLite and (when COMPLIANCE_TEST_POSTGRES_URL is set) PostgreSQL:
ingest adds, re-ingest replaces, delete removes, and the index survives a restart."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import ArticleInput
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
