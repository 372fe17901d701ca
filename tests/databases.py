"""Where tests keep their stores: SQLite files, or PostgreSQL schemas copied from templates.

`Databases` (the conftest's `databases` fixture) gives each test the COMPLIANCE_* settings of an
empty or a seeded store on the database COMPLIANCE_TEST_DATABASE chose; `PostgresServer` makes
this session's template schemas once (migrated; migrated and holding every fixture article) and
copies them by replaying their pg_dump under a new name: a fraction of a second where Alembic
takes one or more. Schemas, not databases: DROP DATABASE waits for a checkpoint (5 s measured on
the shared CI machine under load), DROP SCHEMA does not.
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.settings import Settings
from compliance.store import Store

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
PREFIX = "test_suite_"  # every schema the tests make on the server
ABANDONED_AFTER = 12 * 3600  # seconds: no session runs this long; its schemas were left by a kill

Config = dict[str, str]  # COMPLIANCE_* settings naming one test's database, index and evidence folders


class PostgresServer:
    """Test schemas in the server's database, each a copy of a template schema (fast: no Alembic).

    A template is migrated (and filled) once per session, then dumped with pg_dump; a copy replays
    the dump under a new schema name. Dropping a schema is cheap where DROP DATABASE checkpoints
    (seconds on a busy machine). Each schema's connections carry its name as `application_name`,
    so a test can terminate exactly its own backends, and a drop closes what a test left open.
    """

    def __init__(self, url: str) -> None:
        self.url = sa.make_url(url)
        # This session's schemas: named for its start, so that a killed session's are found later.
        self.prefix = f"{PREFIX}{int(time.time())}_{uuid.uuid4().hex[:6]}"
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.templates: dict[str, str] = {}  # template schema → the SQL that makes a copy of it
        self._drop_abandoned()

    def url_of(self, schema: str) -> str:
        """The URL of the server's database, on `schema`, with the schema's name for its connections."""
        query = {"options": f"-csearch_path={schema}", "application_name": schema}
        return self.url.update_query_dict(query).render_as_string(hide_password=False)

    def template(self, name: str, fill: Callable[[str], None]) -> str:
        """A template schema `name` of this session, made by `fill(url)`; its name."""
        schema = f"{self.prefix}_{name}"
        self._execute(f"CREATE SCHEMA {schema}")
        fill(self.url_of(schema))
        self.templates[schema] = self._dump(schema)
        return schema

    @property
    def empty(self) -> str:
        """The template schema at the newest revision, holding nothing (made first)."""
        return next(iter(self.templates))

    def new_schema(self) -> str:
        """A new schema holding nothing (not even Alembic's table): its name."""
        schema = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        self._execute(f"CREATE SCHEMA {schema}")
        return schema

    def copy(self, template: str) -> str:
        """A new schema holding what `template` holds: its name."""
        schema = f"{self.prefix}_{uuid.uuid4().hex[:12]}"
        script = self.templates[template].replace(template, schema)
        with self.admin.connect() as connection:
            # The driver's own execute: with no parameters, the dump's % signs are not placeholders.
            connection.connection.driver_connection.execute(script)  # type: ignore[union-attr]
        return schema

    def connections(self, schema: str) -> int:
        """How many backends are connected on `schema` now."""
        query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = %(name)s"
        with self.admin.connect() as connection:
            return int(connection.exec_driver_sql(query, {"name": schema}).scalar_one())

    def terminate(self, schema: str) -> int:
        """Terminate every backend connected on `schema` (their clients see a dropped connection)."""
        query = (
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %(name)s AND pid <> pg_backend_pid()"
        )
        with self.admin.connect() as connection:
            return int(connection.exec_driver_sql(query, {"name": schema}).scalar_one())

    def drop(self, schema: str) -> None:
        self.terminate(schema)
        self._execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def close(self) -> None:
        for schema in self.templates:
            self.drop(schema)
        self.admin.dispose()

    def _drop_abandoned(self) -> None:
        """Drop the schemas of sessions started over ABANDONED_AFTER ago (killed before their end)."""
        with self.admin.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT nspname FROM pg_namespace WHERE nspname LIKE %(prefix)s", {"prefix": f"{PREFIX}%"}
            ).scalars()
            for name in list(names):
                started = re.match(rf"{PREFIX}(\d+)_", name)
                if started and int(started[1]) < time.time() - ABANDONED_AFTER:
                    self.drop(name)

    def _execute(self, statement: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(statement)

    def _dump(self, schema: str) -> str:
        """SQL recreating `schema` (its tables, triggers, sequences and rows), from pg_dump."""
        url = self.url
        command = ["pg_dump", "--no-owner", "--no-privileges", "--inserts", f"--schema={schema}"]
        command += [
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
        ]
        environ = {**os.environ, "PGPASSWORD": url.password or ""} if url.password else None
        try:
            dumped = subprocess.run(
                [*command, url.database or "postgres"],
                capture_output=True,
                text=True,
                check=True,
                env=environ,
            ).stdout
        except (OSError, subprocess.CalledProcessError) as exc:
            pytest.fail(f"pg_dump of the template schema {schema} failed: {exc}", pytrace=False)
        # psql's meta-commands (\restrict …) are not SQL: the rest runs as one script.
        return "\n".join(line for line in dumped.splitlines() if not line.startswith("\\"))


def query(url: str, sql: str) -> list[tuple[Any, ...]]:
    """The rows of one SQL query on the database at `url`, read on a connection of its own."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(sa.text(sql))]
    finally:
        engine.dispose()


def migrate(url: str) -> None:
    """Bring the database at `url` to the newest revision."""
    Store(Settings(database_url=url)).close()


def seed(folder: Path) -> Callable[[str], None]:
    """A filler of templates: every fixture article ingested, its index kept in `folder`/index."""

    def fill(url: str) -> None:
        settings = Settings(database_url=url, index_dir=str(folder / "index"))
        with Archive(settings) as archive:
            report = archive.ingest(read_paths([FIXTURES / "archive"], archive.settings))
        assert report.failed == 0, report.errors

    return fill


class Databases:
    """The stores of one test (or module), on the database COMPLIANCE_TEST_DATABASE chose; dropped after."""

    def __init__(self, request: pytest.FixtureRequest, kind: str) -> None:
        self.request = request
        self.kind = kind
        self.created: list[str] = []
        self.server: PostgresServer | None = None

    def empty(self, folder: Path, name: str = "compliance", kind: str = "") -> Config:
        """Settings of an empty database at the newest revision (a SQLite file not yet created)."""
        if (kind or self.kind) == "sqlite":
            return {
                "COMPLIANCE_DATABASE_URL": f"sqlite:///{folder / f'{name}.db'}",
                "COMPLIANCE_EVIDENCE_DIR": str(folder / "evidence"),
            }
        server = self._server()
        return self._on_postgres(server, server.empty, folder)

    def seeded(self, folder: Path) -> Config:
        """Settings of a private copy of the archive holding every fixture article."""
        if self.kind == "sqlite":
            shutil.copytree(self.request.getfixturevalue("seeded_folder"), folder)
            return {
                "COMPLIANCE_DATABASE_URL": f"sqlite:///{folder / 'archive.db'}",
                "COMPLIANCE_EVIDENCE_DIR": str(folder / "evidence"),
            }
        template, index = self.request.getfixturevalue("seeded_postgres")
        shutil.copytree(index, folder / "index")  # the same fingerprint ids: the index stays valid
        return self._on_postgres(self._server(), template, folder)

    def _on_postgres(self, server: PostgresServer, template: str, folder: Path) -> Config:
        schema = server.copy(template)
        self.created.append(schema)
        return {
            "COMPLIANCE_DATABASE_URL": server.url_of(schema),
            "COMPLIANCE_INDEX_DIR": str(folder / "index"),
            "COMPLIANCE_EVIDENCE_DIR": str(folder / "evidence"),
        }

    def drop(self) -> None:
        """Drop every schema this test made, closing the connections it left open."""
        for schema in self.created:
            if self._server().connections(schema):
                gc.collect()  # a connection the test left open warns now, in that test, not a later one
            self._server().drop(schema)

    def _server(self) -> PostgresServer:
        if self.server is None:
            self.server = self.request.getfixturevalue("postgres_server")
        return self.server


def settings_of(config: Config, **changes: Any) -> Settings:
    """Settings on the database, index and evidence folders a `Databases` config names."""
    names = {"COMPLIANCE_DATABASE_URL": "database_url", "COMPLIANCE_INDEX_DIR": "index_dir"}
    names["COMPLIANCE_EVIDENCE_DIR"] = "evidence_dir"
    return Settings(**{names[key]: value for key, value in config.items()}, **changes)
