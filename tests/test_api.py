"""Tests of the JSON API (web/api/): keys and scopes, checks, findings, articles, problems, limits."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner
from factories import excerpt, fixture_bodies, page_with
from sites import LoopbackServer, NetworkGuard, SiteServer

from compliance.cli import main
from web import close_archive, create_app, get_archive

if TYPE_CHECKING:
    from databases import Databases
    from flask import Flask
    from flask.testing import FlaskClient
    from werkzeug.test import TestResponse

PROBLEM = "application/problem+json"
POLL_SECONDS = 20.0  # a bound on waiting for a background check, not a timing assertion
# An article of ours that the fixture archive does not hold, written for these tests.
NEW_BODY = (
    "Le conseil municipal de Béni Ksila a voté mardi soir la création d'une réserve ornithologique "
    "sur les marais de l'oued Dass, où hivernent chaque année plusieurs milliers de flamants roses.\n\n"
    "Le projet, porté depuis six ans par une association de naturalistes du village, prévoit de "
    "fermer deux pistes aux quads, de replanter des tamaris le long des berges et d'installer trois "
    "observatoires en bois ouverts aux écoles de la wilaya.\n\n"
    "Les pêcheurs de l'embouchure craignaient de perdre l'accès à leurs barques ; le maire leur a "
    "promis un chemin réservé, balisé avant l'été, et un droit de passage inscrit dans l'arrêté."
)


@pytest.fixture
def api_app(tmp_path: Path, databases: Databases, clean_env: None, site: SiteServer) -> Iterator[Flask]:
    """The web app on a copy of the seeded archive; the fixture site on 127.0.0.1 may be fetched."""
    app = create_app(
        {
            "TESTING": True,
            **databases.seeded(tmp_path / "api"),
            "COMPLIANCE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{site.port}",
            "COMPLIANCE_WEBHOOK_SECRET": "un secret partagé",
            "COMPLIANCE_READ_TIMEOUT": 5.0,
        }
    )
    yield app
    close_archive(app)


@pytest.fixture
def api(api_app: Flask) -> FlaskClient:
    return api_app.test_client()


@pytest.fixture
def key_for(api_app: Flask) -> Callable[..., str]:
    """A new API key with the given scopes (made through the archive, as the CLI does)."""

    def make(*scopes: str, name: str = "test") -> str:
        with api_app.app_context():
            return get_archive().api_keys.create(name, scopes)[1]

    return make


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def assert_problem(response: TestResponse, status: int, kind: str | None = None) -> dict[str, Any]:
    """The response is an RFC 9457 problem with `status` (and problem type `kind`)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = json.loads(response.get_data(as_text=True))
    assert {"type", "title", "status", "detail"} <= set(body)
    assert body["status"] == status
    if kind is not None:
        assert body["type"].endswith("/" + kind)
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "<html" not in text.lower()
    return body


def wait_for_job(api: FlaskClient, key: str, location: str) -> dict[str, Any]:
    deadline = time.monotonic() + POLL_SECONDS
    while time.monotonic() < deadline:
        job = api.get(location, headers=bearer(key)).get_json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"the job at {location} did not finish")


# --- keys and scopes: the must-show flow ------------------------------------------------------


def test_a_new_key_checks_a_fixture_url_and_reads_the_finding_others_are_refused(
    api_app: Flask, api: FlaskClient, site: SiteServer, runner: CliRunner
) -> None:
    env = {"COMPLIANCE_DATABASE_URL": api_app.config["COMPLIANCE_DATABASE_URL"]}
    created = runner.invoke(
        main, ["apikeys", "create", "--name", "cms", "--scope", "check,read", "--json"], env=env
    )
    assert created.exit_code == 0, created.output
    key = json.loads(created.output)["key"]

    checked = api.post("/api/v1/checks", json={"url": f"{site.url}/article-copy.html"}, headers=bearer(key))
    assert checked.status_code == 200, checked.get_data(as_text=True)
    report = checked.get_json()
    assert report["url"] == f"{site.url}/article-copy.html" and report["capture"]["sha256"]
    [match] = report["matches"]
    assert match["new"] is True and match["passages"] and match["verdict"]

    finding = api.get(f"/api/v1/findings/{match['finding']}", headers=bearer(key)).get_json()
    assert finding["id"] == match["finding"] and finding["verdict"] == match["verdict"]
    assert finding["passages"] == match["passages"] and finding["reasons"]
    assert [s["status"] for s in finding["sightings"]] == ["new"]
    assert finding["capture"]["id"] == report["capture"]["id"]

    url = f"/api/v1/findings/{match['finding']}"
    assert_problem(api.get(url), 401, "unauthorized")
    assert_problem(api.get(url, headers=bearer("cpk_not-a-key")), 401, "unauthorized")
    revoked = runner.invoke(main, ["apikeys", "revoke", str(json.loads(created.output)["id"])], env=env)
    assert revoked.exit_code == 0, revoked.output
    assert_problem(api.get(url, headers=bearer(key)), 401, "unauthorized")
    ingest_only = json.loads(
        runner.invoke(
            main, ["apikeys", "create", "--name", "cms", "--scope", "ingest", "--json"], env=env
        ).output
    )["key"]
    assert_problem(api.get(url, headers=bearer(ingest_only)), 403, "forbidden")
    assert_problem(api.post("/api/v1/checks", json={"text": "x"}, headers=bearer(ingest_only)), 403)


