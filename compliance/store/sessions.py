"""The engine and its sessions, under every `Store` call: one `_read` or `_write` a call.

`Sessions` opens the engine on an up-to-date schema (`engine.py`), hands out sessions (a read
snapshot, or one write transaction committed whole or not at all) and turns database errors into
`StorageError`. The facade's mixins (`archive_calls.py` … `scans_calls.py`) build on it; `Store`
in `__init__.py` joins them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from compliance.errors import InputError, NotFoundError, StorageError
from compliance.settings import Settings
from compliance.store.engine import PoolOptions, open_engine
from compliance.store.shared import one_line


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)  # a value with an id: an Article, a StoredFingerprint


class Sessions:
    """One database: its engine, and the sessions every call opens (one transaction a call)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        pool = PoolOptions(
            size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            recycle=settings.db_pool_recycle,
            timeout=settings.db_pool_timeout,
        )
        self._engine = open_engine(settings.database_url, pool)
        shared = isinstance(self._engine.pool, StaticPool)
        self._lock: AbstractContextManager[Any] = threading.RLock() if shared else nullcontext()

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A session for reading (one consistent snapshot), closed at the end."""
        try:
            with self._lock, Session(self._engine, expire_on_commit=False) as session:
                yield session
        except SQLAlchemyError as exc:
            if _out_of_range(exc):  # an id no row can have (PostgreSQL refuses it; SQLite finds nothing)
                raise NotFoundError("not found: a number given is out of the database's range") from exc
            raise StorageError(f"database read failed: {one_line(exc)}") from exc

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on any error."""
        try:
            with self._lock, self._engine.connect() as connection:
                connection.execution_options(compliance_write=True)
                with Session(connection, expire_on_commit=False) as session, session.begin():
                    yield session
        except (SQLAlchemyError, UnicodeError) as exc:
            if _out_of_range(exc):
                raise InputError("a number given is out of the database's range") from exc
            raise StorageError(f"database write failed: {one_line(exc)}") from exc

    def _pages(
        self, read_page: Callable[[Session, int, int], list[T]], last_id: int, batch: int
    ) -> Iterator[T]:
        """Every value with an id above `last_id`, by id, read `batch` at a time.

        Each page is read in its own session: no transaction stays open while the caller works.
        """
        while True:
            with self._read() as session:
                page = read_page(session, last_id, batch)
            yield from page
            if len(page) < batch:
                return
            last_id = page[-1].id


def _out_of_range(error: BaseException) -> bool:
    """Whether the server refused a number too large for its column (SQLSTATE 22003)."""
    return getattr(getattr(error, "orig", None), "sqlstate", None) == "22003"
