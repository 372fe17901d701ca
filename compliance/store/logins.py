"""Failed sign-ins, per account name: how many in a row, and until when the account is locked.

In: an open Session, a name, the time, the limits. Out: the time the account is locked until,
or None. Kept in the database so that every web process sees the same lock, and per name (known
or not) so that a lock says nothing about which names exist.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.orm import Session

from compliance.store.tables import LoginRow


def locked_until(session: Session, name: str, at: datetime) -> datetime | None:
    """Until when `name` is locked, or None when it may try now."""
    row = session.get(LoginRow, name)
    if row is None or row.locked_until is None or row.locked_until <= at:
        return None
    return row.locked_until


def failed(session: Session, name: str, at: datetime, limit: int, lock: timedelta) -> datetime | None:
    """Count one failure; the lock's end when this one reaches `limit` failures in a row."""
    row = session.get(LoginRow, name)
    if row is None:
        row = LoginRow(name=name, failures=0, last_failure=at, locked_until=None)
        session.add(row)
    if row.locked_until is not None and row.locked_until <= at:
        row.failures, row.locked_until = 0, None  # the lock has run out: a fresh count
    row.failures += 1
    row.last_failure = at
    if row.failures >= limit:
        row.locked_until = at + lock
    return row.locked_until


def succeeded(session: Session, name: str) -> None:
    """Forget the failures of `name`."""
    session.execute(delete(LoginRow).where(LoginRow.name == name))
