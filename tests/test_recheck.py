"""Re-checks after 2, 7 and 30 days: still there, gone (a 404 from the site), back; a removal
proven by the re-check's sighting; a copy back reopens the case on its own."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
from casework import ANALYST, LEGAL
from factories import article_input, excerpt, fixture_bodies, page_with
from sites import local_server, running

from compliance.cli import main
from compliance.errors import ConfigurationError
from compliance.pipeline import Archive
from compliance.records import CaseState, EventKind, SightingStatus
from compliance.settings import Settings

S = CaseState


@dataclass
class Copy:
    """One page on 127.0.0.1 that copies our article (200), is taken down (404) or fails (503)."""

    status: int = 200
    port: int = 0
    html: str = field(default="")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/copie"


@pytest.fixture
def copy() -> Iterator[Copy]:
    text = page_with(excerpt(fixture_bodies()[0], 150))
    served = Copy(
        html="<html><body><article>"
        + "".join(f"<p>{p}</p>" for p in text.split("\n\n"))
        + "</article></body></html>"
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(served.status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write((served.html if served.status == 200 else "<p>Introuvable</p>").encode())

        def log_message(self, *args: object) -> None:
            pass

    with running(local_server(Handler)) as server:
        served.port = server.server_address[1]
        yield served


@pytest.fixture
def archive(database_url: str, tmp_path: Path, copy: Copy) -> Iterator[Archive]:
    settings = Settings(
        database_url=database_url,
        index_dir=str(tmp_path / "index"),
        evidence_dir=str(tmp_path / "evidence"),
        fetch_allow_hosts=(f"127.0.0.1:{copy.port}",),
    )
    with Archive(settings) as opened:
        opened.ingest([article_input()])
        yield opened


def test_rechecks_see_a_copy_stay_go_and_come_back(archive: Archive, copy: Copy) -> None:
    finding = archive.record_url(copy.url).recorded[0].finding_id
    case = archive.cases.open(ANALYST, finding_ids=[finding])
    for target in (S.UNDER_REVIEW, S.CONFIRMED):
        case = archive.cases.move(LEGAL, case.id, target)
    start = case.recheck_from
    assert start is not None

    assert archive.recheck_due(start + timedelta(days=1)) == []  # not due yet
    [seen] = archive.recheck_due(start + timedelta(days=2, minutes=1))
    assert (seen.finding_id, seen.status) == (finding, SightingStatus.STILL_THERE)
    assert seen.capture_id is not None and archive.store.get_capture(seen.capture_id) is not None
    assert archive.recheck_due(start + timedelta(days=3)) == []  # the 2-day re-check is done

    copy.status = 404
    [seen] = archive.recheck_due(start + timedelta(days=7, minutes=1))
    assert seen.status == SightingStatus.GONE and "404" in (seen.error or "")
    case = archive.cases.get(LEGAL, case.id)
    assert case.rechecks_done == 2 and case.events[-1].kind == EventKind.RECHECK
    removed = archive.cases.move(ANALYST, case.id, S.REMOVED)
    gone_sighting = archive.finding(finding).sightings[-1]  # type: ignore[union-attr]
    assert gone_sighting.status == SightingStatus.GONE
    assert removed.events[-1].details["proof"][0]["sighting"] == gone_sighting.id

    copy.status = 200
    [seen] = archive.recheck_due(start + timedelta(days=30, minutes=1))
    assert seen.status == SightingStatus.BACK
    reopened = archive.cases.get(LEGAL, case.id)
    assert reopened.state == S.REOPENED
    assert (reopened.events[-1].actor, reopened.events[-1].from_state) == ("system", S.REMOVED)
    assert archive.audit.verify(LEGAL).ok


def test_an_unreachable_page_proves_nothing_and_is_tried_again(archive: Archive, copy: Copy) -> None:
    finding = archive.record_url(copy.url).recorded[0].finding_id
    case = archive.cases.open(ANALYST, finding_ids=[finding])
    for target in (S.UNDER_REVIEW, S.CONFIRMED):
        case = archive.cases.move(LEGAL, case.id, target)
    copy.status = 503
    [seen] = archive.recheck_due((case.recheck_from or case.created_at) + timedelta(days=2, minutes=1))
    assert seen.status is None and "503" in (seen.error or "")
    assert archive.cases.get(LEGAL, case.id).rechecks_done == 0
    assert archive.finding(finding).present  # type: ignore[union-attr]


def test_cases_recheck_from_the_command_line(  # type: ignore[no-untyped-def]
    archive: Archive, copy: Copy, runner, monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    finding = archive.record_url(copy.url).recorded[0].finding_id
    case = archive.cases.open(ANALYST, finding_ids=[finding])
    for target in (S.UNDER_REVIEW, S.CONFIRMED):
        case = archive.cases.move(LEGAL, case.id, target)
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", archive.settings.database_url)
    monkeypatch.setenv("COMPLIANCE_INDEX_DIR", archive.settings.index_dir)
    monkeypatch.setenv("COMPLIANCE_EVIDENCE_DIR", archive.settings.evidence_dir)
    monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", f"127.0.0.1:{copy.port}")
    when = ((case.recheck_from or case.created_at) + timedelta(days=2, minutes=1)).isoformat()
    result = runner.invoke(main, ["cases", "recheck", "--now", when])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"case {case.id}  finding {finding}  still there  {copy.url}"
    naive = runner.invoke(main, ["cases", "recheck", "--now", "2030-01-01T00:00:00"])
    assert naive.exit_code == 2 and "timezone" in naive.output


def test_recheck_days_are_read_and_checked() -> None:
    assert Settings.from_env({"COMPLIANCE_RECHECK_DAYS": "1, 3,10"}).recheck_days == (1, 3, 10)
    for bad in ((7, 2), (0, 3), (2, 2)):
        with pytest.raises(ConfigurationError, match="recheck_days"):
            Settings(recheck_days=bad)
