"""Tables of the workflow: users, cases, the findings they hold, their history and notices, the
audit log, failed sign-ins and the legal team's reviews of findings.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.store.tables.base import Base, UTCDateTime


class UserRow(Base):
    """A user of the workflow: a role and an argon2 password hash; disabled, never deleted."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseRow(Base):
    """A case: its state and what the workflow keeps on it (history in case_events)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    recheck_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rechecks_done: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(Text)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseFindingRow(Base):
    """A finding held by a case."""

    __tablename__ = "case_findings"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CaseEventRow(Base):
    """One entry of a case's history: state change, note, assignment, notice, export, re-check."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class NoticeRow(Base):
    """A notice drafted from a case: its text, its elements, who approved it, how it was sent."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    elements: Mapped[dict[str, Any]] = mapped_column(JSON)
    missing: Mapped[list[str]] = mapped_column(JSON)
    drafted_by: Mapped[str] = mapped_column(Text)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)
    sent_to: Mapped[str | None] = mapped_column(Text)
    proof: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    """One audit entry, hash-chained; triggers refuse UPDATE and DELETE (migration 0003)."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text, index=True)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LoginRow(Base):
    """Failed sign-ins of one account name, and until when it is locked (absent: none failed)."""

    __tablename__ = "login_failures"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    failures: Mapped[int]
    last_failure: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReviewRow(Base):
    """The legal team's review of one finding: set aside, by whom, why (absent: still open)."""

    __tablename__ = "finding_reviews"

    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
