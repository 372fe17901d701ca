"""API key repository: keys of the JSON API, kept as SHA-256 hashes, revoked but never deleted.

In: an open Session, a key's name, scopes and hash. Out: `records.ApiKey` values (never the key
nor its hash: the hash stays in this module).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.errors import NotFoundError
from compliance.records import ApiKey, ApiScope
from compliance.store.shared import now
from compliance.store.tables import ApiKeyRow


def add(session: Session, name: str, prefix: str, key_hash: str, scopes: tuple[ApiScope, ...]) -> ApiKey:
    """Store a new key by its hash."""
    row = ApiKeyRow(name=name, prefix=prefix, key_hash=key_hash, scopes=[s.value for s in scopes])
    row.created_at = now()
    session.add(row)
    session.flush()
    return _key(row)


def by_hash(session: Session, key_hash: str) -> ApiKey | None:
    """The key with this hash, revoked or not, or None."""
    row = session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash)).one_or_none()
    return _key(row) if row else None


def all_keys(session: Session) -> list[ApiKey]:
    """Every key, by id."""
    return [_key(row) for row in session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.id))]


def revoke(session: Session, key_id: int, at: datetime) -> ApiKey:
    """Revoke the key (once: a second revocation keeps the first time)."""
    row = session.get(ApiKeyRow, key_id)
    if row is None:
        raise NotFoundError(f"no API key with id {key_id}")
    row.revoked_at = row.revoked_at or at
    session.flush()
    return _key(row)


def touch(session: Session, key_id: int, at: datetime) -> None:
    """Record that the key was used at `at`."""
    row = session.get(ApiKeyRow, key_id)
    if row is not None:
        row.last_used_at = at


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=tuple(ApiScope(s) for s in row.scopes),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
