"""The dashboard in a real browser (Debian's Chromium, headless, through pytest-playwright).

One walk through the legal team's day: sign in, filter the inbox, open a site and a finding, see
the reproduced passages highlighted and linked in both texts, look at the captured page (a hostile
one: its script tries to rewrite the dashboard and read its cookie, and nothing happens), open a
case, confirm it, draft a notice (analyst) and approve it (legal), download the evidence pack and
verify it. With COMPLIANCE_SCREENSHOTS=folder (`make screenshots`), the main pages are saved there.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import unavailable
from dashboard import NAMES, PASSWORDS
from werkzeug.serving import make_server

from compliance.pipeline import verify_pack
from compliance.records import Role
from web import close_archive, create_app, get_archive

if TYPE_CHECKING:
    from databases import Databases
    from flask import Flask
    from playwright.sync_api import Page

CHROMIUM = "/usr/bin/chromium"
HOSTILE = Path(__file__).resolve().parent.parent / "fixtures" / "demo-site" / "copies.example" / "cinema.html"
SHOTS = os.environ.get("COMPLIANCE_SCREENSHOTS", "")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not Path(CHROMIUM).is_file():
        unavailable(f"{CHROMIUM} is missing: run `make browser`")
    return {**browser_type_launch_args, "executable_path": CHROMIUM}


@pytest.fixture
def app(tmp_path: Path, databases: Databases, clean_env: None) -> Iterator[Flask]:
    """The web app on a copy of the seeded archive, with a sender for notices."""
    app = create_app(
        {
            "TESTING": True,
            **databases.seeded(tmp_path / "app"),
            "COMPLIANCE_PUBLISHER_NAME": "La Gazette du Littoral",
            "COMPLIANCE_PUBLISHER_CONTACT": "juridique@gazette-littoral.example",
        }
    )
    yield app
    close_archive(app)


@pytest.fixture
def live(
    app: Flask, users: dict, seeded_findings: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The app served on 127.0.0.1 (a free port), with a hostile page checked as a file."""
    with app.app_context():
        get_archive().record_file(str(HOSTILE))
    # HTTPServer.server_bind asks socket.getfqdn, a reverse lookup the network guard refuses.
    monkeypatch.setattr(socket, "getfqdn", lambda name="": name or "localhost")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def shot(page: Page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def sign_in(page: Page, base: str, role: Role) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", NAMES[role])
    page.fill("input[name=password]", PASSWORDS[role])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")


def sign_out(page: Page) -> None:
    page.click("header form button")
    page.wait_for_url("**/login")


def test_the_legal_teams_day(page: Page, live: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live}/login")
    shot(page, "login")
    sign_in(page, live, Role.LEGAL)
    assert page.locator("h1").first.inner_text() == "Constats"  # French by default
    shot(page, "inbox")

    # Filter the inbox: full reproductions only.
    page.check("input[name=verdict][value=full_reproduction]")
    page.click(".filters button[type=submit]")
    page.wait_for_url("**verdict=full_reproduction**")
    sites = page.locator("li.site")
    assert sites.count() >= 1
    assert page.locator("li.site .verdict-short_quotation").count() == 0

    # Open the site of the hostile copy (a submitted file: "Textes et fichiers soumis").
    site = sites.filter(has_text="soumis")
    site.locator("summary").click()
    link = site.locator("table a", has_text="Rivoli")
    link.wait_for()
    link.click()
    page.wait_for_url("**/findings/*")

    # Both texts highlighted, passages linked: a click on one scrolls the other to it.
    assert page.locator("[data-side=article] mark.passage").count() >= 1
    assert page.locator("[data-side=page] mark.passage").count() >= 1
    page.locator("#page-p1").click()
    assert "current" in (page.locator("#article-p1").get_attribute("class") or "")

    # The captured page: its script would rewrite the dashboard and read its cookie.
    title, cookies = page.title(), page.context.cookies()
    page.locator(".captured summary").click()
    frame_element = page.locator(".captured iframe")
    frame_element.wait_for()
    assert frame_element.get_attribute("sandbox") == ""
    page.wait_for_timeout(500)  # let the frame load; its script, if it could run, would run now
    frame = frame_element.content_frame
    assert frame is not None and frame.locator("#pwned").count() == 0  # the script did not run
    assert page.title() == title and "PWNED" not in page.content()
    assert page.context.cookies() == cookies
    shot(page, "finding")

    # Open a case for this finding, review and confirm it.
    page.click("text=Ouvrir un dossier")
    page.wait_for_url("**/cases/*")
    case_url = page.url
    page.click("button[value=under_review]")
    page.click("button[value=confirmed]")
    assert page.locator("#case-state").inner_text() == "Confirmé"
    sign_out(page)

    # The analyst drafts the notice…
    sign_in(page, live, Role.ANALYST)
    page.goto(case_url)
    page.select_option("#draft-notice select[name=kind]", "formal_notice")
    page.fill("#draft-notice input[name=recipient]", "contact@copies.example")
    page.click("#draft-notice button[type=submit]")
    page.wait_for_url("**/notices/*")
    notice_url = page.url
    assert page.locator("#approve").count() == 0  # an analyst cannot approve
    sign_out(page)

    # …and the legal reviewer approves it.
    sign_in(page, live, Role.LEGAL)
    page.goto(notice_url)
    page.click("#approve")
    assert page.locator("#notice-state").inner_text() == "Approuvée"
    shot(page, "notice")

    # The evidence pack, downloaded in one click and verified.
    page.goto(case_url)
    shot(page, "case")
    with page.expect_download() as download:
        page.click("#download-pack")
    pack = tmp_path / "pack.zip"
    download.value.save_as(pack)
    assert verify_pack(pack).ok

    page.goto(f"{live}/overview")
    page.wait_for_timeout(300)
    shot(page, "overview")
    page.goto(f"{live}/check")
    shot(page, "check")
