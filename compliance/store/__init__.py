"""Storage: our articles, their fingerprints and the captures, in SQLite or PostgreSQL.

In: `records.ArticleInput` with a `records.Fingerprint` (or a zero-argument callable making one),
and `records.Capture`. Out: `records.Article`, `records.StoredFingerprint` and `records.Capture`;
ORM rows never leave this module. Opening a `Store` brings the schema to the newest Alembic
revision (`compliance/store/migrations`). Every write is one transaction: it commits whole or not at all.
Datetimes must be timezone-aware; they are stored and returned in UTC.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, Self, TypeVar

import numpy as np
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    create_engine,
    delete,
    event,
    func,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

from compliance.errors import StorageError
from compliance.records import (
    Article,
    ArticleInput,
    Capture,
    CaptureKind,
    Fingerprint,
    StoredFingerprint,
    UpsertStatus,
)
from compliance.settings import Settings

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
HEAD_REVISION = "0001"  # the newest file in migrations/versions; a test keeps them in step
FINGERPRINT_PARAMS = ("num_perm", "seed", "shingle_size", "window")
ARTICLE_FIELDS = tuple(f.name for f in fields(ArticleInput))
IN_CHUNK = 500  # ids or urls per `IN (...)`: far below SQLite's bound-parameter limit
SQLITE_BUSY_MS = 30_000
# PostgreSQL advisory lock keys: migrations run one at a time, and so do article upserts (two
# writers must not both insert one new url).
MIGRATION_LOCK = 0x636F6D70
UPSERT_LOCK = 0x636F6D71

FingerprintSource = Fingerprint | Callable[[], Fingerprint]
T = TypeVar("T")


# --- Tables -------------------------------------------------------------------------------------


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC (SQLite keeps no offset, so UTC is implied there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base: constraint names follow one convention, the migrations use the same."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class ArticleRow(Base):
    """One of our articles; `body` is kept byte for byte."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    rights_notice: Mapped[str | None] = mapped_column(Text)
    paywalled: Mapped[bool | None]
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FingerprintRow(Base):
    """The fingerprint of one article; never updated, replaced by a new row (ids never reused)."""

    __tablename__ = "fingerprints"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), unique=True)
    num_perm: Mapped[int]
    seed: Mapped[int] = mapped_column(BigInteger)
    shingle_size: Mapped[int]
    window: Mapped[int]
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # little-endian uint32, num_perm values
    # The window minima (1-D, sorted by detect.fingerprint): little-endian uint64, n_windows values.
    windows: Mapped[bytes] = mapped_column(LargeBinary)
    n_windows: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaptureRow(Base):
    """The evidence of one fetch or submitted file; append-only."""

    __tablename__ = "captures"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    warc_path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    redirects: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[int | None]
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    server_ip: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tool_version: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)


ARTICLES = Base.metadata.tables["articles"]
FINGERPRINTS = Base.metadata.tables["fingerprints"]


# --- Values in and out --------------------------------------------------------------------------


@dataclass
class _Plan:
    """What one upsert writes: rows to insert or update, fingerprints by url, unchanged results."""

    new: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)  # with the article's "id"
    written: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> article values
    prints: dict[str, dict[str, Any]] = field(default_factory=dict)  # url -> fingerprint columns
    unchanged: dict[str, tuple[Article, UpsertStatus]] = field(default_factory=dict)


class _Existing(NamedTuple):
    """An article already stored, with the parameters of its fingerprint (None if it has none)."""

    row: ArticleRow
    params: dict[str, int] | None


