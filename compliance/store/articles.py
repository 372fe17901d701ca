"""Article repository: the queries on `articles` and its row ↔ value translation.

In: an open Session; `records.ArticleInput` paired with its `records.EncodedFingerprint` (or a
zero-argument callable making one, called only if the article must be written). Out:
`records.Article` values with an `UpsertStatus`. An article and its fingerprint are written in
the same transaction: the fingerprint rows go through `fingerprints.replace`.

Fingerprinting is slow and the write transaction holds the database's write lock, so the `Store`
makes the fingerprints before it: `to_write` (in a read) tells which articles differ from the
stored ones, `fingerprinted` calls their callables, then `upsert` (in the write) checks again and
calls a callable itself only for an article another writer changed in between.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from compliance.errors import InputError
from compliance.records import Article, ArticleInput, EncodedFingerprint, UpsertStatus
from compliance.store import fingerprints
from compliance.store.shared import chunks, now, utc
from compliance.store.tables import ARTICLES, ArticleRow, FingerprintRow

ARTICLE_FIELDS = tuple(f.name for f in fields(ArticleInput))
LATER_FIELDS = ("source",)  # added after revision 0001: stored articles' hashes must stay valid
# PostgreSQL advisory lock key: article upserts run one at a time (two writers must not both
# insert one new url).
UPSERT_LOCK = 0x636F6D71

FingerprintSource = EncodedFingerprint | Callable[[], EncodedFingerprint]
Items = dict[str, tuple[ArticleInput, FingerprintSource]]  # url -> the item that won


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


# --- Values in and out --------------------------------------------------------------------------


def content_hash(article: ArticleInput) -> str:
    """SHA-256 hex of the canonical JSON of all the article's fields (datetimes in UTC isoformat)."""
    values = {name: _canonical(getattr(article, name)) for name in ARTICLE_FIELDS}
    for name in LATER_FIELDS:  # unset, they leave the hash as it was before they existed
        if values[name] is None:
            del values[name]
    text = json.dumps(values, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):
        try:
            return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
        except OverflowError:  # `ingest.limits` keeps dates far from year 1 and 9999; a caller did not
            raise InputError(f"date out of range: {value.isoformat()}") from None
    return value


def _values(article: ArticleInput) -> dict[str, Any]:
    """The article's columns, datetimes checked and in UTC."""
    values = {name: getattr(article, name) for name in ARTICLE_FIELDS}
    for name in ("published_at", "updated_at"):
        values[name] = utc(values[name], f"{article.url}: {name}")
    return values


def article_value(row: ArticleRow) -> Article:
    """The stored article as a `records.Article`."""
    return Article(id=row.id, **{name: getattr(row, name) for name in ARTICLE_FIELDS})


# --- Upsert -------------------------------------------------------------------------------------


def to_write(session: Session, latest: Items, default_params: dict[str, int]) -> set[str]:
    """The urls of `latest` whose content or fingerprint params differ from the stored article's."""
    columns = [getattr(FingerprintRow, name) for name in fingerprints.PARAMS]
    stored: dict[str, tuple[str, dict[str, int] | None]] = {}
    for chunk in chunks(list(latest)):
        query = (
            select(ArticleRow.url, ArticleRow.content_hash, FingerprintRow.id, *columns)
            .outerjoin(FingerprintRow, FingerprintRow.article_id == ArticleRow.id)
            .where(ArticleRow.url.in_(chunk))
        )
        for url, digest, print_id, *values in session.execute(query):
            stored[url] = (digest, dict(zip(fingerprints.PARAMS, values, strict=True)) if print_id else None)
    return {
        url
        for url, (article, source) in latest.items()
        if stored.get(url) != (content_hash(article), _params(source, default_params))
    }


def fingerprinted(latest: Items, urls: set[str]) -> Items:
    """`latest` with the fingerprints of `urls` made now: their callables called, outside any write."""
    return {
        url: (article, source() if url in urls and callable(source) else source)
        for url, (article, source) in latest.items()
    }


def _params(source: FingerprintSource, default_params: dict[str, int]) -> dict[str, int]:
    """The params the fingerprint will have: its own, or those a callable makes."""
    return source.params if isinstance(source, EncodedFingerprint) else default_params


def latest_by_url(items: Iterable[tuple[ArticleInput, FingerprintSource]]) -> Items:
    """The items by url, a later item replacing an earlier one and taking its place in the order."""
    latest: Items = {}
    for article, source in items:
        latest.pop(article.url, None)
        latest[article.url] = (article, source)
    return latest


def upsert(
    session: Session, latest: Items, default_params: dict[str, int]
) -> list[tuple[Article, UpsertStatus]]:
    """Insert or update the articles of `latest`, with their fingerprints; one result each, in order.

    `default_params` are the params a callable's fingerprint will have: an article whose content
    and fingerprint params are both unchanged is left alone, its callable never called.
    """
    one_writer(session)
    existing = _existing(session, list(latest))
    plan = _plan(latest, existing, default_params)
    ids = _write(session, plan.new, plan.changed)
    fingerprints.replace(session, [v["id"] for v in plan.changed], plan.prints, ids)
    results = dict(plan.unchanged)
    for url, values in plan.written.items():
        status = UpsertStatus.UPDATED if url in existing else UpsertStatus.INGESTED
        results[url] = (Article(id=ids[url], **values), status)
    return [results[url] for url in latest]


