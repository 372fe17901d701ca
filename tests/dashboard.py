"""Fixtures and helpers for the dashboard's tests (a pytest plugin, named in conftest.py).

`users` adds one account per role to the app's archive; `sign_in(client, name)` signs in through
the real form (its CSRF token read from the page); `seeded_findings` checks a few fixture pages
so that the inbox has sites, findings and a capture with a hostile script.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from compliance.records import Role
from web import get_archive

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PASSWORDS = {role: f"{role.value}-password-1" for role in Role if role != Role.SYSTEM}
NAMES = {Role.ADMIN: "alice", Role.LEGAL: "lea", Role.ANALYST: "anis", Role.VIEWER: "victor"}
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def token(client: FlaskClient, path: str = "/login") -> str:
    """A CSRF token of the client's session, read from a form page."""
    found = TOKEN.search(client.get(path).get_data(as_text=True))
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def sign_in(client: FlaskClient, role: Role) -> FlaskClient:
    """Sign the client in as the user of `role`, through the login form."""
    response = client.post(
        "/login", data={"name": NAMES[role], "password": PASSWORDS[role], "csrf_token": token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def post(client: FlaskClient, path: str, data: dict | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
    """POST with the session's CSRF token."""
    return client.post(path, data={**(data or {}), "csrf_token": token(client, "/check")}, **kwargs)


@pytest.fixture
def users(app: Flask) -> dict[Role, str]:
    """One active account per role: alice (admin), lea (legal), anis (analyst), victor (viewer)."""
    with app.app_context():
        accounts = get_archive().users
        first = accounts.actor(None)
        for role, name in NAMES.items():
            accounts.add(
                first if role == Role.ADMIN else accounts.actor("alice"), name, role, PASSWORDS[role]
            )
    return NAMES


@pytest.fixture
def seeded_findings(app: Flask) -> Iterator[dict[str, int]]:
    """Findings from two fixture suspect texts; their ids by file name."""
    found: dict[str, int] = {}
    with app.app_context():
        archive = get_archive()
        for name in ("full_copy_boilerplate.txt", "short_quotation.txt", "arabic_excerpt.txt"):
            text = (FIXTURES / "suspects" / name).read_text(encoding="utf-8")
            report = archive.record_text(text, name=name)
            found[name] = report.recorded[0].finding_id
    yield found


@pytest.fixture
def world(app: Flask, users: dict[Role, str], seeded_findings: dict[str, int]) -> dict[str, int]:
    """A finding, its capture, a confirmed case over it and a draft notice: ids by name."""
    from compliance.records import Actor, CaseState, NoticeKind

    with app.app_context():
        archive = get_archive()
        legal = Actor("lea", Role.LEGAL)
        finding = seeded_findings["full_copy_boilerplate.txt"]
        case = archive.cases.open(legal, finding_ids=[finding])
        archive.cases.move(legal, case.id, CaseState.UNDER_REVIEW)
        archive.cases.move(legal, case.id, CaseState.CONFIRMED)
        notice = archive.notices.draft(Actor("anis", Role.ANALYST), case.id, NoticeKind.FORMAL_NOTICE, "fr")
        capture = archive.store.add_capture(_capture())
        scan = watched_scan(archive)
    ids = {"finding": finding, "case": case.id, "notice": notice.id, "capture": capture.id or 0}
    return {**ids, "scan": scan}


def watched_scan(archive) -> int:  # type: ignore[no-untyped-def]
    """A watched site and one finished scan of it: a page checked, one unchanged, one failed; its id."""
    from compliance.records import PageStatus, ScanPage, ScanState, ScanStep, Site

    site = archive.add_site(Site("copieur", ("https://copieur.example/",), schedule="every:6h"))
    scan, _ = archive.store.open_scan(site.id)
    outcomes = [
        ScanPage("https://copieur.example/a", PageStatus.FETCHED),
        ScanPage("https://copieur.example/b", PageStatus.UNCHANGED),
        ScanPage("https://copieur.example/c", PageStatus.FAILED, reason="HTTP 503 from the server"),
    ]
    for page in outcomes:
        archive.store.save_scan_page(ScanStep(scan.id, site.id, page))
    archive.store.finish_scan(scan.id, ScanState.COMPLETE, None, len(outcomes))
    return int(scan.id)


def _capture():  # type: ignore[no-untyped-def]
    """A submitted-file capture whose evidence file is absent (enough for routes that only look it up)."""
    from datetime import UTC, datetime

    from compliance.records import Capture, CaptureKind

    return Capture(
        sha256="00" * 32,
        warc_path="00/missing.warc.gz",
        kind=CaptureKind.FILE,
        requested_url="file:///x.html",
        final_url="file:///x.html",
        redirects=(),
        status=None,
        headers={},
        server_ip=None,
        fetched_at=datetime.now(UTC),
        tool_version="test",
        content_type="text/html",
        text="x",
    )