def content_hash(article: ArticleInput) -> str:
    """SHA-256 hex of the canonical JSON of all the article's fields (datetimes in UTC isoformat)."""
    values = {name: _canonical(getattr(article, name)) for name in ARTICLE_FIELDS}
    text = json.dumps(values, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    return value


def _utc(value: datetime | None, what: str) -> datetime | None:
    """`value` in UTC; a naive datetime is refused, its zone would be a guess."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise StorageError(f"{what} must be a timezone-aware datetime, got {value.isoformat()}")
    return value.astimezone(UTC)


def _article_values(article: ArticleInput) -> dict[str, Any]:
    """The article's columns, datetimes checked and in UTC."""
    values = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    for name in ("published_at", "updated_at"):
        values[name] = _utc(values[name], f"{article.url}: {name}")
    return values


def _article(row: ArticleRow) -> Article:
    return Article(id=row.id, **{name: getattr(row, name) for name in ARTICLE_FIELDS})


def _checked_params(params: dict[str, Any], what: str) -> dict[str, int]:
    """The four fingerprint parameters as ints; others would be lost, so they are refused."""
    if set(params) != set(FINGERPRINT_PARAMS):
        raise StorageError(
            f"{what}: fingerprint params must be exactly {FINGERPRINT_PARAMS}, got {sorted(params)}"
        )
    try:
        return {name: int(params[name]) for name in FINGERPRINT_PARAMS}
    except (TypeError, ValueError):
        raise StorageError(f"{what}: fingerprint params must be integers, got {params}") from None


def _uint32_bytes(array: np.ndarray, what: str) -> bytes:
    """Little-endian uint32 bytes of an integer array whose values fit in 32 bits."""
    array = np.asarray(array)
    if array.size and (array.dtype.kind not in "ui" or array.min() < 0 or int(array.max()) > 0xFFFFFFFF):
        raise StorageError(f"{what}: expected uint32 values, got dtype {array.dtype}")
    return np.ascontiguousarray(array, dtype="<u4").tobytes()


def _windows_values(windows: np.ndarray, what: str) -> dict[str, Any]:
    """The window columns: little-endian uint64 bytes of a 1-D unsigned integer array, and its length."""
    windows = np.asarray(windows)
    if windows.dtype.kind != "u" or windows.dtype.itemsize > 8:
        raise StorageError(f"{what}: windows must be unsigned integers, got dtype {windows.dtype}")
    if windows.ndim != 1:
        raise StorageError(f"{what}: windows shape {windows.shape}, expected (n,)")
    return {"windows": np.ascontiguousarray(windows, dtype="<u8").tobytes(), "n_windows": len(windows)}


def _fingerprint_values(fingerprint: Fingerprint, what: str) -> dict[str, Any]:
    """The columns of a fingerprint row (all but `article_id`), shapes checked."""
    params = _checked_params(fingerprint.params, what)
    num_perm = params["num_perm"]
    signature = np.asarray(fingerprint.signature)
    if signature.shape != (num_perm,):
        raise StorageError(f"{what}: signature shape {signature.shape}, expected ({num_perm},)")
    return {
        **params,
        "signature": _uint32_bytes(signature, what),
        **_windows_values(fingerprint.windows, what),
    }


def _stored_fingerprint(row: FingerprintRow) -> StoredFingerprint:
    params = {name: getattr(row, name) for name in FINGERPRINT_PARAMS}
    signature = np.frombuffer(row.signature, dtype="<u4").astype(np.uint32)
    windows = np.frombuffer(row.windows, dtype="<u8").astype(np.uint64)
    return StoredFingerprint(
        id=row.id, article_id=row.article_id, fingerprint=Fingerprint(params, signature, windows)
    )


def _capture_values(capture: Capture) -> dict[str, Any]:
    return {
        "sha256": capture.sha256,
        "warc_path": capture.warc_path,
        "kind": capture.kind,
        "requested_url": capture.requested_url,
        "final_url": capture.final_url,
        "redirects": list(capture.redirects),
        "status": capture.status,
        "headers": dict(capture.headers),
        "server_ip": capture.server_ip,
        "fetched_at": _utc(capture.fetched_at, "capture fetched_at"),
        "tool_version": capture.tool_version,
        "content_type": capture.content_type,
        "text": capture.text,
        "meta": dict(capture.metadata),
        "article_id": capture.article_id,
    }


def _capture(row: CaptureRow) -> Capture:
    return Capture(
        sha256=row.sha256,
        warc_path=row.warc_path,
        kind=CaptureKind(row.kind),
        requested_url=row.requested_url,
        final_url=row.final_url,
        redirects=tuple(row.redirects),
        status=row.status,
        headers=dict(row.headers),
        server_ip=row.server_ip,
        fetched_at=row.fetched_at,
        tool_version=row.tool_version,
        content_type=row.content_type,
        text=row.text,
        metadata=dict(row.meta),
        article_id=row.article_id,
        id=row.id,
    )


def _chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _now() -> datetime:
    return datetime.now(UTC)


def _one_line(exc: BaseException) -> str:
    """The first line of the driver's message: SQLAlchemy appends SQL and a link below it."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


# --- Engine and schema --------------------------------------------------------------------------


def make_engine(database_url: str | URL) -> Engine:
    """An engine for `database_url`; SQLite gets WAL, foreign keys and real transactions."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
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
    with engine.connect() as connection:
        connection.execution_options(compliance_write=True)
        with connection.begin():
            if engine.dialect.name == "postgresql":
                connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
            config.attributes["connection"] = connection
            command.upgrade(config, "head")


def open_engine(database_url: str) -> Engine:
    """An engine on an up-to-date schema, or StorageError with one line saying why not."""
    shown = "(unparsable URL)"  # never the raw string: it may hold a password
    engine: Engine | None = None
    try:
        shown = make_url(database_url).render_as_string(hide_password=True)
        engine = make_engine(database_url)
        upgrade(engine)
    except Exception as exc:
        # Alembic's CommandError is named, not imported: Alembic loads only when migrating.
        expected = isinstance(exc, SQLAlchemyError | OSError | ImportError)
        if not expected and type(exc).__name__ != "CommandError":
            raise
        if engine is not None:
            engine.dispose()
        raise StorageError(f"cannot open database {shown}: {_one_line(exc)}") from exc
    log.debug("database %s is ready", shown)
    return engine


# --- The store ----------------------------------------------------------------------------------


class Store:
    """Articles, fingerprints and captures in one database; every write is one transaction."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine = open_engine(settings.database_url)
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
            raise StorageError(f"database read failed: {_one_line(exc)}") from exc

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on any error."""
        try:
            with self._lock, self._engine.connect() as connection:
                connection.execution_options(compliance_write=True)
                with Session(connection, expire_on_commit=False) as session, session.begin():
                    yield session
        except (SQLAlchemyError, UnicodeError) as exc:
            raise StorageError(f"database write failed: {_one_line(exc)}") from exc

    # --- Articles and their fingerprints ---

    def upsert_articles(
        self, items: Sequence[tuple[ArticleInput, FingerprintSource]]
    ) -> list[tuple[Article, UpsertStatus]]:
        """Insert or update articles by url, in one transaction: status ingested/updated/unchanged.

        One result per distinct url, in the order of the item that won (a later item with the
        same url replaces an earlier one). An unchanged article (same content hash, fingerprint
        with the same params) is not touched and its fingerprint callable is not called.
        """
        latest: dict[str, tuple[ArticleInput, FingerprintSource]] = {}
        for article, source in items:
            latest.pop(article.url, None)
            latest[article.url] = (article, source)
        if not latest:
            return []
        with self._write() as session:
            results = self._upsert(session, latest)
        log.debug("upserted %d articles", len(results))
        return results

    def _upsert(
        self, session: Session, latest: dict[str, tuple[ArticleInput, FingerprintSource]]
    ) -> list[tuple[Article, UpsertStatus]]:
        if self._engine.dialect.name == "postgresql":
            # SQLite's BEGIN IMMEDIATE already admits one writer at a time; do the same here.
            session.execute(select(func.pg_advisory_xact_lock(UPSERT_LOCK)))
        existing = self._existing(session, list(latest))
        plan = self._plan(latest, existing)
        ids = self._write_articles(session, plan.new, plan.changed)
        self._replace_fingerprints(session, [v["id"] for v in plan.changed], plan.prints, ids)
        results = dict(plan.unchanged)
        for url, values in plan.written.items():
            status = UpsertStatus.UPDATED if url in existing else UpsertStatus.INGESTED
            results[url] = (Article(id=ids[url], **values), status)
        return [results[url] for url in latest]

    def _plan(
        self, latest: dict[str, tuple[ArticleInput, FingerprintSource]], existing: dict[str, _Existing]
    ) -> _Plan:
        """Sort the items into unchanged, new and changed; fingerprint only the last two."""
        plan, now = _Plan(), _now()
        for url, (article, source) in latest.items():
            old = existing.get(url)
            digest = content_hash(article)
            if old and old.row.content_hash == digest and old.params == self._params(source, url):
                plan.unchanged[url] = (_article(old.row), UpsertStatus.UNCHANGED)
                continue
            plan.written[url] = _article_values(article)
            values = {**plan.written[url], "content_hash": digest, "modified_at": now}
            if old:
                plan.changed.append({**values, "id": old.row.id})
            else:
                plan.new.append({**values, "created_at": now})
            fingerprint = source() if callable(source) else source
            plan.prints[url] = {**_fingerprint_values(fingerprint, url), "created_at": now}
        return plan

    def _params(self, source: FingerprintSource, url: str) -> dict[str, int] | None:
        """The params the item's fingerprint has, or will have (a callable: the settings')."""
        params = source.params if isinstance(source, Fingerprint) else None
        if params is None:
            params = dict(self.settings.fingerprint_params())
        try:
            return _checked_params(params, url)
        except StorageError:
            return None  # bad params never equal stored ones; the insert path reports them

    @staticmethod
    def _existing(session: Session, urls: list[str]) -> dict[str, _Existing]:
        """The stored articles among `urls`, with their fingerprint params."""
        columns = [getattr(FingerprintRow, name) for name in FINGERPRINT_PARAMS]
        found: dict[str, _Existing] = {}
        for chunk in _chunks(urls):
            query = (
                select(ArticleRow, FingerprintRow.id, *columns)
                .outerjoin(FingerprintRow, FingerprintRow.article_id == ArticleRow.id)
                .where(ArticleRow.url.in_(chunk))
            )
            for row, print_id, *values in session.execute(query):
                params = dict(zip(FINGERPRINT_PARAMS, values, strict=True)) if print_id else None
                found[row.url] = _Existing(row, params)
        return found

    @staticmethod
    def _write_articles(
        session: Session, new: list[dict[str, Any]], changed: list[dict[str, Any]]
    ) -> dict[str, int]:
        """Update the changed articles in place, insert the new ones; url -> id of both."""
        ids = {values["url"]: values["id"] for values in changed}
        if changed:
            session.execute(update(ArticleRow), changed)
        if new:
            # Core inserts: the ORM would leave out None values and split the batch by key set.
            query = insert(ARTICLES).returning(ARTICLES.c.id, ARTICLES.c.url)
            inserted = session.execute(query, new)
            ids.update({url: article_id for article_id, url in inserted})
        return ids

    @staticmethod
    def _replace_fingerprints(
        session: Session, article_ids: list[int], prints: dict[str, dict[str, Any]], ids: dict[str, int]
    ) -> None:
        """Delete the fingerprints of `article_ids`, insert the new ones (new row ids)."""
        for chunk in _chunks(article_ids):
            session.execute(
                delete(FingerprintRow)
                .where(FingerprintRow.article_id.in_(chunk))
                .execution_options(synchronize_session=False)
            )
        rows = [{**values, "article_id": ids[url]} for url, values in prints.items()]
        if rows:
            session.execute(insert(FINGERPRINTS), rows)

    def get_article(self, article_id: int) -> Article | None:
        """The article with this id, or None."""
        with self._read() as session:
            row = session.get(ArticleRow, article_id)
            return _article(row) if row else None

    def get_articles(self, ids: Iterable[int]) -> dict[int, Article]:
        """The articles with these ids (missing ones left out), by id."""
        wanted = sorted(set(ids))
        found: dict[int, Article] = {}
        with self._read() as session:
            for chunk in _chunks(wanted):
                for row in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(chunk))):
                    found[row.id] = _article(row)
        return found

    def article_by_url(self, url: str) -> Article | None:
        """The article stored under `url`, or None."""
        with self._read() as session:
            row = session.scalars(select(ArticleRow).where(ArticleRow.url == url)).first()
            return _article(row) if row else None

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self._read() as session:
            return session.scalar(select(func.count()).select_from(ArticleRow)) or 0

    def iter_articles(self, batch: int = 500) -> Iterator[Article]:
        """Every article by id, read `batch` at a time (no transaction held between batches)."""
        last = 0
        while True:
            with self._read() as session:
                query = select(ArticleRow).where(ArticleRow.id > last).order_by(ArticleRow.id).limit(batch)
                page = [_article(row) for row in session.scalars(query)]
            yield from page
            if len(page) < batch:
                return
            last = page[-1].id

    def delete_article(self, url: str) -> bool:
        """Delete the article stored under `url` and its fingerprint; False if there was none."""
        with self._write() as session:
            query = delete(ArticleRow).where(ArticleRow.url == url).returning(ArticleRow.id)
            deleted = session.execute(query.execution_options(synchronize_session=False))
            return deleted.first() is not None

    # --- Fingerprints, for the index ---

    def fingerprint_state(self) -> tuple[int, int]:
        """(highest fingerprint id or 0, number of fingerprints): tells an index it is stale."""
        query = select(func.coalesce(func.max(FingerprintRow.id), 0), func.count(FingerprintRow.id))
        with self._read() as session:
            top, count = session.execute(query).one()
        return int(top), int(count)

    def live_fingerprint_ids(self) -> np.ndarray:
        """The ids of every stored fingerprint, ascending, as int64."""
        with self._read() as session:
            ids = session.scalars(select(FingerprintRow.id).order_by(FingerprintRow.id))
            return np.fromiter(ids, dtype=np.int64)

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> Iterator[StoredFingerprint]:
        """The fingerprints with an id above `last_id`, by id, read `batch` at a time."""
        while True:
            with self._read() as session:
                query = (
                    select(FingerprintRow)
                    .where(FingerprintRow.id > last_id)
                    .order_by(FingerprintRow.id)
                    .limit(batch)
                )
                page = [_stored_fingerprint(row) for row in session.scalars(query)]
            yield from page
            if len(page) < batch:
                return
            last_id = page[-1].id

    def fingerprints_for(self, ids: Iterable[int]) -> list[StoredFingerprint]:
        """The fingerprints with these ids, by id; ids no longer stored are left out."""
        found: list[StoredFingerprint] = []
        with self._read() as session:
            for chunk in _chunks(sorted(set(ids))):
                query = select(FingerprintRow).where(FingerprintRow.id.in_(chunk))
                found.extend(_stored_fingerprint(row) for row in session.scalars(query))
        return sorted(found, key=lambda stored: stored.id)

    # --- Captures: written once, never updated ---

    def add_capture(self, capture: Capture) -> Capture:
        """Store a new capture; returns it with its id."""
        if capture.id is not None:
            raise StorageError(f"capture {capture.id} is already stored; captures are never rewritten")
        row = CaptureRow(**_capture_values(capture))
        with self._write() as session:
            session.add(row)
            session.flush()
            capture_id = row.id
        return replace(capture, id=capture_id)

    def get_capture(self, capture_id: int) -> Capture | None:
        """The capture with this id, or None."""
        with self._read() as session:
            row = session.get(CaptureRow, capture_id)
            return _capture(row) if row else None

    def list_captures(self, ids: Sequence[int] | None = None) -> list[Capture]:
        """The captures with these ids (all of them if None), by id."""
        with self._read() as session:
            if ids is None:
                rows = list(session.scalars(select(CaptureRow).order_by(CaptureRow.id)))
            else:
                rows = [
                    row
                    for chunk in _chunks(sorted(set(ids)))
                    for row in session.scalars(select(CaptureRow).where(CaptureRow.id.in_(chunk)))
                ]
            return sorted((_capture(row) for row in rows), key=lambda c: c.id or 0)
