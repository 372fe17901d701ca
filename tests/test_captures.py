"""Suspect URLs and files end to end through the CLI: fetched safely from fixture sites on
127.0.0.1, checked, and kept as write-once evidence that `evidence verify` re-checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import FIXTURES, SiteServer, guarded

from compliance.cli import main
from compliance.detect.normalize import normalize
from compliance.settings import Settings
from compliance.store import Store

ARCHIVE = FIXTURES.parent / "archive"
COPIED = "https://www.gazette-littoral.example/environnement/2021/08/03/tortues-marines-caouannes-nids-record-plages-tamzirt"


@pytest.fixture
def archive_env(
    env: dict[str, str], runner: CliRunner, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """A CLI database holding the fixture archive; the fixture server allowlisted."""
    assert runner.invoke(main, ["ingest", str(ARCHIVE)]).exit_code == 0
    monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", f"127.0.0.1:{site.port}")
    return env


def store_of(env: dict[str, str]) -> Store:
    return Store(Settings(database_url=env["COMPLIANCE_DATABASE_URL"]))


def evidence_files(env: dict[str, str]) -> list[Path]:
    return sorted(p for p in Path(env["COMPLIANCE_EVIDENCE_DIR"]).rglob("*") if p.is_file())


def test_check_url_finds_the_copy_with_passages_into_the_stored_text(
    archive_env: dict, runner: CliRunner, site: SiteServer
) -> None:
    result = runner.invoke(main, ["check", "--url", f"{site.url}/article-copy.html", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    [match] = document["matches"]
    assert match["article"]["url"] == COPIED and match["verdict"] == "full_reproduction"
    with store_of(archive_env) as store:
        capture = store.get_capture(document["capture"]["id"])
        article = store.article_by_url(COPIED)
    assert capture is not None and article is not None
    assert capture.final_url == f"{site.url}/article-copy.html" and capture.server_ip == "127.0.0.1"
    for p in match["passages"]:
        assert normalize(capture.text[p["page_start"] : p["page_end"]]) == normalize(
            article.body[p["article_start"] : p["article_end"]]
        )
    assert capture.metadata["title"] and capture.metadata["links"]


@pytest.mark.parametrize("path", ["/article-copy.html", "/to-private"])
def test_refused_urls_exit_2_with_one_line_and_write_nothing(
    path: str, env: dict, runner: CliRunner, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    if path == "/to-private":  # the server is allowed; where it redirects is not
        monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", f"127.0.0.1:{site.port}")
    with guarded(monkeypatch):
        result = runner.invoke(main, ["check", "--url", site.url + path])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert evidence_files(env) == []
    with store_of(env) as store:
        assert store.list_captures() == []


@pytest.mark.parametrize("path", ["/404", "/500", "/image.png", "/loop/a"])
def test_failed_fetches_exit_2_and_write_nothing(
    path: str, archive_env: dict, runner: CliRunner, site: SiteServer
) -> None:
    result = runner.invoke(main, ["check", "--url", site.url + path])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert evidence_files(archive_env) == []


def test_evidence_verify_passes_then_names_the_changed_capture(
    archive_env: dict, runner: CliRunner, site: SiteServer
) -> None:
    for path in ("/article-copy.html", "/copy.html"):
        assert runner.invoke(main, ["check", "--url", site.url + path]).exit_code == 0
    result = runner.invoke(main, ["evidence", "verify"])
    assert result.exit_code == 0 and "2 intact, 0 changed" in result.output
    with store_of(archive_env) as store:
        second = store.list_captures()[1]
    warc = Path(archive_env["COMPLIANCE_EVIDENCE_DIR"]) / second.warc_path
    os.chmod(warc, 0o644)
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    result = runner.invoke(main, ["evidence", "verify"])
    assert result.exit_code == 1
    assert f"capture {second.id}" in result.stderr and "1 intact, 1 changed" in result.output
    assert runner.invoke(main, ["evidence", "verify", "1"]).exit_code == 0
    assert runner.invoke(main, ["evidence", "verify", "99"]).exit_code == 2


def test_check_file_keeps_the_file_as_evidence(archive_env: dict, runner: CliRunner, tmp_path: Path) -> None:
    body = json.loads((ARCHIVE / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0])["body"]
    newsletter = tmp_path / "lettre.eml"
    newsletter.write_text(
        "From: Veille <veille@example.org>\nSubject: Revue du jour\n"
        + "Content-Type: text/plain; charset=utf-8\n\n"
        + "Bonjour,\n\n"
        + body.split("\n\n")[1]
        + "\n\nBonne journée.\n",
        encoding="utf-8",
    )
    result = runner.invoke(main, ["check", "--file", str(newsletter), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["matches"] and document["capture"]["sha256"]
    assert runner.invoke(main, ["check", "--file", str(tmp_path / "none.pdf")]).exit_code == 2


def test_ingest_from_our_url_captures_the_page_as_published(
    env: dict, runner: CliRunner, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", f"127.0.0.1:{site.port}")
    result = runner.invoke(main, ["ingest", f"{site.url}/ours/greve-des-bus-municipaux.html"])
    assert result.exit_code == 0, result.output
    with store_of(env) as store:
        [capture] = store.list_captures()
        article = store.get_article(capture.article_id or 0)
    assert article is not None and article.rights_notice and "Tous droits réservés" in article.rights_notice
    assert capture.text == article.body and capture.metadata["rights_notice"] == article.rights_notice
    assert result.output.startswith("ingested ")
