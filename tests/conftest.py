"""Shared fixtures, in flaskr's style: the web `app` on a temporary database seeded from fixtures/,
its `client`, a CLI `runner`, settings on a temporary database, and the outside services.

Every test runs under the network guard (tests/sites.py): a connection outside 127.0.0.0/8 and
::1, or a system DNS lookup, fails the test before any packet leaves; the `guard` fixture gives
tests that prove "no connection was attempted" its record of connections.

Every store a test uses comes from `databases` (tests/databases.py), on the database
COMPLIANCE_TEST_DATABASE chooses: `sqlite`, `postgresql`, or unset (SQLite, and the tests
parametrized on `database_url` on both). Every test runs in its own folder (`_private_cwd`).

PostgreSQL (`COMPLIANCE_TEST_POSTGRES_URL`), Redis (`COMPLIANCE_TEST_REDIS_URL`) and the
evaluation corpora (../shared/data) are optional on a developer's machine and required under CI:
`unavailable()` is the one place that decides between skipping and failing.
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn
from urllib.parse import unquote, urlsplit

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from databases import Databases, PostgresServer, migrate, seed, settings_of
from sites import NetworkGuard, SiteServer, guarded, serve

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.settings import Settings
from web import close_archive, create_app

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

pytest_plugins = ("dashboard",)  # the dashboard's fixtures (tests/dashboard.py): users per role, sign-in
ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
SHARED_DATA = ROOT.parent / "shared" / "data"  # evaluation corpora, read in place, never copied
POSTGRES_URL = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ.get("COMPLIANCE_TEST_REDIS_URL", "")
SERVICE_TIMEOUT = 3.0  # seconds a service has to answer before it counts as unreachable


# --- missing services and data: skipped on a laptop, fatal under CI -----------------------------


def under_ci() -> bool:
    """Whether the `CI` variable is set (to anything but an explicit no)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def unavailable(reason: str) -> NoReturn:
    """Skip the test for want of `reason`, or fail it under CI, where nothing is skipped silently."""
    if under_ci():
        pytest.fail(f"{reason} (CI is set: a missing service or corpus fails the run)", pytrace=False)
    pytest.skip(reason)


def postgres_problem(url: str) -> str | None:
    """Why PostgreSQL at `url` cannot be used, or None when it answers a query."""
    try:
        engine = sa.create_engine(url, connect_args={"connect_timeout": int(SERVICE_TIMEOUT)})
    except (sa.exc.ArgumentError, ImportError) as exc:
        return f"unusable URL ({exc})"
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        return str(cause).strip().splitlines()[0] if str(cause).strip() else type(cause).__name__
    finally:
        engine.dispose()
    return None


def redis_problem(url: str, timeout: float = SERVICE_TIMEOUT) -> str | None:
    """Why Redis at `url` cannot be used, or None when it answers PING (raw RESP, no client library)."""
    parts = urlsplit(url)
    if parts.scheme != "redis":
        return f"only redis:// URLs are checked, got {parts.scheme or 'no'} scheme"
    commands = [[b"PING"]]
    if parts.password is not None:
        # AUTH with one argument works on every Redis version; a user name needs Redis 6 ACLs.
        credentials = [unquote(name) for name in (parts.username, parts.password) if name]
        commands.insert(0, [b"AUTH", *(part.encode() for part in credentials)])
    request = b"".join(
        b"*%d\r\n" % len(command) + b"".join(b"$%d\r\n%s\r\n" % (len(arg), arg) for arg in command)
        for command in commands
    )
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout) as sock:
            sock.sendall(request)
            reply = b""
            while b"PONG" not in reply and not reply.startswith(b"-") and len(reply) < 1024:
                chunk = sock.recv(1024)
                if not chunk:
                    break
                reply += chunk
    except OSError as exc:
        return f"no answer ({exc})"
    return None if b"+PONG\r\n" in reply else f"unexpected reply {reply[:80]!r}"


