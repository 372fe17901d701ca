"""A scan in this process: watched sites in, a `records.ScanReport` out, every page's outcome stored.

    sites ─► a bounded thread pool, one site a thread (a slow site holds up no other)
    site  ─► lease (two scans never hold one site) ─► the scan to resume, or a new one
          ─► discovery's leads stored once (`steps.discover`)
          ─► the next lead claimed, breadth first, and visited (`steps.visit`: robots.txt, pace,
             `page.check_page`), backed off after a 429/503; its links stored as leads, up to
             the site's depth ─► no lead open: complete, lease given back

This is the embedded default: the Celery workers (compliance/workers) run the same steps, one
task a lead. A site that fails (DNS, timeouts, robots.txt unreadable, every seed failing) is
reported with its reason; the others go on. A killed scan stays `running`: the next scan of the
site resumes it from the leads the database holds (a page's outcome is stored with its lead
closed and its findings, in one transaction).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from compliance.records import (
    Decision,
    Finding,
    Judged,
    Match,
    PageStatus,
    Recorded,
    Scan,
    ScanLead,
    ScanReport,
    ScanState,
    SightingStatus,
    Site,
    SiteScan,
)
from compliance.scans.alerts import send_alerts
from compliance.scans.page import PageResult
from compliance.scans.politeness import Hosts, Robots
from compliance.scans.sites import is_due
from compliance.scans.steps import Polite, SiteFailed, discover, give_up, summary, visit

if TYPE_CHECKING:
    from compliance.pipeline import Archive

log = logging.getLogger(__name__)

Progress = Callable[[str, PageStatus], None]
WAIT_FOR_OTHERS = 0.2  # seconds between looks at leads other processes hold


def run_scans(archive: Archive, sites: Sequence[Site], progress: Progress | None = None) -> ScanReport:
    """Scan `sites` side by side; one failing never stops the others."""
    started, hosts = time.monotonic(), Hosts()
    workers = max(1, min(len(sites), archive.settings.scan_workers))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scan") as pool:
        futures = [pool.submit(_scan_safely, archive, site, hosts, progress) for site in sites]
        results = tuple(future.result() for future in futures)
    report = ScanReport(results, new_matches(archive, results), time.monotonic() - started)
    return replace(report, alerts=send_alerts(report, archive.settings))


def due_sites(archive: Archive, at: datetime | None = None) -> list[Site]:
    """The sites whose schedule calls for a scan now."""
    at = at or datetime.now(UTC)
    store = archive.store
    return [s for s in store.sites() if s.id is not None and is_due(s, store.last_scan_started(s.id), at)]


def _scan_safely(archive: Archive, site: Site, hosts: Hosts, progress: Progress | None) -> SiteScan:
    started = time.monotonic()
    try:
        return SiteScanner(archive, site, hosts, progress).run()
    except Exception as exc:  # a bug or a database failure on one site must not stop the others
        log.exception("scan of %s failed", site.name)
        seconds, reason = time.monotonic() - started, f"{type(exc).__name__}: {exc}"
        return SiteScan(site.name, ScanState.FAILED, None, {}, (), (), seconds, reason=reason)


def new_matches(archive: Archive, results: Sequence[SiteScan]) -> tuple[tuple[str, Recorded], ...]:
    """The matches the scans found for the first time, rebuilt from their stored findings."""
    found = []
    for finding_id in (f for result in results for f in result.new_findings):
        finding = archive.store.get_finding(finding_id)
        article = archive.store.get_article(finding.article_id) if finding else None
        if finding is not None and article is not None:
            found.append((finding.page.url or finding.page.key, _recorded(finding, article)))
    return tuple(found)


def _recorded(finding: Finding, article: object) -> Recorded:
    """A stored finding in the shape a check returns it (as `check --json` prints it)."""
    match = Match(article, finding.passages, finding.scores, finding.verdict)  # type: ignore[arg-type]
    decision = Decision(
        finding.verdict,
        finding.reasons,
        finding.attribution,
        finding.notice,
        finding.severity,
        finding.scores.coverage,
        finding.rules,
    )
    return Recorded(Judged(match, decision), finding.id, True, SightingStatus.NEW)


class SiteScanner:
    """One scan of one site in this process, from its lease to its summary."""

    def __init__(self, archive: Archive, site: Site, hosts: Hosts, progress: Progress | None) -> None:
        assert site.id is not None, "a stored site"
        self.archive, self.site, self.site_id = archive, site, site.id
        self.settings, self.store = archive.settings, archive.store
        self.polite = Polite(hosts, Robots(self.settings, hosts))
        self.progress = progress
        self.owner = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.renewed = 0.0

    def run(self) -> SiteScan:
        """Scan the site (or resume its killed scan); BUSY if another scan holds it."""
        started = time.monotonic()
        if not self._renew(force=True):
            busy = "another scan is running on this site"
            return SiteScan(self.site.name, ScanState.BUSY, None, {}, (), (), 0.0, reason=busy)
        try:
            scan, resumed = self.store.open_scan(self.site_id)
            state, reason = self._finished(scan)
        finally:
            self.store.release_lease(self.site_id, self.owner)
        seconds = time.monotonic() - started
        failures = tuple(self.polite.seed_failures)
        return summary(self.archive, self.site, scan.id, state, reason, resumed, seconds, failures)

    def _finished(self, scan: Scan) -> tuple[ScanState, str | None]:
        try:
            if not scan.leads_ready:
                discover(self.archive, self.site, scan.id, self.polite)
            self._crawl(scan.id)
        except SiteFailed as exc:
            self.store.finish_scan(scan.id, ScanState.FAILED, str(exc), 0)
            return ScanState.FAILED, str(exc)
        self.store.finish_scan_if_done(scan.id)
        return ScanState.COMPLETE, None

    def _renew(self, force: bool = False) -> bool:
        """Take or extend the site's lease (every third of its length); False if another scan has it."""
        lease = self.settings.scan_lease_seconds
        if not force and time.monotonic() - self.renewed < lease / 3:
            return True
        until = datetime.now(UTC) + timedelta(seconds=lease)
        if not self.store.acquire_lease(self.site_id, self.owner, until):
            return False
        self.renewed = time.monotonic()
        return True

    def _crawl(self, scan_id: int) -> None:
        """Every lead of the scan visited, breadth first, until none remains open."""
        claim = self.settings.scan_lease_seconds
        while True:
            lead = self.store.claim_next_lead(scan_id, self.owner, claim, self.site.page_limit)
            if lead is None:
                if not self.store.open_leads(scan_id):
                    return
                time.sleep(WAIT_FOR_OTHERS)  # another process holds the last leads: wait for them
            else:
                result = self._with_back_off(lead)
                if self.progress is not None:
                    self.progress(self.site.name, result.outcome.status)
            if not self._renew():
                raise SiteFailed("another scan took the site over (lease expired)")

    def _with_back_off(self, lead: ScanLead) -> PageResult:
        """Visit a claimed lead, tried again after a 429/503 (its Retry-After honoured)."""
        retries = self.settings.scan_retries
        for attempt in range(retries + 1):
            result = visit(self.archive, self.site, lead, self.owner, self.polite, attempt == retries)
            if result.retry_after is None:
                return result
            if result.retry_after > self.settings.scan_max_wait:
                reason = f"{result.outcome.reason}; Retry-After {result.retry_after:g}s is too long to wait"
                return give_up(
                    self.archive, self.site, lead, self.owner, replace(result.outcome, reason=reason)
                )
            log.info("backing off %gs from %s", result.retry_after, lead.url)
            self.polite.hosts.back_off(lead.url, result.retry_after)
            self._renew()
            # The claim runs as long as the lease: take it again for the next try.
            self.store.claim_lead(lead.id, self.owner, self.settings.scan_lease_seconds, self.site.page_limit)
        raise AssertionError("the last try always stores its outcome")  # pragma: no cover
