"""The dashboard's defences: CSRF on every form, security headers on every response (error pages
included), cookie flags, the lock after five wrong passwords, and captured pages in a sandbox."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from dashboard import NAMES, PASSWORDS, post, sign_in, token

from compliance.records import Role
from web import close_archive, create_app, get_archive

if TYPE_CHECKING:
    from databases import Databases
    from flask import Flask
    from flask.testing import FlaskClient

SAMPLE = {"case_id": "world:case", "notice_id": "world:notice", "finding_id": "world:finding"}


def post_routes(app: Flask, world: dict[str, int]) -> list[str]:
    """Every URL of the app that takes a POST, with real ids filled in."""
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" in (rule.methods or ()) and not rule.rule.startswith("/api/"):  # bearer keys, no cookie
            values = {arg: world[SAMPLE[arg].split(":")[1]] for arg in rule.arguments}
            urls.append(rule.build(values)[1])  # type: ignore[index]
    return sorted(urls)


def test_every_form_refuses_a_request_without_a_valid_csrf_token(
    app: Flask, client: FlaskClient, world: dict[str, int]
) -> None:
    sign_in(client, Role.LEGAL)
    urls = post_routes(app, world)
    assert {"/login", "/logout", "/inbox/bulk", "/check", f"/cases/{world['case']}/move"} <= set(urls)
    for url in urls:
        for data in ({}, {"csrf_token": "forged"}):
            form = {**data, "action": "dismiss_licensed", "finding": world["finding"]}
            response = client.post(url, data=form)
            assert response.status_code == 400, url
            assert "CSRF" in response.get_data(as_text=True), url
    with app.app_context():
        [line] = get_archive().finding_lines_of([world["finding"]])
    assert line.state == "open"  # nothing was set aside
    assert client.get("/").status_code == 200  # still signed in: /logout refused too


def test_a_valid_token_is_accepted(client: FlaskClient, world: dict[str, int]) -> None:
    sign_in(client, Role.LEGAL)
    response = post(client, f"/findings/{world['finding']}/review", {"reason": "quotation"})
    assert response.status_code == 302


HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def assert_secure(response) -> None:  # type: ignore[no-untyped-def]
    policy = response.headers.get("Content-Security-Policy", "")
    assert "frame-ancestors" in policy and "default-src" in policy, policy
    assert "'unsafe-inline'" not in policy.split("script-src")[-1].split(";")[0]
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, name


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/login", 200),
        ("get", "/", 302),  # to /login
        ("get", "/no-such-page", 404),
        ("post", "/login", 400),  # no CSRF token
        ("get", "/healthz", 200),
        ("get", "/static/app.css", 200),
        ("delete", "/login", 405),
        ("get", "/boom", 500),
    ],
)
def test_security_headers_on_every_response(app: Flask, method: str, path: str, status: int) -> None:
    def boom() -> str:
        raise RuntimeError("a bug")

    app.add_url_rule("/boom", "boom", boom)
    response = getattr(app.test_client(), method)(path)
    assert response.status_code == status
    assert_secure(response)
    if status >= 400:
        assert "a bug" not in response.get_data(as_text=True)
    response.close()  # a static file's response holds the file open


def test_signed_in_pages_and_their_errors_carry_the_headers(client: FlaskClient, users: dict) -> None:
    sign_in(client, Role.VIEWER)
    for path, status in (("/", 200), ("/users", 403), ("/findings/999999", 404)):
        response = client.get(path)
        assert response.status_code == status, path
        assert_secure(response)


def test_the_session_cookie_is_secure_httponly_and_samesite(
    tmp_path: Path, databases: Databases, clean_env: None
) -> None:
    app = create_app(databases.empty(tmp_path))
    try:
        client = app.test_client()
        cookies = client.get("/login").headers.getlist("Set-Cookie")
        [cookie] = [c for c in cookies if c.startswith("session=")]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie, cookie
    finally:
        close_archive(app)


def test_five_wrong_passwords_lock_the_account_for_a_while(
    app: Flask, client: FlaskClient, users: dict, monkeypatch: pytest.MonkeyPatch
) -> None:
    def attempt(password: str) -> int:
        data = {"name": NAMES[Role.LEGAL], "password": password, "csrf_token": token(client)}
        return client.post("/login", data=data).status_code

    assert [attempt("wrong-password") for _ in range(4)] == [401] * 4
    assert attempt("wrong-password") == 429  # the fifth locks
    assert attempt(PASSWORDS[Role.LEGAL]) == 429  # even the right password, while locked
    assert client.get("/").status_code == 302
    assert attempt(PASSWORDS[Role.LEGAL] + "x") == 429
    # another account is not locked
    other = {"name": NAMES[Role.VIEWER], "password": PASSWORDS[Role.VIEWER], "csrf_token": token(client)}
    assert client.post("/login", data=other).status_code == 302
    client.post("/logout", data={"csrf_token": token(client, "/check")})
    # a while later (the lock lasts login_lock_minutes), the right password works again
    import compliance.store as store_module

    later = store_module.now() + timedelta(minutes=16)
    monkeypatch.setattr(store_module, "now", lambda: later)
    assert attempt(PASSWORDS[Role.LEGAL]) == 302


def test_a_lock_is_stored_so_every_process_sees_it(app: Flask, users: dict) -> None:
    with app.app_context():
        archive = get_archive()
        for _ in range(5):
            archive.login_failed("lea")
        assert archive.store.login_locked_until("lea") is not None
        archive.login_succeeded("lea")
        assert archive.login_locked_until("lea") is None


def test_login_sends_only_to_pages_of_this_site(client: FlaskClient, users: dict) -> None:
    data = {"name": NAMES[Role.LEGAL], "password": PASSWORDS[Role.LEGAL], "csrf_token": token(client)}
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"


def test_the_captured_page_is_served_in_a_sandbox(
    app: Flask, client: FlaskClient, users: dict, tmp_path: Path
) -> None:
    sign_in(client, Role.VIEWER)
    page = tmp_path / "copie.html"
    page.write_text("<html><body><p>Texte</p><script>document.title='PWNED'</script></body></html>")
    with app.app_context():
        report = get_archive().record_file(str(page))
    assert report.capture is not None
    response = client.get(f"/captures/{report.capture.id}/page")
    assert response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    assert policy.startswith("sandbox;") and "default-src 'none'" in policy and "script-src" not in policy
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert b"<script>" in response.data  # evidence is kept as captured; the sandbox keeps it inert
