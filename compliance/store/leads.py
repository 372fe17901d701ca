"""Lead repository: the page URLs a scan must visit, and who holds each one.

In: an open Session, scan and lead ids, URLs, an owner (a worker's task id, or an in-process
scan's name). Out: `records.ScanLead` values, counts, and whether a claim or a finish took.

The database decides who visits a page, with conditional UPDATEs only:

    pending ─► claimed (by one owner, until a time) ─► done   (with the page's outcome, one transaction)
                  └─ the claim lapses (its worker died) ─► claimable again
    pending ─► dropped                                      (the site's page limit is reached)

A scan is complete when discovery stored its leads (`scans.leads_ready`) and none is open; the
check runs after the last completion committed, so of two workers finishing the last two leads
at once, the later one sees both done.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from compliance.errors import ClaimLost
from compliance.records import LeadDone, LeadState, PageStatus, ScanLead, ScanState
from compliance.store.shared import chunks
from compliance.store.tables import ScanLeadRow, ScanPageRow, ScanRow

OPEN = (LeadState.PENDING, LeadState.CLAIMED)
UNFETCHED = (PageStatus.STALE, PageStatus.BLOCKED_BY_ROBOTS)  # outcomes that cost no request


def add(session: Session, scan_id: int, leads: Sequence[tuple[str, datetime | None]], depth: int) -> None:
    """Store the leads the scan does not hold yet (a URL it already has an outcome for is done)."""
    urls = list(dict.fromkeys(url for url, _ in leads))
    visited: set[str] = set()
    for chunk in chunks(urls):
        found = select(ScanPageRow.url).where(ScanPageRow.scan_id == scan_id, ScanPageRow.url.in_(chunk))
        visited.update(session.scalars(found))
    dates = dict(reversed(leads))  # the first date given for a URL wins
    rows = [
        {
            "scan_id": scan_id,
            "url": url,
            "depth": depth,
            "published": dates.get(url),
            "state": LeadState.DONE if url in visited else LeadState.PENDING,
            "attempts": 0,
        }
        for url in urls
    ]
    # Two workers may find the same link at once: the unique (scan, url) keeps one, silently.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    for part in chunks(rows):
        session.execute(insert(ScanLeadRow).on_conflict_do_nothing(), list(part))


def claim(session: Session, lead_id: int, owner: str, until: datetime, at: datetime) -> ScanLead | None:
    """Take the lead for `owner` until `until` if it is pending, its claim lapsed, or it is already
    `owner`'s (a retried task); None if another holds it or it is closed."""
    free = or_(
        ScanLeadRow.state == LeadState.PENDING,
        and_(
            ScanLeadRow.state == LeadState.CLAIMED,
            or_(ScanLeadRow.claimed_until < at, ScanLeadRow.claimed_by == owner),
        ),
    )
    taken = (
        update(ScanLeadRow)
        .where(ScanLeadRow.id == lead_id, free)
        .values(
            state=LeadState.CLAIMED,
            claimed_by=owner,
            claimed_until=until,
            attempts=ScanLeadRow.attempts + 1,
        )
    )
    if session.execute(taken).rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.get(ScanLeadRow, lead_id)
    return _lead(row) if row is not None else None


def release(session: Session, lead_id: int, owner: str) -> None:
    """Give a claimed lead back (to be tried again later), if `owner` still holds it."""
    mine = and_(ScanLeadRow.id == lead_id, ScanLeadRow.claimed_by == owner)
    session.execute(
        update(ScanLeadRow)
        .where(mine, ScanLeadRow.state == LeadState.CLAIMED)
        .values(state=LeadState.PENDING, claimed_by=None, claimed_until=None)
    )


def complete(session: Session, scan_id: int, done: LeadDone) -> None:
    """Close `owner`'s claimed lead and store its links as new leads; ClaimLost if it is not theirs.

    Called in the transaction that stores the page's outcome: ClaimLost rolls both back.
    """
    mine = and_(
        ScanLeadRow.id == done.lead_id,
        ScanLeadRow.state == LeadState.CLAIMED,
        ScanLeadRow.claimed_by == done.owner,
    )
    closed = update(ScanLeadRow).where(mine).values(state=LeadState.DONE, claimed_until=None)
    if session.execute(closed).rowcount != 1:  # type: ignore[attr-defined]
        raise ClaimLost(f"lead {done.lead_id} is no longer held by {done.owner}: another worker took it")
    if done.links:
        add(session, scan_id, [(link, None) for link in done.links], done.depth)


