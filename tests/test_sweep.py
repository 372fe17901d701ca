"""Sweeps of WARC and WET files: files written here with warcio, holding copies of fixture articles
among clean pages of our own words; `compliance sweep` finds them all, keeps each matching record
as evidence, refuses broken files, and resumes after a SIGKILL without a duplicate."""

from __future__ import annotations

import gzip
import json
import os
import random
import signal
import subprocess
import sys
import time
from io import BytesIO
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from databases import query
from factories import fixture_bodies
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter
from watched import copy_page

from compliance.capture.warc_records import ranges, read_range, record_bytes
from compliance.cli import main
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import PartState, RecordStatus
from compliance.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
PAGES = "https://copies.example/page/"
OUR_WORDS = (
    "le conseil municipal a voté mardi soir un budget consacré aux jardins partagés du quartier nord "
    "tandis que les associations de randonneurs réclament depuis des mois un balisage neuf des sentiers "
    "côtiers où les familles se promènent volontiers le dimanche après le marché aux poissons du vieux port "
    "la bibliothèque prolonge ses horaires pendant les vacances et propose des ateliers de lecture pour "
    "les enfants ainsi que des concerts de musique de chambre dans la cour de l'ancien couvent"
)
WORDS = tuple(OUR_WORDS.split())


def clean_text(seed: int, sentences: int = 8) -> str:
    """Paragraphs of our own words in an order of its own: no article of the archive is in it."""
    rng = random.Random(seed)
    lines = [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(12, 22))).capitalize() + "."
        for _ in range(sentences)
    ]
    return "\n\n".join(lines)


def response(writer: WARCWriter, url: str, body: bytes, content_type: str, status: str = "200 OK") -> None:
    """A request record, then its response record, as a crawler writes them."""
    request = StatusAndHeaders(f"GET {url} HTTP/1.1", [("Host", "copies.example")], is_http_request=True)
    writer.write_record(
        writer.create_warc_record(url, "request", payload=BytesIO(b""), length=0, http_headers=request)
    )
    head = StatusAndHeaders(status, [("Content-Type", content_type)], protocol="HTTP/1.1")
    writer.write_record(
        writer.create_warc_record(url, "response", payload=BytesIO(body), length=len(body), http_headers=head)
    )


def write_warc(path: Path, copies: dict[int, int], clean: int, gzipped: bool = True) -> dict[str, int]:
    """A WARC of `clean` clean pages with a copy of fixture article i at page position p (copies p → i).

    Also an image, a 404 page holding a copy (not a page to check) and a redirect. Returns the
    planted URLs → fixture index.
    """
    bodies = fixture_bodies()
    planted = {}
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzipped)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test_sweep"}))
        for position in range(clean + len(copies)):
            url = f"{PAGES}{position}"
            if position in copies:
                index = copies[position]
                html = copy_page(f"Copie {index}", bodies[index])
                planted[url] = index
            else:
                html = copy_page(f"Chronique {position}", clean_text(position))
            response(writer, url, html.encode("utf-8"), "text/html; charset=utf-8")
        response(writer, "https://copies.example/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(64), "image/png")
        missing = copy_page("Introuvable", bodies[9]).encode()
        response(writer, "https://copies.example/404", missing, "text/html", "404 Not Found")
        response(writer, "https://copies.example/old", b"", "text/html", "301 Moved Permanently")
    return planted


def write_wet(path: Path, copies: dict[int, int], clean: int) -> dict[str, int]:
    """A WET file (conversion records of plain text), copies planted as in `write_warc`."""
    bodies = fixture_bodies()
    planted = {}
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "test_sweep"}))
        for position in range(clean + len(copies)):
            url = f"https://revue.example/texte/{position}"
            if position in copies:
                text, planted[url] = f"Revue de presse\n\n{bodies[copies[position]]}", copies[position]
            else:
                text = clean_text(1000 + position)
            data = text.encode("utf-8")
            record = writer.create_warc_record(
                url, "conversion", payload=BytesIO(data), length=len(data), warc_content_type="text/plain"
            )
            writer.write_record(record)
    return planted