def test_admin_may_do_everything_and_last_use_is_recorded(
    api_app: Flask, api: FlaskClient, key_for: Any
) -> None:
    key = key_for("admin")
    assert api.get("/api/v1/findings", headers=bearer(key)).status_code == 200
    with api_app.app_context():
        [stored] = get_archive().api_keys.list()
    assert stored.last_used_at is not None and stored.prefix == key[:10]


# --- checks ----------------------------------------------------------------------------------------


def test_a_text_check_answers_as_check_json_and_stores_findings(api: FlaskClient, key_for: Any) -> None:
    key = key_for("check", "read")
    text = page_with(excerpt(fixture_bodies()[3], 120, start=20))
    first = api.post(
        "/api/v1/checks", json={"text": text, "name": "revue.txt"}, headers=bearer(key)
    ).get_json()
    assert first["page"]["kind"] == "text" and first["page"]["name"] == "revue.txt"
    [match] = first["matches"]
    assert match["new"] is True and match["coverage"] > 0 and match["article"]["url"]
    again = api.post("/api/v1/checks", json={"text": text}, headers=bearer(key)).get_json()
    assert again["matches"][0]["finding"] == match["finding"] and again["matches"][0]["new"] is False


def test_a_text_with_a_nul_character_is_checked_on_either_database(api: FlaskClient, key_for: Any) -> None:
    """PostgreSQL refuses NUL in text: it becomes U+FFFD, as in a fetched page (schemathesis found it)."""
    key = key_for("check", "read")
    text = page_with(excerpt(fixture_bodies()[3], 120, start=20)) + "\x00 fin"
    answer = api.post("/api/v1/checks", json={"text": text, "name": "a\x00b.txt"}, headers=bearer(key))
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["page"]["name"] == "a\ufffdb.txt" and len(body["matches"]) == 1


