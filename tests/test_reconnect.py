"""Connection pooling and reconnecting (compliance/store/engine.py): the pool takes its sizes from
the settings, and after PostgreSQL drops every connection (pg_terminate_backend on the test's own
backends, as a restart or a failover would) the next store call and the next web request succeed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import PostgresServer
from factories import article_input

from compliance.errors import ConfigurationError
from compliance.pipeline import Archive
from compliance.settings import Settings
from compliance.store import Store
from web import close_archive, create_app


@pytest.fixture
def own_schema(postgres_server: PostgresServer) -> Iterator[str]:
    """A schema of this test's own at the newest revision; its backends are this test's alone."""
    schema = postgres_server.copy(postgres_server.empty)
    try:
        yield schema
    finally:
        postgres_server.drop(schema)


def test_pool_settings_are_read_from_the_environment() -> None:
    environ = {
        "COMPLIANCE_DB_POOL_SIZE": "3",
        "COMPLIANCE_DB_MAX_OVERFLOW": "0",
        "COMPLIANCE_DB_POOL_RECYCLE": "60",
        "COMPLIANCE_DB_POOL_TIMEOUT": "2.5",
    }
    settings = Settings.from_env(environ)
    pool = (
        settings.db_pool_size,
        settings.db_max_overflow,
        settings.db_pool_recycle,
        settings.db_pool_timeout,
    )
    assert pool == (3, 0, 60.0, 2.5)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("db_pool_size", 0, "db_pool_size must be an integer >= 1"),
        ("db_max_overflow", -1, "db_max_overflow must be an integer >= 0"),
        ("db_pool_recycle", 0.0, "db_pool_recycle must be a positive number of seconds"),
        ("db_pool_timeout", float("inf"), "db_pool_timeout must be a positive number of seconds"),
    ],
)
def test_bad_pool_settings_are_refused(name: str, value: object, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings(**{name: value})  # type: ignore[arg-type]


def test_the_engine_pool_follows_the_settings(postgres_server: PostgresServer, own_schema: str) -> None:
    settings = Settings(
        database_url=postgres_server.url_of(own_schema),
        db_pool_size=2,
        db_max_overflow=1,
        db_pool_recycle=120.0,
        db_pool_timeout=4.0,
    )
    with Store(settings) as store:
        pool = store._engine.pool
        assert (pool.size(), pool.timeout()) == (2, 4.0)  # type: ignore[attr-defined]
        assert (pool._max_overflow, pool._recycle) == (1, 120.0)  # type: ignore[attr-defined]


def test_the_archive_reconnects_after_the_server_drops_its_connections(
    postgres_server: PostgresServer, own_schema: str, tmp_path: Path
) -> None:
    url = postgres_server.url_of(own_schema)
    with Archive(Settings(database_url=url, index_dir=str(tmp_path / "index"), db_pool_size=2)) as archive:
        archive.ingest([article_input()])
        assert archive.store.count_articles() == 1  # the pool now holds open connections
        assert postgres_server.terminate(own_schema) >= 1
        assert archive.store.count_articles() == 1  # a read, on a fresh connection
        postgres_server.terminate(own_schema)
        report = archive.ingest([article_input()])  # a write, and the index catching up
        assert (report.ingested, archive.store.count_articles()) == (1, 2)


def test_a_web_request_succeeds_after_the_server_drops_the_connections(
    postgres_server: PostgresServer, seeded_postgres: tuple[str, Path], tmp_path: Path, clean_env: None
) -> None:
    template, _index = seeded_postgres
    schema = postgres_server.copy(template)
    app = create_app(
        {
            "TESTING": True,
            "COMPLIANCE_DATABASE_URL": postgres_server.url_of(schema),
            "COMPLIANCE_INDEX_DIR": str(tmp_path / "index"),
        }
    )
    try:
        client = app.test_client()
        assert client.get("/healthz").get_json()["articles"] == 25
        assert postgres_server.terminate(schema) >= 1
        response = client.get("/healthz")
        assert response.status_code == 200 and response.get_json()["articles"] == 25
    finally:
        close_archive(app)
        postgres_server.drop(schema)
