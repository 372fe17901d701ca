"""Engines and schema: a database URL in, an engine on a schema at the newest revision out.

SQLite gets WAL, foreign keys, a busy timeout and real transactions (see `_sqlite_begin`), and
runs migrations with foreign keys off, checked before the commit (see `migrating`); PostgreSQL
serializes migrations with an advisory lock, and its connections come from a pool sized by the
settings, pinged before use. The Alembic revisions live in `migrations/`, next to
`HEAD_REVISION`; Alembic itself loads only when a migration must run.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import create_engine, event, func, inspect, select
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import StaticPool

from compliance.errors import StorageError
from compliance.store.migrations import HEAD_REVISION
from compliance.store.shared import one_line

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 30_000
MIGRATION_LOCK = 0x636F6D70  # PostgreSQL advisory lock key: migrations run one at a time


@dataclass(frozen=True)
class PoolOptions:
    """The connection pool of a server database (Settings.db_pool_*); SQLite keeps its own."""

    size: int = 5
    max_overflow: int = 10
    recycle: float = 1800.0
    timeout: float = 30.0


def make_engine(database_url: str | URL, pool: PoolOptions | None = None) -> Engine:
    """An engine for `database_url`; SQLite gets WAL, foreign keys and real transactions.

    A server's connections are pinged when taken from the pool: after the server dropped them
    (a restart, a failover, pg_terminate_backend) the next call reconnects instead of failing.
    """
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        pool = pool or PoolOptions()
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=pool.size,
            max_overflow=pool.max_overflow,
            pool_recycle=pool.recycle,
            pool_timeout=pool.timeout,
        )
    if _in_memory(url):
        # One connection shared by every thread: a pool would give each thread its own, empty,
        # database. The Store serializes its calls on it (see Store._lock).
        engine = create_engine(url, poolclass=StaticPool, connect_args={"check_same_thread": False})
    else:
        _make_parent(url)
        engine = create_engine(url)
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _in_memory(url: URL) -> bool:
    """Whether a SQLite URL names an in-memory database."""
    database = url.database or ""
    return database in ("", ":memory:") or "mode=memory" in database or url.query.get("mode") == "memory"


def _make_parent(url: URL) -> None:
    """Create the folder of a SQLite file (not for memory or `file:` URI databases)."""
    database = url.database or ""
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling skips BEGIN before SELECT and DDL; take it over
    # (see _sqlite_begin) so that reads are consistent and migrations are transactional.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the lock up front: a deferred transaction that reads then writes could fail
    # with SQLITE_BUSY (without waiting) when another writer committed in between.
    immediate = connection.get_execution_options().get("compliance_write", False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def alembic_config(database_url: str | None = None) -> Config:
    """An Alembic config built in code (no alembic.ini, no logging setup) for our migrations."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    if database_url:
        config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def current_revision(engine: Engine) -> str | None:
    """The schema's Alembic revision, or None for an empty database."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision, in one transaction (concurrent openers wait).

    A database already at HEAD_REVISION is left alone without loading Alembic, which would
    double the start-up time of every command.
    """
    if current_revision(engine) == HEAD_REVISION:
        return
    from alembic import command

    config = alembic_config()
    with migrating(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextmanager
def migrating(engine: Engine) -> Iterator[Connection]:
    """A connection in the one transaction that migrations run in, committed at the end.

    PostgreSQL: under an advisory lock, so concurrent openers wait. SQLite: with foreign keys
    off meanwhile, since a batch migration recreates a table (copy, drop, rename) and dropping a
    parent table deletes its ON DELETE CASCADE children's rows; the keys are checked before the
    commit instead, and a migration that broke one is rolled back.
    """
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as connection:
        connection.execution_options(compliance_write=True)
        if sqlite:  # outside any transaction: inside one, SQLite ignores this pragma
            _driver(connection).execute("PRAGMA foreign_keys=OFF")
        try:
            with connection.begin():
                if engine.dialect.name == "postgresql":
                    connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                yield connection
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        table, row, parent, _ = broken[0]
                        raise StorageError(
                            f"a migration left {len(broken)} row(s) with a broken foreign key"
                            f" (first: {table} row {row}, to {parent}); nothing was changed"
                        )
        finally:
            if sqlite and not connection.closed:
                _driver(connection).execute("PRAGMA foreign_keys=ON")


def _driver(connection: Connection) -> Any:
    """The DBAPI connection under `connection` (its statements bypass SQLAlchemy's transactions)."""
    return connection.connection.driver_connection


def open_engine(database_url: str, pool: PoolOptions | None = None) -> Engine:
    """An engine on an up-to-date schema, or StorageError with one line saying why not."""
    shown = "(unparsable URL)"  # never the raw string: it may hold a password
    engine: Engine | None = None
    try:
        shown = make_url(database_url).render_as_string(hide_password=True)
        engine = make_engine(database_url, pool)
        upgrade(engine)
    except Exception as exc:
        # Alembic's CommandError is named, not imported: Alembic loads only when migrating.
        expected = isinstance(exc, SQLAlchemyError | OSError | ImportError)
        if not expected and type(exc).__name__ != "CommandError":
            raise
        if engine is not None:
            engine.dispose()
        raise StorageError(f"cannot open database {shown}: {one_line(exc)}") from exc
    log.debug("database %s is ready", shown)
    return engine
