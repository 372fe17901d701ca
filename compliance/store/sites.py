"""Site repository: watched sites, and the lease that keeps two scans off one site.

In: an open Session and `records.Site` values. Out: `records.Site` values with their id. A lease
is a row-level compare-and-set (`lease_until` in the past, or ours): two scans, in two
processes or on two machines, never hold one site at once, and a crashed scan's lease expires.
Every change to a site (add, edit, remove) appends its audit entry in the same transaction
("site.add", "site.update", "site.remove" on "site:NAME"), by the local operator: `Archive`'s site
methods take no actor, so the machine's login acting as admin is who changed it, as for partners
before any user exists.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from compliance.errors import InputError, NotFoundError
from compliance.records import AuditNote, Site
from compliance.store import audit
from compliance.store.shared import now
from compliance.store.tables import SiteRow

COLUMNS = ("name", "seeds", "domains", "depth", "page_limit", "delay", "schedule", "fresh_days")


def all_sites(session: Session) -> list[Site]:
    """Every watched site, by name."""
    return [_site(row) for row in session.scalars(select(SiteRow).order_by(SiteRow.name))]


def by_name(session: Session, name: str) -> Site | None:
    """The site called `name`, or None."""
    row = _row(session, name)
    return _site(row) if row else None


def add(session: Session, site: Site) -> Site:
    """Store a new site; InputError when the name is taken."""
    if _row(session, site.name) is not None:
        raise InputError(f"site {site.name!r} already exists (use `sites edit`)")
    at = now()
    row = SiteRow(**_values(site), created_at=at, modified_at=at)
    session.add(row)
    session.flush()
    _audit(session, "site.add", site.name, _values(site))
    return replace(site, id=row.id)


def update_site(session: Session, name: str, site: Site) -> Site:
    """Replace the site called `name` by `site` (which may rename it)."""
    row = _existing(session, name)
    if site.name != name and _row(session, site.name) is not None:
        raise InputError(f"site {site.name!r} already exists")
    for column, value in _values(site).items():
        setattr(row, column, value)
    row.modified_at = now()
    session.flush()
    _audit(session, "site.update", name, _values(site))
    return replace(site, id=row.id)


def remove(session: Session, name: str) -> None:
    """Delete the site called `name` with its scans (the findings stay)."""
    session.delete(_existing(session, name))
    _audit(session, "site.remove", name, {})


def acquire_lease(session: Session, site_id: int, owner: str, until: datetime, at: datetime) -> bool:
    """Take the site's lease until `until` if it is free, expired or already `owner`'s."""
    free = or_(SiteRow.lease_until.is_(None), SiteRow.lease_until < at, SiteRow.lease_owner == owner)
    query = update(SiteRow).where(SiteRow.id == site_id, free).values(lease_owner=owner, lease_until=until)
    return session.execute(query).rowcount == 1  # type: ignore[attr-defined]


def release_lease(session: Session, site_id: int, owner: str) -> None:
    """Give the lease back, if `owner` still holds it."""
    query = update(SiteRow).where(SiteRow.id == site_id, SiteRow.lease_owner == owner)
    session.execute(query.values(lease_owner=None, lease_until=None))


def _existing(session: Session, name: str) -> SiteRow:
    row = _row(session, name)
    if row is None:
        raise NotFoundError(f"no site called {name!r}")
    return row


def _audit(session: Session, action: str, name: str, details: dict[str, Any]) -> None:
    """Append who changed the site called `name`, and to what, to the audit chain."""
    from compliance.users import local_operator  # at call time: compliance.users imports the store

    audit.append(session, AuditNote(local_operator().name, action, f"site:{name}", details), now())


def _row(session: Session, name: str) -> SiteRow | None:
    return session.scalars(select(SiteRow).where(SiteRow.name == name)).one_or_none()


def _values(site: Site) -> dict[str, Any]:
    values = {column: getattr(site, column) for column in COLUMNS}
    values["seeds"], values["domains"] = list(site.seeds), list(site.domains)
    return values


def _site(row: SiteRow) -> Site:
    values = {column: getattr(row, column) for column in COLUMNS}
    values["seeds"], values["domains"] = tuple(row.seeds), tuple(row.domains)
    return Site(**values, id=row.id)