def test_a_file_upload_is_checked(api: FlaskClient, key_for: Any) -> None:
    key = key_for("check")
    body = page_with(excerpt(fixture_bodies()[3], 120, start=20)).encode("utf-8")
    response = api.post(
        "/api/v1/checks",
        data={"file": (__import__("io").BytesIO(body), "copie.txt")},
        headers=bearer(key),
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert report["file"] == "copie.txt" and report["page"]["kind"] == "file" and report["matches"]


def test_a_new_article_is_found_by_the_next_check_without_restart(api: FlaskClient, key_for: Any) -> None:
    key = key_for("check", "ingest", "read")
    before = api.post("/api/v1/checks", json={"text": page_with(NEW_BODY)}, headers=bearer(key)).get_json()
    assert before["matches"] == []
    article = {
        "url": "https://www.gazette-littoral.example/env/reserve-oued-dass",
        "body": NEW_BODY,
        "title": "Une réserve pour les flamants de l'oued Dass",
        "published_at": "2024-05-02T08:00:00",
    }
    created = api.post("/api/v1/articles", json=article, headers=bearer(key))
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.get_json()["status"] == "ingested"
    after = api.post("/api/v1/checks", json={"text": page_with(NEW_BODY)}, headers=bearer(key)).get_json()
    assert [m["article"]["id"] for m in after["matches"]] == [created.get_json()["id"]]


def test_a_slow_url_check_answers_202_and_calls_back_a_signed_webhook(
    tmp_path: Path, databases: Databases, clean_env: None, site: SiteServer
) -> None:
    received: list[tuple[dict[str, str], bytes]] = []
    done = threading.Event()

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append((dict(self.headers.items()), body))
            self.send_response(204)
            self.end_headers()
            done.set()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    hook = LoopbackServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=hook.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    app = create_app(
        {
            **databases.seeded(tmp_path / "slow"),
            "COMPLIANCE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{site.port},127.0.0.1:{hook.server_address[1]}",
            "COMPLIANCE_WEBHOOK_SECRET": "un secret partagé",
            "COMPLIANCE_API_CHECK_WAIT": 0.0,  # every URL check becomes a job
        }
    )
    try:
        with app.app_context():
            key = get_archive().api_keys.create("crawler", ["check"])[1]
        client = app.test_client()
        url = f"{site.url}/article-copy.html"
        hook_url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
        accepted = client.post(
            "/api/v1/checks", json={"url": url, "webhook_url": hook_url}, headers=bearer(key)
        )
        assert accepted.status_code == 202, accepted.get_data(as_text=True)
        assert accepted.get_json()["state"] in ("pending", "running")
        job = wait_for_job(client, key, accepted.headers["Location"])
        assert job["state"] == "done" and job["result"]["matches"] and job["problem"] is None
        assert done.wait(POLL_SECONDS)
    finally:
        close_archive(app)
        hook.shutdown()
        hook.server_close()
    [(headers, body)] = received
    expected = hmac.new("un secret partagé".encode(), body, hashlib.sha256).hexdigest()
    assert headers["X-Compliance-Signature"] == f"sha256={expected}"
    assert json.loads(body)["id"] == job["id"] and json.loads(body)["state"] == "done"


def test_a_webhook_to_an_unsafe_address_is_refused_before_any_job(
    api: FlaskClient, key_for: Any, site: SiteServer
) -> None:
    body = {"url": f"{site.url}/article-copy.html", "webhook_url": "http://169.254.169.254/hook"}
    assert_problem(
        api.post("/api/v1/checks", json=body, headers=bearer(key_for("check"))), 422, "fetch-refused"
    )
    assert site.seen == []


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/",
        "http://10.0.0.1/",
        "http://169.254.169.254/latest/meta-data/",
        "file:///etc/passwd",
        "http://[::1]/",
        "http://2130706433/",
    ],
)
def test_ssrf_attempts_are_refused_and_nothing_is_fetched_or_kept(
    api_app: Flask, api: FlaskClient, key_for: Any, guard: NetworkGuard, url: str
) -> None:
    before = len(guard.connections)
    body = assert_problem(
        api.post("/api/v1/checks", json={"url": url}, headers=bearer(key_for("check"))), 422, "fetch-refused"
    )
    assert "refused" in body["detail"]
    assert guard.connections[before:] == []
    with api_app.app_context():
        assert get_archive().store.list_captures() == []


# --- findings --------------------------------------------------------------------------------------


def test_findings_are_listed_with_filters_and_a_cursor(api: FlaskClient, key_for: Any) -> None:
    key = key_for("check", "read")
    ids = []
    for number in (1, 3, 5):
        text = page_with(excerpt(fixture_bodies()[number], 150, start=10))
        ids += [
            m["finding"]
            for m in api.post("/api/v1/checks", json={"text": text}, headers=bearer(key)).get_json()[
                "matches"
            ]
        ]
    assert len(ids) >= 3
    pages, cursor = [], 0
    while cursor is not None:
        page = api.get(f"/api/v1/findings?limit=1&cursor={cursor}", headers=bearer(key)).get_json()
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
    assert [i for page in pages for i in page] == sorted(ids) and all(len(p) == 1 for p in pages)

    first = api.get(f"/api/v1/findings/{ids[0]}", headers=bearer(key)).get_json()
    by_article = api.get(f"/api/v1/findings?article={first['article_id']}", headers=bearer(key)).get_json()
    assert [item["id"] for item in by_article["items"]] == [ids[0]]
    verdict = api.get(f"/api/v1/findings?verdict={first['verdict']}", headers=bearer(key)).get_json()
    assert ids[0] in [item["id"] for item in verdict["items"]]
    assert all(item["verdict"] == first["verdict"] for item in verdict["items"])
    assert (
        api.get("/api/v1/findings?severity=critical&verdict=snippet", headers=bearer(key)).get_json()["items"]
        == []
    )
    assert api.get("/api/v1/findings?domain=ailleurs.example", headers=bearer(key)).get_json()["items"] == []
    assert (
        api.get("/api/v1/findings?since=2999-01-01T00:00:00Z", headers=bearer(key)).get_json()["items"] == []
    )
    later = api.get("/api/v1/findings?until=2999-01-01T00:00:00%2B01:00", headers=bearer(key)).get_json()
    assert len(later["items"]) == len(ids)
    assert_problem(api.get("/api/v1/findings?since=2024-01-01T00:00:00", headers=bearer(key)), 422)
    assert_problem(api.get("/api/v1/findings/999999", headers=bearer(key)), 404, "not-found")


