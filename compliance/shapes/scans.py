"""The documents of the watched sites and their scans.

Site          ─► {id, name, seeds, domains, depth, page_limit, delay, schedule, fresh_days}
ScanReport    ─► {sites, counts, failures, seconds, matches (each a Recorded + its url), alerts}
ScanRecord    ─► {id, site, state, started_at, finished_at, reason, discovered, counts, failures, pages}
alert digest  ─► {sent_at, min_severity, scans, count, findings (each a Recorded + url, site)}
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from compliance.records import Recorded, ScanPage, ScanRecord, ScanReport, Site, SiteScan

from .checks import recorded
from .common import when


def site(watched: Site) -> dict[str, Any]:
    """A watched site and its settings."""
    return {
        "id": watched.id,
        "name": watched.name,
        "seeds": list(watched.seeds),
        "domains": list(watched.domains),
        "depth": watched.depth,
        "page_limit": watched.page_limit,
        "delay": watched.delay,
        "schedule": watched.schedule,
        "fresh_days": watched.fresh_days,
    }


def site_scan(done: SiteScan) -> dict[str, Any]:
    """One site's part of a scan: its state, counts per page status, failures, new findings."""
    return {
        "site": done.site,
        "scan": done.scan_id,
        "state": done.state.value,
        "reason": done.reason,
        "resumed": done.resumed,
        "counts": dict(done.counts),
        "failures": [{"url": url, "reason": reason} for url, reason in done.failures],
        "new_findings": list(done.new_findings),
        "seconds": round(done.seconds, 3),
    }


def scan_report(report: ScanReport) -> dict[str, Any]:
    """A scan record: each site's part, the counts added up, and the matches found for the first time."""
    totals: dict[str, int] = {}
    for done in report.sites:
        for status, count in done.counts.items():
            totals[status] = totals.get(status, 0) + count
    return {
        "sites": [site_scan(done) for done in report.sites],
        "counts": totals,
        "failures": [
            {"site": done.site, "url": url, "reason": reason}
            for done in report.sites
            for url, reason in done.failures
        ],
        "seconds": round(report.seconds, 3),
        "matches": [{"url": url, **recorded(kept)} for url, kept in report.matches],
        "alerts": list(report.alerts),
    }


def scan_record(kept: ScanRecord) -> dict[str, Any]:
    """A stored scan of one site: its state, counts per page status, failures and (when read) its pages."""
    scan = kept.scan
    return {
        "id": scan.id,
        "site": scan.site,
        "state": scan.state.value,
        "started_at": when(scan.started_at),
        "finished_at": when(scan.finished_at),
        "reason": scan.reason,
        "discovered": scan.discovered,
        "counts": dict(kept.counts),
        "failures": [{"url": url, "reason": reason} for url, reason in kept.failures],
        "pages": [scan_page(page) for page in kept.pages],
    }


def scan_page(page: ScanPage) -> dict[str, Any]:
    """One page's outcome in a scan."""
    return {
        "url": page.url,
        "status": page.status.value,
        "reason": page.reason,
        "findings": list(page.findings),
        "new_findings": list(page.new_findings),
    }


def alert_digest(
    report: ScanReport, found: Iterable[tuple[str, Recorded]], min_severity: str, sent_at: datetime
) -> dict[str, Any]:
    """The alert sent after a scan: its new findings at or above `min_severity`."""
    findings = [{"url": url, **recorded(kept)} for url, kept in found]
    return {
        "sent_at": sent_at.isoformat(),
        "min_severity": min_severity,
        "scans": [done.scan_id for done in report.sites if done.scan_id is not None],
        "count": len(findings),
        "findings": findings,
    }
