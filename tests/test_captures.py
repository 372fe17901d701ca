"""Suspect URLs and files end to end through the CLI: fetched safely from fixture sites on
127.0.0.1, checked, and kept as write-once evidence that `evidence verify` re-checks."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from sites import FIXTURES, SiteServer, guarded

from compliance.cli import main
from compliance.detect.normalize import normalize
from compliance.pipeline import Archive
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
    assert result.exit_code == 0 and "2 intact, 0 not intact" in result.output
    with store_of(archive_env) as store:
        second = store.list_captures()[1]
    warc = Path(archive_env["COMPLIANCE_EVIDENCE_DIR"]) / second.warc_path
    os.chmod(warc, 0o644)
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    result = runner.invoke(main, ["evidence", "verify"])
    assert result.exit_code == 1
    assert f"capture {second.id}" in result.stderr and "1 intact, 1 not intact" in result.output
    assert runner.invoke(main, ["evidence", "verify", "1"]).exit_code == 0
    assert runner.invoke(main, ["evidence", "verify", "99"]).exit_code == 2


def tamper(env: dict[str, str], warc_path: str) -> None:
    """Flip one byte of a stored WARC, and make it read-only again."""
    warc = Path(env["COMPLIANCE_EVIDENCE_DIR"]) / warc_path
    os.chmod(warc, 0o644)
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    os.chmod(warc, 0o444)


def test_evidence_verify_names_every_bad_capture_and_every_unknown_id(
    archive_env: dict, runner: CliRunner, site: SiteServer
) -> None:
    for path in ("/article-copy.html", "/copy.html", "/latin1.html"):
        assert runner.invoke(main, ["check", "--url", site.url + path]).exit_code == 0
    with store_of(archive_env) as store:
        first, second, third = store.list_captures()
    tamper(archive_env, first.warc_path)
    tamper(archive_env, third.warc_path)
    result = runner.invoke(main, ["evidence", "verify", str(first.id), str(third.id), "999"])
    assert result.exit_code == 1  # damaged evidence outweighs a mistyped id
    lines = result.stdout.splitlines()
    assert f"capture {first.id}  {first.warc_path}  FAILED: changed: " in "\n".join(lines)
    assert any(line.startswith(f"capture {third.id}  {third.warc_path}  FAILED: changed") for line in lines)
    assert "capture 999  not found" in lines and lines[-1] == "0 intact, 2 not intact, 1 unknown"
    assert result.stderr.strip().splitlines() == [
        f"compliance: error: evidence not intact: capture {first.id}, capture {third.id}; "
        "no capture with id 999"
    ]
    unknown_only = runner.invoke(main, ["evidence", "verify", str(second.id), "998", "999"])
    assert unknown_only.exit_code == 2 and "capture 998  not found" in unknown_only.output
    assert unknown_only.stderr.strip().endswith("no capture with id 998, 999")


def test_evidence_verify_refuses_writable_or_linked_warcs(
    archive_env: dict, runner: CliRunner, site: SiteServer, tmp_path: Path
) -> None:
    for path in ("/article-copy.html", "/copy.html"):
        assert runner.invoke(main, ["check", "--url", site.url + path]).exit_code == 0
    with store_of(archive_env) as store:
        writable, linked = store.list_captures()
    folder = Path(archive_env["COMPLIANCE_EVIDENCE_DIR"])
    os.chmod(folder / writable.warc_path, 0o644)
    copy = shutil.copy2(folder / linked.warc_path, tmp_path / "identical.warc.gz")
    (folder / linked.warc_path).unlink()
    (folder / linked.warc_path).symlink_to(copy)  # the same bytes, outside the evidence folder
    result = runner.invoke(main, ["evidence", "verify"])
    assert result.exit_code == 1
    assert f"FAILED: writable: {writable.warc_path} has mode 0644, not read-only" in result.output
    assert f"FAILED: not a regular file: {linked.warc_path} is a symbolic link" in result.output
    assert f"capture {writable.id}, capture {linked.id}" in result.stderr


def test_orphans_of_a_killed_check_are_reported_then_cleaned(
    archive_env: dict, runner: CliRunner, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(main, ["check", "--url", f"{site.url}/copy.html"]).exit_code == 0

    def killed(self: Store, capture: object) -> None:
        raise KeyboardInterrupt  # the process dies between the WARC and its row

    with monkeypatch.context() as patched:
        patched.setattr(Store, "add_capture", killed)
        assert runner.invoke(main, ["check", "--url", f"{site.url}/article-copy.html"]).exit_code != 0
    folder = Path(archive_env["COMPLIANCE_EVIDENCE_DIR"])
    with store_of(archive_env) as store:
        [kept] = store.list_captures()
    [unrecorded] = [
        p for p in folder.rglob("*.warc.gz") if p.relative_to(folder).as_posix() != kept.warc_path
    ]
    temporary = unrecorded.parent / ".tmpkilled.tmp"
    temporary.write_bytes(b"half a WARC")
    fresh = unrecorded.parent / ".tmprunning.tmp"  # a check writing right now: neither reported nor touched
    fresh.write_bytes(b"a WARC being written")
    assert runner.invoke(main, ["evidence", "verify"]).exit_code == 0  # too recent to be orphans yet
    hours_ago = time.time() - 2 * 3600
    for path in (unrecorded, temporary):
        os.utime(path, (hours_ago, hours_ago), follow_symlinks=False)

    result = runner.invoke(main, ["evidence", "verify"])
    assert result.exit_code == 1 and "1 intact, 0 not intact, 2 orphans" in result.output
    relative = unrecorded.relative_to(folder).as_posix()
    assert f"orphan  {relative}  WARC with no capture row" in result.output
    assert f"orphan  {temporary.relative_to(folder).as_posix()}  temporary file" in result.output
    assert result.stderr.strip() == "compliance: error: 2 orphan files (see `compliance evidence clean`)"

    cleaned = runner.invoke(main, ["evidence", "clean"])
    assert cleaned.exit_code == 0, cleaned.output
    assert f"quarantined  {relative}  ->  quarantine/{unrecorded.name}" in cleaned.output
    assert "1 temporary files removed, 1 WARCs quarantined" in cleaned.output
    assert not temporary.exists() and fresh.exists() and (folder / "quarantine" / unrecorded.name).is_file()
    assert runner.invoke(main, ["evidence", "verify"]).exit_code == 0


def test_a_fetch_past_its_deadline_exits_2_and_writes_nothing(
    archive_env: dict, runner: CliRunner, site: SiteServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Status line, then headers at one byte a second: cut off by COMPLIANCE_FETCH_DEADLINE."""
    monkeypatch.setenv("COMPLIANCE_FETCH_DEADLINE", "0.5")
    monkeypatch.setenv("COMPLIANCE_READ_TIMEOUT", "5")
    result = runner.invoke(main, ["check", "--url", f"{site.url}/drip-head"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"compliance: error: timed out: {site.url}/drip-head took longer than the fetch deadline of 0.5s"
    ]
    assert evidence_files(archive_env) == []
    with store_of(archive_env) as store:
        assert store.list_captures() == [] and store.get_finding(1) is None


def test_a_nul_in_a_fetched_text_is_stored_on_every_database(
    database_url: str, site: SiteServer, tmp_path: Path
) -> None:
    """PostgreSQL text refuses NUL: the checked text carries U+FFFD, the WARC the byte as sent."""
    settings = Settings(
        database_url=database_url,
        evidence_dir=str(tmp_path / "evidence"),
        index_dir=str(tmp_path / "index"),
        fetch_allow_hosts=(f"127.0.0.1:{site.port}",),
    )
    with Archive(settings) as archive:
        report = archive.record_url(f"{site.url}/nul-late.txt")
        [capture] = archive.store.list_captures()
    assert report.recorded == () and capture.text.endswith("\ufffd fin") and "\x00" not in capture.text
    assert b"\x00 fin" in gzip.decompress((tmp_path / "evidence" / capture.warc_path).read_bytes())


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
