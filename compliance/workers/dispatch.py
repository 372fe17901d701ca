"""The sending side of the workers: what `compliance scan`, `scan --resume` and the scheduler call
when a broker is set.

    scan      the sites' `scan_site` tasks sent, then (unless told not to wait) the database
              watched until each site's scan has ended: the same `records.ScanReport` as an
              in-process scan, built from what the workers stored. When no worker answers a
              ping within `Settings.worker_grace`, the scans are reported queued, not waited for
    resume    what the database says remains of the running scans, sent again
    rechecks  the due re-checks, as one task that fans out per case
    sweep     the parts of a sweep, one task each (`compliance sweep` with a broker)
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from compliance.records import PageStatus, ScanReport, ScanState, Site, SiteScan
from compliance.workers import tasks
from compliance.workers.app import a_worker_answers, configure

if TYPE_CHECKING:
    from compliance.pipeline import Archive

Progress = Callable[[str, PageStatus], None]
POLL_SECONDS = 0.5  # between two looks at the database while the workers scan


def scan(
    archive: Archive, sites: Sequence[Site], wait: bool = True, progress: Progress | None = None
) -> ScanReport:
    """Send each site's scan to the workers; with `wait`, its report once every scan has ended."""
    from compliance.scans.run import new_matches

    configure(archive.settings)
    started, since = time.monotonic(), datetime.now(UTC)
    for site in sites:
        tasks.scan_site.delay(site.name)
    grace = archive.settings.worker_grace
    if not wait or not a_worker_answers(grace):
        reason = (
            "queued" if not wait else f"queued: no worker answered in {grace:g}s; run `compliance worker`"
        )
        queued = tuple(
            SiteScan(s.name, ScanState.RUNNING, None, {}, (), (), 0.0, reason=reason) for s in sites
        )
        return ScanReport(queued, (), time.monotonic() - started)
    done = tuple(_ended(archive, site, since, progress) for site in sites)
    return ScanReport(done, new_matches(archive, done), time.monotonic() - started)


def _ended(archive: Archive, site: Site, since: datetime, progress: Progress | None) -> SiteScan:
    """The site's scan once it has ended (complete or failed) after `since`, read from the database."""
    from compliance.scans.steps import summary

    assert site.id is not None, "a stored site"
    started, shown = time.monotonic(), {0: Counter[str]()}  # scan id → pages already reported
    while True:
        for latest in archive.store.recent_scans(site.id, 1):
            current = latest.scan.finished_at is None or latest.scan.finished_at >= since
            if progress is not None and current:
                before = shown.get(latest.scan.id, Counter())
                shown = {latest.scan.id: _show(site.name, latest.counts, before, progress)}
            finished = latest.scan.finished_at
            if latest.scan.state != ScanState.RUNNING and finished is not None and finished >= since:
                seconds = time.monotonic() - started
                return summary(
                    archive, site, latest.scan.id, latest.scan.state, latest.scan.reason, False, seconds
                )
        time.sleep(POLL_SECONDS)


def _show(name: str, counts: dict[str, int], shown: Counter[str], progress: Progress) -> Counter[str]:
    """Report the pages stored since the last look, one call each."""
    for status, count in counts.items():
        for _ in range(count - shown[status]):
            progress(name, PageStatus(status))
    return Counter(counts)


def resume(archive: Archive, names: Sequence[str] | None = None) -> dict[str, int]:
    """Send again what the database says remains of the running scans; scan → tasks sent."""
    configure(archive.settings)
    return tasks.resume(archive, list(names) if names else None)


def scan_site(archive: Archive, name: str) -> None:
    """Send one site's scan to the workers (the scheduler's job, when a broker is set)."""
    configure(archive.settings)
    tasks.scan_site.delay(name)


def rechecks(archive: Archive) -> None:
    """Send the due re-checks to the workers (the scheduler's job, when a broker is set)."""
    configure(archive.settings)
    tasks.recheck_due.delay()


def sweep_parts(archive: Archive, part_ids: Sequence[int]) -> None:
    """Send each part of a sweep to the workers, one task a part."""
    configure(archive.settings)
    for part_id in part_ids:
        tasks.sweep_part.delay(part_id)