def _shown(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")).geturl()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """COMPLIANCE_TEST_POSTGRES_URL, once the server has answered a query."""
    if not POSTGRES_URL:
        unavailable("PostgreSQL: set COMPLIANCE_TEST_POSTGRES_URL to run these tests on it")
    problem = postgres_problem(POSTGRES_URL)
    if problem:
        unavailable(
            f"PostgreSQL at COMPLIANCE_TEST_POSTGRES_URL={_shown(POSTGRES_URL)} is unusable: {problem}"
        )
    return POSTGRES_URL


@pytest.fixture(scope="session")
def redis_url() -> str:
    """COMPLIANCE_TEST_REDIS_URL, once the server has answered PING."""
    if not REDIS_URL:
        unavailable("Redis: set COMPLIANCE_TEST_REDIS_URL to run these tests on it")
    problem = redis_problem(REDIS_URL)
    if problem:
        unavailable(f"Redis at COMPLIANCE_TEST_REDIS_URL={_shown(REDIS_URL)} is unusable: {problem}")
    return REDIS_URL


@pytest.fixture(scope="session")
def evaluation_corpus() -> Callable[[str], Path]:
    """The folder of an evaluation corpus in ../shared/data, by name."""

    def folder(name: str) -> Path:
        path = SHARED_DATA / name
        if not path.is_dir():
            unavailable(
                f"evaluation corpus {path} is absent (read at run time, never stored in the repository)"
            )
        return path

    return folder


# --- the network ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """Every test: nothing leaves the machine; the guard records each connection attempt."""
    with guarded(monkeypatch) as network:
        yield network


@pytest.fixture
def site() -> Iterator[SiteServer]:
    """A fixture site on 127.0.0.1 (tests/sites.py), stopped after the test."""
    with serve() as server:
        yield server


# --- databases and settings -----------------------------------------------------------------------
#
# COMPLIANCE_TEST_DATABASE picks where every test that uses a store keeps it: `sqlite` (files in the
# test's folder), `postgresql` (a database of its own on COMPLIANCE_TEST_POSTGRES_URL's server, copied
# from a migrated template made once per session, dropped after the test), or unset: SQLite, and
# the tests parametrized on `database_url` on both. `make test` runs the suite once per database.


def _chosen_database() -> str:
    chosen = os.environ.get("COMPLIANCE_TEST_DATABASE", "").strip().lower()
    if chosen not in ("", "sqlite", "postgresql"):
        raise pytest.UsageError(f"COMPLIANCE_TEST_DATABASE must be sqlite or postgresql, got {chosen!r}")
    return chosen


TEST_DATABASE = _chosen_database()
DATABASE_PARAMS = {"sqlite": ["sqlite"], "postgresql": ["postgresql"]}.get(
    TEST_DATABASE, ["sqlite", "postgresql"]
)
# The fixtures that give a test a store: on PostgreSQL, `make test` runs only the tests using one.
STORE_FIXTURES = frozenset(
    {"databases", "module_databases", "database_url", "settings", "env", "app", "client", "loaded_archive"}
    | {"postgres_server", "blank_url"}
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """With COMPLIANCE_TEST_DATABASE=postgresql, leave out the tests that use no store: the run
    on SQLite has run them, and they would run the same on any database."""
    if TEST_DATABASE != "postgresql":
        return
    kept = [item for item in items if STORE_FIXTURES & set(getattr(item, "fixturenames", ()))]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def postgres_server(postgres_url: str) -> Iterator[PostgresServer]:
    """This session's PostgreSQL databases; its templates are dropped at the end."""
    server = PostgresServer(postgres_url)
    try:
        server.template("empty", migrate)
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def seeded_postgres(
    postgres_server: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """A PostgreSQL template holding every fixture article, and the folder of its index."""
    folder = tmp_path_factory.mktemp("seeded-postgres")
    return postgres_server.template("seeded", seed(folder)), folder / "index"


@pytest.fixture
def databases(request: pytest.FixtureRequest) -> Iterator[Databases]:
    """Where this test keeps its stores: `.empty(folder)` and `.seeded(folder)` give their settings."""
    chosen = Databases(request, "postgresql" if TEST_DATABASE == "postgresql" else "sqlite")
    try:
        yield chosen
    finally:
        chosen.drop()


@pytest.fixture(scope="module")
def module_databases(request: pytest.FixtureRequest) -> Iterator[Databases]:
    """`databases` for a module's shared store, dropped after the module's last test."""
    chosen = Databases(request, "postgresql" if TEST_DATABASE == "postgresql" else "sqlite")
    try:
        yield chosen
    finally:
        chosen.drop()


@pytest.fixture(autouse=True)
def _private_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs in its own folder: a default `var/` (index, evidence) never lands in the repo."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(params=DATABASE_PARAMS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, databases: Databases) -> str:
    """A URL to an empty database at the newest revision: a SQLite file, or a PostgreSQL database."""
    return databases.empty(tmp_path / "db", kind=request.param)["COMPLIANCE_DATABASE_URL"]


@pytest.fixture
def settings(tmp_path: Path, databases: Databases) -> Settings:
    """Settings on a fresh database (SQLite: a file), with its index and evidence beside it."""
    return settings_of(databases.empty(tmp_path, "test"))


@pytest.fixture(scope="session")
def seeded_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A closed SQLite archive (archive.db and its index) holding every fixture article: copy it."""
    folder = tmp_path_factory.mktemp("seeded")
    with Archive(Settings(database_url=f"sqlite:///{folder / 'archive.db'}")) as archive:
        report = archive.ingest(read_paths([FIXTURES / "archive"], archive.settings))
    assert report.failed == 0, report.errors
    return folder


@pytest.fixture(scope="session")
def loaded_archive(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Archive]:
    """One archive with every fixture article, shared by read-only tests."""
    folder = tmp_path_factory.mktemp("loaded") / "archive"
    if TEST_DATABASE != "postgresql":
        shutil.copytree(request.getfixturevalue("seeded_folder"), folder)
        with Archive(Settings(database_url=f"sqlite:///{folder / 'archive.db'}")) as archive:
            yield archive
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    template, index = request.getfixturevalue("seeded_postgres")
    database = server.copy(template)
    shutil.copytree(index, folder / "index")
    try:
        with Archive(
            Settings(database_url=server.url_of(database), index_dir=str(folder / "index"))
        ) as archive:
            yield archive
    finally:
        server.drop(database)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No COMPLIANCE_* variable of the developer's shell leaks into the test (COMPLIANCE_TEST_* stay)."""
    for name in list(os.environ):
        if name.startswith("COMPLIANCE_") and not name.startswith("COMPLIANCE_TEST_"):
            monkeypatch.delenv(name)


@pytest.fixture
def env(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None, databases: Databases
) -> dict[str, str]:
    """COMPLIANCE_* variables pointing the CLI at a temporary database."""
    values = databases.empty(tmp_path, "cli")
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


# --- the web app and the CLI ----------------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path, databases: Databases, clean_env: None) -> Iterator[Flask]:
    """The web app on a private copy of the seeded archive, its Archive closed after the test."""
    app = create_app({"TESTING": True, **databases.seeded(tmp_path / "app")})
    yield app
    close_archive(app)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()