def count_fetched(session: Session, scan_id: int, status: PageStatus) -> None:
    """Count one more page against the scan's page limit, unless its outcome cost no request."""
    if status not in UNFETCHED:
        session.execute(update(ScanRow).where(ScanRow.id == scan_id).values(fetched=ScanRow.fetched + 1))


def drop_past_limit(session: Session, scan_id: int, page_limit: int, at: datetime) -> bool:
    """Drop the scan's claimable leads once `page_limit` pages were fetched; whether it was reached.

    Workers visiting pages at once may each fetch one page past the limit, never more.
    """
    fetched = session.scalar(select(ScanRow.fetched).where(ScanRow.id == scan_id))
    if (fetched or 0) < page_limit:
        return False
    session.execute(
        update(ScanLeadRow)
        .where(ScanLeadRow.scan_id == scan_id, _claimable(at))
        .values(state=LeadState.DROPPED, claimed_until=None)
    )
    return True


def next_claimable(session: Session, scan_id: int, at: datetime) -> int | None:
    """The id of the scan's next lead to visit (breadth first: by depth, then as found), or None."""
    query = select(ScanLeadRow.id).where(ScanLeadRow.scan_id == scan_id, _claimable(at))
    return session.scalar(query.order_by(ScanLeadRow.depth, ScanLeadRow.id).limit(1))


def open_ids(session: Session, scan_id: int, urls: Sequence[str] | None = None) -> list[int]:
    """The ids of the scan's open leads (pending or claimed), those of `urls` only if given."""
    query = select(ScanLeadRow.id).where(ScanLeadRow.scan_id == scan_id, ScanLeadRow.state.in_(OPEN))
    if urls is None:
        return list(session.scalars(query.order_by(ScanLeadRow.depth, ScanLeadRow.id)))
    found: list[int] = []
    for chunk in chunks(list(urls)):
        found += session.scalars(query.where(ScanLeadRow.url.in_(chunk)))
    return found


def counts(session: Session, scan_id: int) -> dict[str, int]:
    """How many of the scan's leads are in each state."""
    query = select(ScanLeadRow.state, func.count()).where(ScanLeadRow.scan_id == scan_id)
    found = {str(state): int(n) for state, n in session.execute(query.group_by(ScanLeadRow.state))}
    return {state.value: found.get(state.value, 0) for state in LeadState}


def get(session: Session, lead_id: int) -> ScanLead | None:
    """The lead with this id, or None."""
    row = session.get(ScanLeadRow, lead_id)
    return _lead(row) if row is not None else None


def claimed_until(session: Session, lead_id: int) -> datetime | None:
    """Until when the lead's current claim runs (None if it is not claimed)."""
    query = select(ScanLeadRow.claimed_until).where(
        ScanLeadRow.id == lead_id, ScanLeadRow.state == LeadState.CLAIMED
    )
    return session.scalar(query)


def mark_ready(session: Session, scan_id: int) -> None:
    """Discovery stored the scan's leads: from now on, no open lead means the scan is complete."""
    session.execute(update(ScanRow).where(ScanRow.id == scan_id).values(leads_ready=True))


def finish_if_done(session: Session, scan_id: int, at: datetime) -> bool:
    """Mark a running scan complete if its leads are stored and none is open; True for the one
    call that did it (a conditional UPDATE: two workers never both finish a scan)."""
    open_leads = select(ScanLeadRow.id).where(ScanLeadRow.scan_id == scan_id, ScanLeadRow.state.in_(OPEN))
    if session.scalar(open_leads.limit(1)) is not None:
        return False
    total = session.scalar(
        select(func.count()).select_from(ScanLeadRow).where(ScanLeadRow.scan_id == scan_id)
    )
    finished = (
        update(ScanRow)
        .where(ScanRow.id == scan_id, ScanRow.state == ScanState.RUNNING, ScanRow.leads_ready.is_(True))
        .values(state=ScanState.COMPLETE, finished_at=at, discovered=total or 0)
    )
    return bool(session.execute(finished).rowcount == 1)  # type: ignore[attr-defined]


def _claimable(at: datetime) -> ColumnElement[bool]:
    """Pending, or claimed by a worker whose claim lapsed (it died, or was stopped)."""
    lapsed = and_(ScanLeadRow.state == LeadState.CLAIMED, ScanLeadRow.claimed_until < at)
    return or_(ScanLeadRow.state == LeadState.PENDING, lapsed)


def _lead(row: ScanLeadRow) -> ScanLead:
    return ScanLead(row.id, row.scan_id, row.url, row.depth, row.published, LeadState(row.state))
