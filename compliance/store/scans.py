"""Scan repository: scans of watched sites, each page's outcome, and each watched page's last fetch.

In: an open Session, site and scan ids, `records.ScanPage` outcomes. Out: `records.Scan` and
`records.ScanPage` values, and `records.ScanRecord` for the dashboard. A scan left `running`
(its process was killed) is the one the next scan of the site resumes: the pages it already has an
outcome for are not fetched again.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compliance.records import PageStatus, Scan, ScanPage, ScanRecord, ScanState, ScanStep
from compliance.store import leads
from compliance.store.tables import ScanPageRow, ScanRow, SiteRow, WatchedPageRow


def open_scan(session: Session, site_id: int, at: datetime) -> tuple[Scan, bool]:
    """The site's unfinished scan to resume, else a new one; (scan, resumed)."""
    query = select(ScanRow).where(ScanRow.site_id == site_id, ScanRow.state == ScanState.RUNNING)
    row = session.scalars(query.order_by(ScanRow.id.desc()).limit(1)).one_or_none()
    resumed = row is not None
    if row is None:
        row = ScanRow(site_id=site_id, started_at=at, state=ScanState.RUNNING, discovered=0)
        session.add(row)
        session.flush()
    return _scan(session, row), resumed


def finish_scan(
    session: Session, scan_id: int, state: ScanState, reason: str | None, discovered: int, at: datetime
) -> None:
    """Close a running scan: its final state, why it failed if it did, how many pages were discovered."""
    row = session.get(ScanRow, scan_id)
    if row is not None and row.state == ScanState.RUNNING:
        row.state, row.reason, row.discovered, row.finished_at = state, reason, discovered, at


def save_page(session: Session, step: ScanStep, at: datetime) -> None:
    """Store one page's outcome in its scan, and what the fetch said for the next conditional request.

    With `step.done`, the lead is closed (and its links stored as leads) in the same transaction:
    ClaimLost if another worker holds it, and nothing is stored.
    """
    page = step.page
    if step.done is not None:
        leads.complete(session, step.scan_id, step.done)
    leads.count_fetched(session, step.scan_id, page.status)
    session.add(
        ScanPageRow(
            scan_id=step.scan_id,
            url=page.url,
            status=page.status,
            reason=page.reason,
            findings=list(page.findings),
            new_findings=list(page.new_findings),
            seen_at=at,
        )
    )
    if page.status in (PageStatus.FETCHED, PageStatus.UNCHANGED, PageStatus.STALE):
        _remember(session, step.site_id, page, at)
    session.flush()


def _remember(session: Session, site_id: int, page: ScanPage, at: datetime) -> None:
    query = select(WatchedPageRow).where(WatchedPageRow.site_id == site_id, WatchedPageRow.url == page.url)
    row = session.scalars(query).one_or_none()
    if row is None:
        row = WatchedPageRow(site_id=site_id, url=page.url)
        session.add(row)
    row.etag, row.last_modified = page.etag, page.last_modified
    row.content_hash, row.checked_at = page.content_hash, at


def pages(session: Session, scan_id: int) -> list[ScanPage]:
    """Every page outcome of a scan, in the order they were stored."""
    query = select(ScanPageRow).where(ScanPageRow.scan_id == scan_id).order_by(ScanPageRow.id)
    return [
        ScanPage(
            url=row.url,
            status=PageStatus(row.status),
            reason=row.reason,
            findings=tuple(row.findings),
            new_findings=tuple(row.new_findings),
        )
        for row in session.scalars(query)
    ]


def watched_page(session: Session, site_id: int, url: str) -> ScanPage | None:
    """What the last fetch of one of the site's pages said, or None if it was never fetched."""
    query = select(WatchedPageRow).where(WatchedPageRow.site_id == site_id, WatchedPageRow.url == url)
    row = session.scalars(query).one_or_none()
    if row is None:
        return None
    return ScanPage(row.url, PageStatus.FETCHED, etag=row.etag, last_modified=row.last_modified,
                    content_hash=row.content_hash)  # fmt: skip


def watched(session: Session, site_id: int) -> dict[str, ScanPage]:
    """What the last fetch of each of the site's pages said (validators and content hash), by URL."""
    query = select(WatchedPageRow).where(WatchedPageRow.site_id == site_id)
    return {
        row.url: ScanPage(
            row.url,
            PageStatus.FETCHED,
            etag=row.etag,
            last_modified=row.last_modified,
            content_hash=row.content_hash,
        )
        for row in session.scalars(query)
    }


def running(session: Session, site_ids: list[int] | None = None) -> list[Scan]:
    """The scans still running (or left running by a killed process), of `site_ids` if given."""
    query = select(ScanRow).where(ScanRow.state == ScanState.RUNNING)
    if site_ids is not None:
        query = query.where(ScanRow.site_id.in_(site_ids))
    return [_scan(session, row) for row in session.scalars(query.order_by(ScanRow.id))]


def last_started(session: Session, site_id: int) -> datetime | None:
    """When the site's latest scan started, or None if it was never scanned."""
    return session.scalar(select(func.max(ScanRow.started_at)).where(ScanRow.site_id == site_id))


def get(session: Session, scan_id: int) -> Scan | None:
    """The scan with this id, or None."""
    row = session.get(ScanRow, scan_id)
    return _scan(session, row) if row else None


def recent_scans(session: Session, site_id: int, limit: int) -> list[ScanRecord]:
    """The site's latest `limit` scans, newest first, with their counts and failed pages."""
    query = select(ScanRow).where(ScanRow.site_id == site_id).order_by(ScanRow.id.desc()).limit(limit)
    return [_record(session, _scan(session, row)) for row in session.scalars(query)]


def record(session: Session, scan_id: int) -> ScanRecord | None:
    """The scan with this id, its counts, failures and every page outcome; None if there is none."""
    scan = get(session, scan_id)
    return _record(session, scan, tuple(pages(session, scan_id))) if scan else None


def _record(session: Session, scan: Scan, outcomes: tuple[ScanPage, ...] = ()) -> ScanRecord:
    counted = select(ScanPageRow.status, func.count()).where(ScanPageRow.scan_id == scan.id)
    counts = {str(status): int(n) for status, n in session.execute(counted.group_by(ScanPageRow.status))}
    failed = select(ScanPageRow.url, ScanPageRow.reason).where(
        ScanPageRow.scan_id == scan.id, ScanPageRow.status == PageStatus.FAILED
    )
    failures = tuple((url, reason or "") for url, reason in session.execute(failed.order_by(ScanPageRow.id)))
    return ScanRecord(scan, {s.value: counts.get(s.value, 0) for s in PageStatus}, failures, outcomes)


def _scan(session: Session, row: ScanRow) -> Scan:
    site = session.get(SiteRow, row.site_id)
    return Scan(
        id=row.id,
        site_id=row.site_id,
        site=site.name if site else "",
        started_at=row.started_at,
        state=ScanState(row.state),
        finished_at=row.finished_at,
        reason=row.reason,
        discovered=row.discovered,
        leads_ready=row.leads_ready,
    )
