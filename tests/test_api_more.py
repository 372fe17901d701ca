"""Tests of the JSON API's sites, scans and cases (web/api/sites.py, scans.py, cases.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from factories import excerpt, fixture_bodies, page_with
from test_api import assert_problem, bearer
from watched import WatchedSite, planted_site, serve_watched

from compliance.records import Actor, Role
from web import close_archive, create_app, get_archive

if TYPE_CHECKING:
    from databases import Databases
    from flask import Flask
    from flask.testing import FlaskClient


@pytest.fixture
def watched() -> Iterator[WatchedSite]:
    with serve_watched() as site:
        planted_site(site)
        yield site


@pytest.fixture
def api_app(tmp_path: Path, databases: Databases, clean_env: None, watched: WatchedSite) -> Iterator[Flask]:
    """The web app on a copy of the seeded archive; the watched site on 127.0.0.1 may be fetched."""
    app = create_app(
        {
            "TESTING": True,
            **databases.seeded(tmp_path / "api"),
            "COMPLIANCE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{watched.port}",
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
    def make(*scopes: str) -> str:
        with api_app.app_context():
            return get_archive().api_keys.create("test", scopes)[1]

    return make


def add_site(api: FlaskClient, key: str, **body: Any) -> Any:
    return api.post("/api/v1/sites", json=body, headers=bearer(key))


def test_a_site_added_is_listed(api: FlaskClient, key_for: Any) -> None:
    admin = key_for("admin")
    response = add_site(api, admin, name="copieur", seeds=["https://copieur.example/"], delay=0.5)
    assert response.status_code == 201, response.get_data(as_text=True)
    added = response.get_json()
    assert added["name"] == "copieur" and added["domains"] == ["copieur.example"] and added["delay"] == 0.5
    listed = api.get("/api/v1/sites", headers=bearer(key_for("read"))).get_json()["items"]
    assert added in listed


def test_a_bad_or_taken_site_is_a_422_problem(api: FlaskClient, key_for: Any) -> None:
    admin = key_for("admin")
    assert_problem(add_site(api, admin, name="x", seeds=["ftp://nope"]), 422)
    assert_problem(add_site(api, admin, name="x", seeds=["https://x.example/"], schedule="sometimes"), 422)
    assert_problem(add_site(api, admin, name="bad name", seeds=["https://x.example/"]), 422)
    assert add_site(api, admin, name="x", seeds=["https://x.example/"]).status_code == 201
    assert_problem(add_site(api, admin, name="x", seeds=["https://y.example/"]), 422)
    names = [s["name"] for s in api.get("/api/v1/sites", headers=bearer(admin)).get_json()["items"]]
    assert names.count("x") == 1


def test_sites_need_their_scopes(api: FlaskClient, key_for: Any) -> None:
    reader = key_for("read")
    assert_problem(add_site(api, reader, name="x", seeds=["https://x.example/"]), 403)
    assert_problem(api.get("/api/v1/sites", headers=bearer(key_for("check"))), 403)


def test_a_scan_runs_and_its_record_is_read(api: FlaskClient, key_for: Any, watched: WatchedSite) -> None:
    admin = key_for("admin")
    response = add_site(api, admin, name="fixture", seeds=[watched.url + "/"], delay=0, depth=1, page_limit=5)
    assert response.status_code == 201, response.get_data(as_text=True)
    response = api.post("/api/v1/scans", json={"sites": ["fixture"]}, headers=bearer(admin))
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    (done,) = report["sites"]
    assert done["site"] == "fixture" and done["scan"] is not None and done["counts"]["fetched"] >= 1
    record = api.get(f"/api/v1/scans/{done['scan']}", headers=bearer(key_for("read")))
    assert record.status_code == 200, record.get_data(as_text=True)
    body = record.get_json()
    assert body["id"] == done["scan"] and body["site"] == "fixture" and body["state"] == done["state"]
    assert body["counts"]["fetched"] == done["counts"]["fetched"]
    assert len(body["pages"]) == sum(body["counts"].values()) >= 1


def test_scans_refuse_unknown_sites_and_scans_and_missing_scopes(api: FlaskClient, key_for: Any) -> None:
    admin = key_for("admin")
    assert_problem(api.post("/api/v1/scans", json={"sites": ["nowhere"]}, headers=bearer(admin)), 404)
    assert_problem(api.get("/api/v1/scans/999999", headers=bearer(admin)), 404)
    reader = key_for("read")
    assert_problem(api.post("/api/v1/scans", json={"sites": ["nowhere"]}, headers=bearer(reader)), 403)
    assert_problem(api.get("/api/v1/scans/1", headers=bearer(key_for("check"))), 403)


def test_cases_are_listed_and_read_with_their_history(api_app: Flask, api: FlaskClient, key_for: Any) -> None:
    with api_app.app_context():
        archive = get_archive()
        report = archive.record_text(page_with(excerpt(fixture_bodies()[3], 120, start=20)))
        finding = report.recorded[0].finding_id
        case = archive.cases.open(Actor("ana", Role.ANALYST), finding_ids=[finding], title="copie")
    reader = key_for("read")
    listed = api.get("/api/v1/cases", headers=bearer(reader)).get_json()["items"]
    assert case.id in [c["id"] for c in listed]
    response = api.get(f"/api/v1/cases/{case.id}", headers=bearer(reader))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["title"] == "copie" and body["findings"] == [finding]
    assert [event["kind"] for event in body["history"]] == ["opened"]


def test_cases_refuse_unknown_ids_and_missing_scopes(api: FlaskClient, key_for: Any) -> None:
    assert_problem(api.get("/api/v1/cases/999999", headers=bearer(key_for("read"))), 404)
    checker = key_for("check")
    assert_problem(api.get("/api/v1/cases", headers=bearer(checker)), 403)
    assert_problem(api.get("/api/v1/cases/1", headers=bearer(checker)), 403)


def test_every_api_write_is_in_the_audit_chain(api_app: Flask, api: FlaskClient, key_for: Any) -> None:
    """A write through the API leaves a hash-chained entry naming the key, and the chain holds."""
    assert (
        add_site(api, key_for("admin"), name="audite", seeds=["https://audite.example/"]).status_code == 201
    )
    legal = Actor("juriste", Role.LEGAL)
    with api_app.app_context():
        entries = get_archive().audit.entries(legal)
        check = get_archive().audit.verify(legal)
    [write] = [e for e in entries if e.actor == "api:test"]
    assert write.action == "api.add_site" and check.ok