def run(runner: CliRunner, *args: str) -> dict:
    result = runner.invoke(main, ["sweep", *args, "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def ingest_fixtures(database: str) -> dict[str, int]:
    """Our fixture articles in `database`; their ids by URL."""
    with Archive(Settings(database_url=database)) as archive:
        assert archive.ingest(read_paths([ROOT / "fixtures" / "archive"], archive.settings)).failed == 0
        return {a.url: a.id for a in archive.store.iter_articles()}


def fixture_urls() -> list[str]:
    lines = (ROOT / "fixtures" / "archive" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["url"] for line in lines if line.strip()]


def findings_by_page(database: str) -> dict[str, set[int]]:
    """Page URL → the article ids found in it."""
    found: dict[str, set[int]] = {}
    sql = "SELECT p.url, f.article_id FROM findings f JOIN pages p ON p.id = f.page_id"
    for url, article_id in query(database, sql):
        found.setdefault(url, set()).add(article_id)
    return found


@pytest.fixture
def cli_env(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> dict[str, str]:
    """The CLI on `database_url` (SQLite, and PostgreSQL when available), the fixture archive in it."""
    values = {"COMPLIANCE_DATABASE_URL": database_url, "COMPLIANCE_EVIDENCE_DIR": str(tmp_path / "evidence")}
    if not database_url.startswith("sqlite"):
        values["COMPLIANCE_INDEX_DIR"] = str(tmp_path / "index")
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


# --- what a sweep finds ---------------------------------------------------------------------------


def test_a_sweep_finds_every_copy_in_warc_and_wet_files(
    cli_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    database = cli_env["COMPLIANCE_DATABASE_URL"]
    ids = ingest_fixtures(database)
    urls = fixture_urls()
    warc, wet = tmp_path / "crawl.warc.gz", tmp_path / "crawl.warc.wet.gz"
    planted = write_warc(warc, {1: 1, 4: 2, 5: 3, 9: 4, 13: 5, 14: 6}, clean=10)
    planted |= write_wet(wet, {0: 7, 3: 8}, clean=4)

    record = run(runner, str(warc), str(wet), "--part-records", "4", "--jobs", "1")

    assert record["state"] == "complete" and record["resumed"] is False
    pages = 16 + 6  # HTML 200 responses and WET texts: requests, the image, the 404 and the 301 are skipped
    assert record["records"] == record["done"] == record["checked_now"] == pages
    assert record["counts"] == {"checked": pages - len(planted), "matched": len(planted), "failed": 0}
    expected = {url: {ids[urls[index]]} for url, index in planted.items()}
    assert findings_by_page(database) == expected  # every copy, on its page, and nothing else
    assert len(record["new_findings"]) == len(planted)
    [(parts,)] = query(database, "SELECT COUNT(*) FROM sweep_parts")
    assert parts == 4 + 2  # 16 pages in parts of 4, 6 texts in parts of 4


def test_each_matching_record_is_kept_byte_for_byte_as_evidence(
    env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    database = env["COMPLIANCE_DATABASE_URL"]
    ingest_fixtures(database)
    warc = tmp_path / "crawl.warc"  # uncompressed: the record is gzipped into the capture, bytes unchanged
    [url] = write_warc(warc, {2: 3}, clean=2, gzipped=False)
    record = run(runner, str(warc))
    [finding_id] = record["new_findings"]
    [(warc_path, final_url, offset)] = query(
        database,
        'SELECT c.warc_path, c.final_url, r."offset" FROM captures c'
        " JOIN findings f ON f.capture_id = c.id JOIN sweep_records r ON r.capture_id = c.id"
        f" WHERE f.id = {finding_id}",
    )
    assert final_url == url
    records = _records(Path(env["COMPLIANCE_EVIDENCE_DIR"]) / warc_path)
    assert [kind for kind, _, _ in records] == ["warcinfo", "response"]
    info = records[0][2].decode()
    assert f"source-offset: {offset}" in info and str(warc) in info
    assert records[1][1] == url
    original = {u: body for kind, u, body in _records(warc) if kind == "response"}
    assert records[1][2] == original[url]  # the page as the crawler stored it
    verified = runner.invoke(main, ["evidence", "verify"])
    assert verified.exit_code == 0, verified.output


def _records(path: Path) -> list[tuple[str, str, bytes]]:
    """(type, target URI, payload) of every record of a WARC file."""
    with path.open("rb") as stream:
        return [
            (r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
            for r in ArchiveIterator(stream)
        ]


def test_parts_run_across_processes_find_the_same(settings: Settings, tmp_path: Path) -> None:
    ingest_fixtures(settings.database_url)
    warc = tmp_path / "crawl.warc.gz"
    planted = write_warc(warc, {0: 1, 3: 2, 7: 3, 8: 4}, clean=8)
    with Archive(settings) as archive:
        report = archive.sweep([warc], jobs=2, part_records=3)
        assert report.jobs == 2 and report.sweep.state == "complete"
        assert report.counts == {"checked": 8, "matched": 4, "failed": 0}
        parts = archive.store.sweep_parts(report.sweep.id)
        assert {part.state for part in parts} == {PartState.DONE} and len(parts) == 4
    assert set(findings_by_page(settings.database_url)) == set(planted)


def test_a_part_run_twice_stores_nothing_twice(settings: Settings, tmp_path: Path) -> None:
    ingest_fixtures(settings.database_url)
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, {1: 5}, clean=3)
    with Archive(settings) as archive:
        report = archive.sweep([warc], jobs=1)
        [part] = archive.store.sweep_parts(report.sweep.id)
        before = archive.store.sweep_outcomes(part.id or 0)
        again = archive.sweep_part(part.id or 0)  # a task delivered twice: the part is done
        assert again.counts == {"checked": 0, "matched": 0, "failed": 0}
    assert [o.status for o in before].count(RecordStatus.MATCHED) == 1
    assert query(settings.database_url, "SELECT COUNT(*) FROM sightings") == [(1,)]


def test_a_record_without_text_fails_alone(env: dict[str, str], runner: CliRunner, tmp_path: Path) -> None:
    ingest_fixtures(env["COMPLIANCE_DATABASE_URL"])
    warc = tmp_path / "crawl.warc.gz"
    with warc.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        response(writer, "https://copies.example/empty", b"<html><body></body></html>", "text/html")
        response(
            writer,
            "https://copies.example/copy",
            copy_page("Copie", fixture_bodies()[1]).encode(),
            "text/html",
        )
    record = run(runner, str(warc))
    assert record["counts"] == {"checked": 0, "matched": 1, "failed": 1}
    [failure] = record["failures"]
    assert failure["file"] == str(warc) and failure["offset"] > 0 and "no text" in failure["reason"]


@pytest.mark.parametrize("gzipped", [True, False], ids=["gzip-per-record", "uncompressed"])
@pytest.mark.parametrize("per_part", [1, 3, 7, 100])
def test_parts_cover_every_page_once_and_are_read_by_offset(
    tmp_path: Path, gzipped: bool, per_part: int
) -> None:
    warc = tmp_path / "crawl.warc"
    write_warc(warc, {2: 1, 5: 2}, clean=9, gzipped=gzipped)
    parts = ranges(warc, per_part)
    read = [r for part in parts for r in read_range(warc, part.start, part.end, limit=10**6)]
    assert [part.records for part in parts] == [
        len(list(read_range(warc, p.start, p.end, 10**6))) for p in parts
    ]
    assert all(part.records <= per_part for part in parts) and sum(p.records for p in parts) == 11
    whole = {url: body for kind, url, body in _records(warc) if kind == "response" and url.startswith(PAGES)}
    assert [r.url for r in read] == list(whole)  # each page once, in file order
    assert all(r.body == whole[r.url] for r in read)
    assert all(
        record_bytes(warc, r.offset, r.length).startswith(b"\x1f\x8b" if gzipped else b"WARC/1") for r in read
    )


# --- bad files --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("absent.warc.gz", None, "no such file", id="missing"),
        pytest.param("empty.warc.gz", b"", "the file is empty", id="empty"),
        pytest.param(
            "notes.warc", b"<html>une page, pas un WARC</html>", "not a WARC or WET file", id="not-warc"
        ),
        pytest.param(
            "notes.warc.gz", gzip.compress(b"du texte\n" * 50), "not a WARC or WET file", id="gzip-not-warc"
        ),
        pytest.param("cut.warc.gz", "cut", "truncated", id="truncated"),
        pytest.param("cut.warc", "cut", "truncated", id="truncated-uncompressed"),
        pytest.param("one.warc.gz", "one-stream", "one gzip stream holds many records", id="one-gzip-stream"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2_with_nothing_stored(
    env: dict[str, str],
    runner: CliRunner,
    tmp_path: Path,
    name: str,
    content: bytes | str | None,
    message: str,
) -> None:
    path = tmp_path / name
    if content == "cut":  # cut inside a record
        write_warc(path, {}, clean=3, gzipped=name.endswith(".gz"))
        path.write_bytes(path.read_bytes()[: path.stat().st_size * 2 // 3])
    elif content == "one-stream":  # the whole file gzipped at once: its records cannot be reached by offset
        whole = tmp_path / "whole.warc"
        write_warc(whole, {}, clean=3, gzipped=False)
        path.write_bytes(gzip.compress(whole.read_bytes(), mtime=0))
    elif isinstance(content, bytes):
        path.write_bytes(content)
    good = tmp_path / "good.warc.gz"
    write_warc(good, {}, clean=2)
    result = runner.invoke(main, ["sweep", str(good), str(path)])
    assert result.exit_code == 2
    [line] = result.output.strip().splitlines()
    assert line.startswith("compliance: error: ") and message in line and name in line
    assert query(env["COMPLIANCE_DATABASE_URL"], "SELECT COUNT(*) FROM sweeps") == [(0,)]


def test_usage_errors(env: dict[str, str], runner: CliRunner) -> None:
    assert runner.invoke(main, ["sweep"]).exit_code == 2
    unknown = runner.invoke(main, ["sweep", "--resume", "41"])
    assert unknown.exit_code == 2 and "no sweep 41" in unknown.output


# --- killed and started again -----------------------------------------------------------------------


def test_a_killed_sweep_resumes_without_duplicates(
    env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    database = env["COMPLIANCE_DATABASE_URL"]
    ingest_fixtures(database)
    warc = tmp_path / "crawl.warc.gz"
    copies = {position: 1 + position % 8 for position in range(2, 60, 6)}  # 10 copies among 50 clean pages
    planted = write_warc(warc, copies, clean=50)
    command = [sys.executable, "-m", "compliance", "sweep", str(warc), "--part-records", "4", "--jobs", "1"]
    child = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 120
        while child.poll() is None and time.monotonic() < deadline and _outcomes(database) < 16:
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    before = _outcomes(database)
    assert 16 <= before < 60  # killed midway
    [(state,)] = query(database, "SELECT state FROM sweeps")
    assert state == "running"

    record = run(runner, str(warc), "--part-records", "4", "--jobs", "1")  # the same files: resumed

    assert record["resumed"] is True and record["state"] == "complete"
    assert record["checked_now"] == 60 - before  # only what the killed run had not stored
    assert query(database, 'SELECT COUNT(*), COUNT(DISTINCT "offset") FROM sweep_records') == [(60, 60)]
    assert record["counts"] == {"checked": 50, "matched": 10, "failed": 0}
    assert set(findings_by_page(database)) == set(planted)
    sightings = query(database, "SELECT finding_id, COUNT(*) FROM sightings GROUP BY finding_id")
    assert len(sightings) == len(planted) and all(count == 1 for _, count in sightings)  # none checked twice
    assert sorted(record["new_findings"]) == sorted(f for f, _ in sightings)
    [(sweeps,)] = query(database, "SELECT COUNT(*) FROM sweeps")
    assert sweeps == 1


def _outcomes(database: str) -> int:
    try:
        return query(database, "SELECT COUNT(*) FROM sweep_records")[0][0]
    except sa.exc.OperationalError:  # the child has not created the tables yet
        return 0


def test_a_complete_sweep_is_swept_anew_and_a_changed_file_is_refused(
    env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    database = env["COMPLIANCE_DATABASE_URL"]
    ingest_fixtures(database)
    warc = tmp_path / "crawl.warc.gz"
    write_warc(warc, {1: 2}, clean=3)
    first = run(runner, str(warc))
    second = run(runner, str(warc))  # complete: a new sweep, the copy seen again, not found anew
    assert second["id"] != first["id"] and second["resumed"] is False
    assert second["counts"] == first["counts"] and second["new_findings"] == []
    assert query(database, "SELECT COUNT(*), COUNT(DISTINCT finding_id) FROM sightings") == [(2, 1)]
    write_warc(warc, {2: 2}, clean=3)  # another crawl under the same name
    changed = runner.invoke(main, ["sweep", "--resume", str(first["id"])])
    assert changed.exit_code == 2 and "the file changed since the sweep was planned" in changed.output


def test_a_box_a_host_repeats_is_found_on_its_first_page_only(
    cli_env: dict[str, str], runner: CliRunner, tmp_path: Path
) -> None:
    """A press-review box quoting one of our articles on every page of a host is boilerplate after
    the first page (as for a scan), while a copy in one page's sidebar is still found there."""
    ids = ingest_fixtures(cli_env["COMPLIANCE_DATABASE_URL"])
    urls, bodies = fixture_urls(), fixture_bodies()
    boxed = " ".join(bodies[0].split()[:70])  # the box: 70 words of our first article
    sidebar = " ".join(bodies[1].split()[:80])  # one sidebar: 80 words of our second
    path = tmp_path / "host.warc.gz"
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for n in range(4):
            aside = f"<aside class='related'><p>{sidebar}</p></aside>" if n == 2 else ""
            page = (
                f"<html><head><title>Page {n}</title></head><body><article><h1>Page {n}</h1>"
                f"<p>{clean_text(100 + n, 6)}</p></article>{aside}"
                f"<div class='revue-de-presse'><p>{boxed}</p></div></body></html>"
            )
            response(writer, f"{PAGES}{n}", page.encode(), "text/html; charset=utf-8")
    run(runner, str(path), "--jobs", "1")
    found = findings_by_page(cli_env["COMPLIANCE_DATABASE_URL"])
    assert found == {f"{PAGES}0": {ids[urls[0]]}, f"{PAGES}2": {ids[urls[1]]}}
