"""Host pace repository: one pace per host for every worker process, kept in the database.

In: an open write Session, a host key (host and port), a delay or a back-off in seconds, the time
now (seconds since the epoch). Out: how long the caller must wait before its request starts.

A request books the host's next free start in one transaction: the row is locked (PostgreSQL
`FOR UPDATE`; SQLite's write transaction locks the file), so two workers never book one slot.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from compliance.store.tables import HostPaceRow


def book(session: Session, host: str, delay: float, at: float) -> float:
    """Book the host's next start, `delay` after the previous one, not before `at`: its time
    (epoch seconds). The caller waits for it from the moment the booking has committed: waiting
    `start - at` instead would make it late by the time the row lock and the commit took, and its
    request then lands closer than `delay` to the next one booked."""
    row = _locked(session, host, at)
    start = max(row.next_at, at)
    row.next_at = start + delay
    return start


def hold(session: Session, host: str, seconds: float, at: float) -> None:
    """No request to the host before `seconds` from now (a 429 or 503 and its Retry-After)."""
    row = _locked(session, host, at)
    row.next_at = max(row.next_at, at + seconds)


def _locked(session: Session, host: str, at: float) -> HostPaceRow:
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(insert(HostPaceRow).values(host=host, next_at=at).on_conflict_do_nothing())
    return session.scalars(select(HostPaceRow).where(HostPaceRow.host == host).with_for_update()).one()
