"""Partner repository: licensees and the scope of their licences.

In: an open Session and `records.Partner` values. Out: `records.Partner` values with their id.
Two partners never share a domain (nor one a subdomain of the other's): which licence applies
to a page must never be ambiguous, so an overlap is refused with both names.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.errors import InputError, NotFoundError
from compliance.records import Partner
from compliance.store.shared import now
from compliance.store.tables import PartnerRow

COLUMNS = tuple(f.name for f in fields(Partner) if f.name != "id")


def all_partners(session: Session) -> list[Partner]:
    """Every partner, by name."""
    return [_partner(row) for row in session.scalars(select(PartnerRow).order_by(PartnerRow.name))]


def by_name(session: Session, name: str) -> Partner | None:
    """The partner called `name`, or None."""
    row = _row(session, name)
    return _partner(row) if row else None


def add(session: Session, partner: Partner) -> Partner:
    """Store a new partner; InputError when the name exists or a domain is another partner's."""
    if _row(session, partner.name) is not None:
        raise InputError(f"partner {partner.name!r} already exists (use `partners edit`)")
    _check_overlap(session, partner)
    at = now()
    row = PartnerRow(**_values(partner), created_at=at, modified_at=at)
    session.add(row)
    session.flush()
    return replace(partner, id=row.id)


def update(session: Session, name: str, partner: Partner) -> Partner:
    """Replace the partner called `name` by `partner` (which may rename it)."""
    row = _row(session, name)
    if row is None:
        raise NotFoundError(f"no partner called {name!r}")
    if partner.name != name and _row(session, partner.name) is not None:
        raise InputError(f"partner {partner.name!r} already exists")
    _check_overlap(session, partner, exclude=row.id)
    for column, value in _values(partner).items():
        setattr(row, column, value)
    row.modified_at = now()
    session.flush()
    return replace(partner, id=row.id)


def remove(session: Session, name: str) -> None:
    """Delete the partner called `name`; NotFoundError if there is none."""
    row = _row(session, name)
    if row is None:
        raise NotFoundError(f"no partner called {name!r}")
    session.delete(row)


def _check_overlap(session: Session, partner: Partner, exclude: int | None = None) -> None:
    for other in session.scalars(select(PartnerRow).where(PartnerRow.id != (exclude or 0))):
        for mine in partner.domains:
            for theirs in other.domains:
                if mine == theirs or mine.endswith("." + theirs) or theirs.endswith("." + mine):
                    raise InputError(
                        f"domain {mine} overlaps {theirs} of partner {other.name!r}: one domain, one licence"
                    )


def _row(session: Session, name: str) -> PartnerRow | None:
    return session.scalars(select(PartnerRow).where(PartnerRow.name == name)).one_or_none()


def _values(partner: Partner) -> dict[str, Any]:
    values = {name: getattr(partner, name) for name in COLUMNS}
    values["domains"], values["sections"] = list(partner.domains), list(partner.sections)
    return values


def _partner(row: PartnerRow) -> Partner:
    values = {name: getattr(row, name) for name in COLUMNS}
    values["domains"], values["sections"] = tuple(row.domains), tuple(row.sections)
    return Partner(**values, id=row.id)