def one_writer(session: Session) -> None:
    """Wait for the other writers of articles and fingerprints: one at a time, to the commit."""
    if session.get_bind().dialect.name == "postgresql":
        # SQLite's BEGIN IMMEDIATE already admits one writer at a time; do the same here.
        session.execute(select(func.pg_advisory_xact_lock(UPSERT_LOCK)))


def _plan(latest: Items, existing: dict[str, _Existing], default_params: dict[str, int]) -> _Plan:
    """Sort the items into unchanged, new and changed; fingerprint only the last two.

    A callable left to call here is an article another writer changed since `to_write`: rare,
    and the only fingerprint made while the write lock is held.
    """
    plan, at = _Plan(), now()
    for url, (article, source) in latest.items():
        old = existing.get(url)
        digest = content_hash(article)
        if old and old.row.content_hash == digest and old.params == _params(source, default_params):
            plan.unchanged[url] = (article_value(old.row), UpsertStatus.UNCHANGED)
            continue
        plan.written[url] = _values(article)
        values = {**plan.written[url], "content_hash": digest, "modified_at": at}
        if old:
            plan.changed.append({**values, "id": old.row.id})
        else:
            plan.new.append({**values, "created_at": at})
        encoded = source() if callable(source) else source
        plan.prints[url] = {**fingerprints.values(encoded, url), "created_at": at}
    return plan


def _existing(session: Session, urls: list[str]) -> dict[str, _Existing]:
    """The stored articles among `urls`, with their fingerprint params."""
    columns = [getattr(FingerprintRow, name) for name in fingerprints.PARAMS]
    found: dict[str, _Existing] = {}
    for chunk in chunks(urls):
        query = (
            select(ArticleRow, FingerprintRow.id, *columns)
            .outerjoin(FingerprintRow, FingerprintRow.article_id == ArticleRow.id)
            .where(ArticleRow.url.in_(chunk))
        )
        for row, print_id, *values in session.execute(query):
            params = dict(zip(fingerprints.PARAMS, values, strict=True)) if print_id else None
            found[row.url] = _Existing(row, params)
    return found


def _write(session: Session, new: list[dict[str, Any]], changed: list[dict[str, Any]]) -> dict[str, int]:
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


# --- Reads and delete ---------------------------------------------------------------------------


def get(session: Session, article_id: int) -> Article | None:
    """The article with this id, or None."""
    row = session.get(ArticleRow, article_id)
    return article_value(row) if row else None


def with_ids(session: Session, ids: Iterable[int]) -> dict[int, Article]:
    """The articles with these ids (missing ones left out), by id."""
    found: dict[int, Article] = {}
    for chunk in chunks(sorted(set(ids))):
        for row in session.scalars(select(ArticleRow).where(ArticleRow.id.in_(chunk))):
            found[row.id] = article_value(row)
    return found


def by_url(session: Session, url: str) -> Article | None:
    """The article stored under `url`, or None."""
    row = session.scalars(select(ArticleRow).where(ArticleRow.url == url)).first()
    return article_value(row) if row else None


def count(session: Session) -> int:
    """How many articles are stored."""
    return session.scalar(select(func.count()).select_from(ArticleRow)) or 0


def page_after(session: Session, last_id: int, batch: int) -> list[Article]:
    """Up to `batch` articles with an id above `last_id`, by id."""
    query = select(ArticleRow).where(ArticleRow.id > last_id).order_by(ArticleRow.id).limit(batch)
    return [article_value(row) for row in session.scalars(query)]


def without_notice(session: Session) -> list[Article]:
    """The articles stored without a rights notice, by publication date then id."""
    blank = (ArticleRow.rights_notice.is_(None)) | (func.trim(ArticleRow.rights_notice) == "")
    query = select(ArticleRow).where(blank).order_by(ArticleRow.published_at, ArticleRow.id)
    return [article_value(row) for row in session.scalars(query)]


def delete_by_url(session: Session, url: str) -> bool:
    """Delete the article stored under `url` (its fingerprint goes with it); False if none was."""
    found = session.scalar(select(ArticleRow.id).where(ArticleRow.url == url))
    if found is not None:
        fingerprints.remove_of_articles(session, [found])
    query = delete(ArticleRow).where(ArticleRow.url == url).returning(ArticleRow.id)
    deleted = session.execute(query.execution_options(synchronize_session=False))
    return deleted.first() is not None


def search(session: Session, words: str, limit: int, offset: int = 0) -> list[Article]:
    """Articles whose title or URL contains `words` (all of them when empty), newest first."""
    query = select(ArticleRow)
    if words.strip():
        needle = words.strip()
        in_title = ArticleRow.title.icontains(needle, autoescape=True)
        query = query.where(in_title | ArticleRow.url.icontains(needle, autoescape=True))
    query = query.order_by(ArticleRow.published_at.desc().nulls_last(), ArticleRow.id.desc())
    return [article_value(row) for row in session.scalars(query.limit(limit).offset(offset))]
