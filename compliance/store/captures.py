"""Capture repository: the queries on `captures` and its row ↔ value translation.

In: an open Session and `records.Capture` values. Out: `records.Capture` values with their id.
Captures are evidence: written once, never updated, kept when their article is deleted.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.errors import StorageError
from compliance.records import Capture, CaptureKind
from compliance.store.shared import chunks, utc
from compliance.store.tables import CaptureRow, PageRow


def new_row(capture: Capture) -> CaptureRow:
    """The row of a capture not stored yet; StorageError if it has an id or a naive time."""
    if capture.id is not None:
        raise StorageError(f"capture {capture.id} is already stored; captures are never rewritten")
    return CaptureRow(
        sha256=capture.sha256,
        warc_path=capture.warc_path,
        kind=capture.kind,
        requested_url=capture.requested_url,
        final_url=capture.final_url,
        redirects=list(capture.redirects),
        status=capture.status,
        headers=dict(capture.headers),
        server_ip=capture.server_ip,
        fetched_at=utc(capture.fetched_at, "capture fetched_at"),
        tool_version=capture.tool_version,
        content_type=capture.content_type,
        text=capture.text,
        meta=dict(capture.metadata),
        article_id=capture.article_id,
        host=capture.host,
        line_keys=capture.line_keys or None,
    )


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
        host=row.host,
        line_keys=row.line_keys or b"",
    )


def insert(session: Session, row: CaptureRow) -> int:
    """Insert a row made by `new_row`; its new id."""
    session.add(row)
    session.flush()
    return row.id


def get(session: Session, capture_id: int) -> Capture | None:
    """The capture with this id, or None."""
    row = session.get(CaptureRow, capture_id)
    return _capture(row) if row else None


def with_ids(session: Session, ids: Sequence[int] | None) -> list[Capture]:
    """The captures with these ids (all of them if None), by id."""
    if ids is None:
        rows = list(session.scalars(select(CaptureRow).order_by(CaptureRow.id)))
    else:
        rows = [
            row
            for chunk in chunks(sorted(set(ids)))
            for row in session.scalars(select(CaptureRow).where(CaptureRow.id.in_(chunk)))
        ]
    return sorted((_capture(row) for row in rows), key=lambda c: c.id or 0)


def of_article(session: Session, article_id: int) -> list[Capture]:
    """The captures of one of our article pages, oldest first."""
    query = select(CaptureRow).where(CaptureRow.article_id == article_id).order_by(CaptureRow.id)
    return [_capture(row) for row in session.scalars(query)]


def line_keys_before(session: Session, host: str, page_key: str, url: str, limit: int) -> list[bytes]:
    """The line keys of the latest `limit` captures of `host` at other URLs than `url`.

    Only captures fetched before the page (`page_key`, as `pages.key`) was first checked: what
    was known of the host then, so re-checking a page judges its boilerplate as its first check
    did (a finding never turns "gone" only because its copy was since seen on another page).
    Both look-ups are index seeks (`pages.key`, `ix_captures_host_fetched`).
    """
    first_seen = session.scalar(select(PageRow.first_seen).where(PageRow.key == page_key))
    query = select(CaptureRow.line_keys).where(
        CaptureRow.host == host, CaptureRow.final_url != url, CaptureRow.line_keys.is_not(None)
    )
    if first_seen is not None:
        query = query.where(CaptureRow.fetched_at < first_seen)
    query = query.order_by(CaptureRow.fetched_at.desc()).limit(limit)
    return [keys for keys in session.scalars(query) if keys]