@pytest.mark.parametrize("path", ["/api/v1/articles/{id}", "/api/v1/findings/{id}"])
def test_an_id_larger_than_any_column_holds_is_not_found(
    api: FlaskClient, key_for: Callable[..., str], path: str
) -> None:
    """PostgreSQL refuses an id over its integer range where SQLite finds nothing: 404 on both."""
    key = key_for("read")
    for huge in (2**31, 2**40, 2**62):
        assert_problem(api.get(path.format(id=huge), headers=bearer(key)), 404, "not-found")


# --- articles --------------------------------------------------------------------------------------


def test_articles_are_created_replaced_read_and_deleted(api: FlaskClient, key_for: Any) -> None:
    key = key_for("ingest", "read")
    url = "https://www.gazette-littoral.example/env/reserve"
    created = api.post(
        "/api/v1/articles", json={"url": url, "body": NEW_BODY}, headers=bearer(key)
    ).get_json()
    article_id = created["id"]
    again = api.post("/api/v1/articles", json={"url": url, "body": NEW_BODY}, headers=bearer(key))
    assert again.status_code == 200 and again.get_json()["status"] == "unchanged"
    replaced = api.put(
        f"/api/v1/articles/{article_id}", json={"body": NEW_BODY + "\n\nMis à jour."}, headers=bearer(key)
    )
    assert replaced.status_code == 200 and replaced.get_json()["status"] == "updated"
    read = api.get(f"/api/v1/articles/{article_id}", headers=bearer(key)).get_json()
    assert read["url"] == url and read["body"].endswith("Mis à jour.")
    moved = api.put(
        f"/api/v1/articles/{article_id}", json={"url": url + "-2", "body": "x"}, headers=bearer(key)
    )
    assert_problem(moved, 422, "invalid-input")
    assert api.delete(f"/api/v1/articles/{article_id}", headers=bearer(key)).status_code == 204
    assert_problem(api.get(f"/api/v1/articles/{article_id}", headers=bearer(key)), 404, "not-found")


@pytest.mark.parametrize(
    ("article", "message"),
    [
        ({"url": "https://x.example/a", "body": "   "}, "field 'body' must be a non-empty string"),
        ({"url": "https://x.example/a", "body": "Texte.", "published_at": "mardi"}, "not an ISO 8601 date"),
    ],
)
def test_articles_are_checked_as_ingest_checks_records(
    api: FlaskClient, key_for: Any, article: dict[str, Any], message: str
) -> None:
    body = assert_problem(api.post("/api/v1/articles", json=article, headers=bearer(key_for("ingest"))), 422)
    assert message in body["detail"]


def test_a_request_that_fails_validation_says_which_field(api: FlaskClient, key_for: Any) -> None:
    response = api.post(
        "/api/v1/articles", json={"url": "https://x.example/a"}, headers=bearer(key_for("ingest"))
    )
    body = assert_problem(response, 422, "invalid-input")
    assert "body" in body["errors"]["json"]


