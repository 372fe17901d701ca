"""Tests of web/: the app factory, its one Archive, and /healthz."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from factories import article_input, excerpt, fixture_bodies

from compliance.errors import ConfigurationError, StorageError
from web import close_archive, create_app, get_archive
from web.archive import settings_from_config

if TYPE_CHECKING:
    from databases import Databases
    from flask import Flask
    from flask.testing import FlaskClient

FIXTURE_ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "archive" / "articles.jsonl"


def fixture_article_count() -> int:
    urls = {json.loads(line)["url"] for line in FIXTURE_ARTICLES.read_text(encoding="utf-8").splitlines()}
    html = len(list((FIXTURE_ARTICLES.parent / "html").glob("*.html")))
    return len(urls) + html


def test_healthz_reports_the_database_with_its_article_count(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["articles"] == fixture_article_count() == 25


def test_healthz_sees_what_the_archive_stores(app: Flask, client: FlaskClient) -> None:
    with app.app_context():
        get_archive().ingest([article_input(), article_input()])
    assert client.get("/healthz").get_json()["articles"] == fixture_article_count() + 2


def test_healthz_is_503_when_the_database_fails(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> int:
        raise StorageError("database read failed: server closed the connection unexpectedly")

    with app.app_context():
        monkeypatch.setattr(get_archive().store, "count_articles", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body == {"status": "unavailable", "database": "unreachable", "version": body["version"]}
    assert "server closed" not in response.get_data(as_text=True)  # details go to the log only


def test_app_factory_takes_a_test_config(tmp_path: Path, databases: Databases, clean_env: None) -> None:
    config = databases.empty(tmp_path, "empty")
    url = config["COMPLIANCE_DATABASE_URL"]
    app = create_app({"TESTING": True, **config, "COMPLIANCE_MAX_CANDIDATES": 7})
    try:
        assert app.testing and app.config["COMPLIANCE_DATABASE_URL"] == url
        with app.app_context():
            settings = get_archive().settings
        assert (settings.database_url, settings.max_candidates) == (url, 7)
        assert app.test_client().get("/healthz").get_json()["articles"] == 0
    finally:
        close_archive(app)


def test_each_app_has_its_own_archive(
    app: Flask, tmp_path: Path, databases: Databases, clean_env: None
) -> None:
    other = create_app({"TESTING": True, **databases.empty(tmp_path / "other")})
    try:
        with app.app_context():
            first = get_archive()
        with other.app_context():
            second = get_archive()
        with app.app_context():
            assert get_archive() is first
        assert first is not second
        assert other.test_client().get("/healthz").get_json()["articles"] == 0
    finally:
        close_archive(other)


def test_close_archive_closes_it_once(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    with app.app_context():
        archive = get_archive()
    closed: list[int] = []
    really_close = archive.store.close
    monkeypatch.setattr(archive.store, "close", lambda: closed.append(1))
    close_archive(app)
    close_archive(app)
    assert closed == [1]
    really_close()  # the stand-in left the database's connections open


def test_config_overrides_the_environment(monkeypatch: pytest.MonkeyPatch, clean_env: None) -> None:
    environ = {"COMPLIANCE_NUM_PERM": "128", "COMPLIANCE_WINDOW": "6"}
    settings = settings_from_config(
        {"COMPLIANCE_WINDOW": "10", "COMPLIANCE_SEED": 3, "SECRET_KEY": "x"}, environ
    )
    assert (settings.num_perm, settings.window, settings.seed) == (128, 10, 3)
    monkeypatch.setenv("COMPLIANCE_NUM_PERM", "96")
    assert settings_from_config({}).num_perm == 96


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"COMPLIANCE_NUM_PERMS": 64}, "unknown setting COMPLIANCE_NUM_PERMS"),
        ({"COMPLIANCE_NUM_PERM": "lots"}, "COMPLIANCE_NUM_PERM must be a number"),
        ({"COMPLIANCE_NUM_PERM": 0}, "num_perm must be a positive integer"),
    ],
)
def test_a_bad_config_fails_the_factory(config: dict[str, object], message: str, clean_env: None) -> None:
    with pytest.raises(ConfigurationError, match=message):
        create_app({"COMPLIANCE_DATABASE_URL": "sqlite://", **config})


def test_the_seeded_app_finds_a_reproduction_of_its_articles(app: Flask) -> None:
    body = fixture_bodies()[3]
    with app.app_context():
        matches = get_archive().check_text(excerpt(body, 120, start=20))
    assert matches and matches[0].article.body == body
