"""Audit repository: appending to the hash chain under a lock, and reading it back.

In: an open Session (inside the transaction of the change being audited, so the change and its
entry commit together or not at all) and an `records.AuditNote`. Out: `records.AuditEntry`
values. Appends are serialized so that two writers never chain onto the same head: PostgreSQL
takes a transaction-scoped advisory lock, SQLite's writers already hold the database lock
(BEGIN IMMEDIATE, see engine.py). Triggers (migration 0003) refuse UPDATE and DELETE.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compliance.audit import GENESIS, seal
from compliance.records import AuditEntry, AuditNote
from compliance.store.tables import AuditRow

AUDIT_LOCK = 0x61756474  # PostgreSQL advisory lock key: one appender at a time
PAGE = 1000


def append(session: Session, note: AuditNote, at: datetime) -> AuditEntry:
    """Seal `note` onto the head of the chain and insert it."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(AUDIT_LOCK)))
    head = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one_or_none()
    seq, prev = (head.seq + 1, head.hash) if head else (1, GENESIS)
    entry = seal(seq, at, note.actor, note.action, note.subject, note.details, prev)
    session.add(
        AuditRow(
            seq=entry.seq,
            at=entry.at,
            actor=entry.actor,
            action=entry.action,
            subject=entry.subject,
            details=entry.details,
            prev_hash=entry.prev_hash,
            hash=entry.hash,
        )
    )
    session.flush()
    return entry


def head(session: Session) -> AuditEntry | None:
    """The newest entry, or None for an empty log."""
    row = session.scalars(select(AuditRow).order_by(AuditRow.seq.desc()).limit(1)).one_or_none()
    return _entry(row) if row else None


def page_after(session: Session, seq: int, size: int = PAGE) -> list[AuditEntry]:
    """Up to `size` entries after `seq`, in order."""
    query = select(AuditRow).where(AuditRow.seq > seq).order_by(AuditRow.seq).limit(size)
    return [_entry(row) for row in session.scalars(query)]


def about(session: Session, subject: str) -> list[AuditEntry]:
    """The entries about `subject` (e.g. "case:12"), in order."""
    query = select(AuditRow).where(AuditRow.subject == subject)
    return [_entry(row) for row in session.scalars(query.order_by(AuditRow.seq))]


def every(session: Session) -> Iterator[AuditEntry]:
    """Every entry in order, read a page at a time."""
    last = 0
    while page := page_after(session, last):
        yield from page
        last = page[-1].seq


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        row.seq, row.at, row.actor, row.action, row.subject, row.details, row.prev_hash, row.hash
    )
