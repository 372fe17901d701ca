"""Shared fixtures, in flaskr's style: settings on a temporary database, an archive seeded from
fixtures/, a CLI runner, and the web app with its test client."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from sites import SiteServer, serve

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
POSTGRES_URL = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database: a SQLite file, or a fresh PostgreSQL schema dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'compliance.db'}"
        return
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL: set COMPLIANCE_TEST_POSTGRES_URL to run these tests on it")
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(sa.schema.CreateSchema(schema))
    try:
        url = sa.make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh SQLite file, with its index and evidence beside it."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'test.db'}", evidence_dir=str(tmp_path / "evidence"))


@pytest.fixture(scope="session")
def loaded_archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Archive]:
    """One archive with every fixture article, shared by read-only tests."""
    folder = tmp_path_factory.mktemp("archive")
    archive = Archive(Settings(database_url=f"sqlite:///{folder / 'archive.db'}"))
    report = archive.ingest(read_paths([FIXTURES / "archive"], archive.settings))
    assert report.failed == 0, report.errors
    yield archive
    archive.close()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """COMPLIANCE_* variables pointing the CLI at a temporary database."""
    values = {
        "COMPLIANCE_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}",
        "COMPLIANCE_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    for name in os.environ:
        if name.startswith("COMPLIANCE_") and not name.startswith("COMPLIANCE_TEST_"):
            monkeypatch.delenv(name)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """A fixture site on 127.0.0.1 (tests/sites.py), stopped after the test."""
    with serve() as server:
        yield server
