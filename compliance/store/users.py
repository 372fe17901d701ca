"""User repository: names, roles, argon2 password hashes (made by `compliance.users`), active or not.

In: an open Session, a name, a role, a hash. Out: `records.User` values; the hash is returned only
by `credentials`, for checking a password. Users are disabled, never deleted: the audit log and
the case histories keep naming them.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compliance.errors import InputError, NotFoundError
from compliance.records import Role, User
from compliance.store.shared import now
from compliance.store.tables import UserRow


def count(session: Session) -> int:
    """How many users exist, disabled ones included."""
    return session.scalar(select(func.count()).select_from(UserRow)) or 0


def add(session: Session, name: str, role: Role, password_hash: str) -> User:
    """Store a new, active user; InputError if the name is taken."""
    if _row(session, name) is not None:
        raise InputError(f"user {name!r} already exists")
    at = now()
    row = UserRow(
        name=name, role=role, password_hash=password_hash, active=True, created_at=at, modified_at=at
    )
    session.add(row)
    session.flush()
    return _user(row)


def by_name(session: Session, name: str) -> User | None:
    """The user called `name`, or None."""
    row = _row(session, name)
    return _user(row) if row else None


def credentials(session: Session, name: str) -> tuple[User, str] | None:
    """The user called `name` and its password hash, or None."""
    row = _row(session, name)
    return (_user(row), row.password_hash) if row else None


def all_users(session: Session) -> list[User]:
    """Every user, by name."""
    return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def set_active(session: Session, name: str, active: bool) -> User:
    """Enable or disable the user called `name`; NotFoundError if there is none."""
    row = _row(session, name)
    if row is None:
        raise NotFoundError(f"no user called {name!r}")
    row.active, row.modified_at = active, now()
    session.flush()
    return _user(row)


def _row(session: Session, name: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.name == name)).one_or_none()


def _user(row: UserRow) -> User:
    return User(row.id, row.name, Role(row.role), row.active, row.created_at)