# --- problems everywhere ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "status"),
    [
        ("get", "/api/v1/nothing-here", {}, 404),
        ("patch", "/api/v1/checks", {}, 405),
        ("post", "/api/v1/checks", {"data": "texte", "content_type": "text/plain"}, 415),
        ("post", "/api/v1/checks", {"json": {"url": "https://a.example", "text": "b"}}, 422),
        ("post", "/api/v1/checks", {"data": "{nope", "content_type": "application/json"}, 400),
        ("get", "/api/v1/findings?limit=0", {}, 422),
        ("get", "/api/v1/findings/abc", {}, 404),
    ],
)
def test_errors_are_problem_details(
    api: FlaskClient, key_for: Any, method: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    response = getattr(api, method)(path, headers=bearer(key_for("admin")), **kwargs)
    assert_problem(response, status)
    if status == 405:
        assert "POST" in response.headers["Allow"]


def test_a_request_too_large_is_a_413_problem(tmp_path: Path, databases: Databases, clean_env: None) -> None:
    app = create_app(
        {
            **databases.empty(tmp_path),
            "COMPLIANCE_API_MAX_REQUEST_BYTES": 1000,
        }
    )
    try:
        with app.app_context():
            key = get_archive().api_keys.create("big", ["check"])[1]
        response = app.test_client().post("/api/v1/checks", json={"text": "mot " * 1000}, headers=bearer(key))
        assert_problem(response, 413, "too-large")
    finally:
        close_archive(app)


def test_an_unexpected_error_is_a_500_problem_without_its_text(
    api_app: Flask, key_for: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    api_app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler answers
    key = key_for("read")
    with api_app.app_context():
        archive = get_archive()

    def broken(*args: Any) -> Any:
        raise RuntimeError("secret internals at /srv/db")

    monkeypatch.setattr(archive, "find_findings", broken)
    with caplog.at_level(logging.ERROR):
        response = api_app.test_client().get("/api/v1/findings", headers=bearer(key))
    body = assert_problem(response, 500, "internal")
    assert "secret internals" not in response.get_data(as_text=True) and "log" in body["detail"]
    assert "secret internals" in caplog.text


def test_the_dashboard_side_keeps_html_errors(api: FlaskClient) -> None:
    response = api.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_keys_never_appear_in_logs(api: FlaskClient, key_for: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        key = key_for("check", "ingest")
        api.post("/api/v1/checks", json={"text": page_with(NEW_BODY)}, headers=bearer(key))
        api.post(
            "/api/v1/articles", json={"url": "https://x.example/log", "body": NEW_BODY}, headers=bearer(key)
        )
    assert "API write by key" in caplog.text and "create article" in caplog.text
    assert key not in caplog.text and key[10:20] not in caplog.text


# --- rate limits and health ------------------------------------------------------------------------


def limited_app(databases: Databases, tmp_path: Path, **config: Any) -> Flask:
    return create_app(
        {
            **databases.empty(tmp_path),
            "COMPLIANCE_API_RATE_LIMIT": "2/minute",
            **config,
        }
    )


def assert_limited_per_key(app: Flask) -> None:
    with app.app_context():
        first, second = (get_archive().api_keys.create(n, ["read"])[1] for n in ("a", "b"))
    client = app.test_client()
    statuses = [client.get("/api/v1/findings", headers=bearer(first)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get("/api/v1/findings", headers=bearer(first))
    assert_problem(limited, 429, "rate-limited")
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get("/api/v1/findings", headers=bearer(second)).status_code == 200  # per key
    assert client.get("/api/v1/healthz").status_code == 200  # health is not limited


def test_requests_over_the_rate_limit_get_429_with_retry_after(
    tmp_path: Path, databases: Databases, clean_env: None
) -> None:
    app = limited_app(databases, tmp_path)
    try:
        assert_limited_per_key(app)
    finally:
        close_archive(app)


def test_rate_limits_are_counted_in_redis_when_configured(
    tmp_path: Path, databases: Databases, clean_env: None, redis_url: str
) -> None:
    app = limited_app(databases, tmp_path, COMPLIANCE_RATELIMIT_STORAGE_URL=redis_url)
    try:
        limiter = app.extensions["compliance_limiter"]
        limiter.reset()
        assert_limited_per_key(app)
        assert type(limiter.storage).__name__ == "RedisStorage"
    finally:
        app.extensions["compliance_limiter"].reset()
        close_archive(app)


def test_a_bad_rate_limit_fails_the_factory(tmp_path: Path, databases: Databases, clean_env: None) -> None:
    from compliance.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="api_rate_limit"):
        limited_app(databases, tmp_path, COMPLIANCE_API_RATE_LIMIT="often")


def test_healthz_reports_database_and_index(api: FlaskClient) -> None:
    body = api.get("/api/v1/healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["index"] == "ok"
    assert body["articles"] == 25


def test_healthz_is_a_503_problem_when_the_database_fails(
    api_app: Flask, api: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from compliance.errors import StorageError

    def broken() -> int:
        raise StorageError("database read failed: could not connect to server db.internal")

    with api_app.app_context():
        monkeypatch.setattr(get_archive().store, "count_articles", broken)
    response = api.get("/api/v1/healthz")
    assert_problem(response, 503, "storage")
    assert "db.internal" not in response.get_data(as_text=True)


def test_api_write_log_names_the_key(
    api: FlaskClient, key_for: Any, caplog: pytest.LogCaptureFixture
) -> None:
    key = key_for("ingest", name="cms-prod")
    with caplog.at_level(logging.INFO, logger="web.api.auth"):
        api.post(
            "/api/v1/articles", json={"url": "https://x.example/n", "body": NEW_BODY}, headers=bearer(key)
        )
    assert "(cms-prod): create article" in caplog.text
