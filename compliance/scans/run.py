"""A scan: watched sites in, a `records.ScanReport` out, every page's outcome stored on the way.

    sites ─► a bounded thread pool, one site a thread (a slow site holds up no other)
    site  ─► lease (two scans never hold one site) ─► the scan to resume, or a new one
          ─► seeds: feeds and sitemaps first, then section pages ─► page URLs (discovery.py)
          ─► each page once (robots.txt, pace, back-off: politeness.py; `page.check_page`)
          ─► links of checked pages, up to the site's depth ─► finished, lease given back

A site that fails (DNS, timeouts, robots.txt unreadable, every seed failing) is reported with
its reason; the others go on. A killed scan stays `running`: the next scan of the site resumes it,
skipping every page it has an outcome for (a page's outcome is stored with its findings).
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from compliance.capture.fetch import fetch
from compliance.errors import ComplianceError
from compliance.records import (
    Decision,
    Finding,
    Judged,
    Match,
    PageStatus,
    Recorded,
    Scan,
    ScanPage,
    ScanReport,
    ScanState,
    ScanStep,
    SightingStatus,
    Site,
    SiteScan,
)
from compliance.scans.alerts import send_alerts
from compliance.scans.discovery import Lead, Listing, is_fresh, read_seed
from compliance.scans.page import PageJob, PageResult, check_page
from compliance.scans.politeness import Hosts, Robots, RobotsUnavailable
from compliance.scans.sites import is_due, on_site

if TYPE_CHECKING:
    from compliance.pipeline import Archive

log = logging.getLogger(__name__)

Progress = Callable[[str, PageStatus], None]
MAX_SITEMAPS = 50  # sitemaps read per scan and site, index children included
UNFETCHED = (PageStatus.STALE, PageStatus.BLOCKED_BY_ROBOTS)  # outcomes that cost no request


class SiteFailed(ComplianceError):
    """The site could not be scanned at all this time."""


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
    """One scan of one site, from its lease to its summary."""

    def __init__(self, archive: Archive, site: Site, hosts: Hosts, progress: Progress | None) -> None:
        assert site.id is not None, "a stored site"
        self.archive, self.site, self.site_id, self.hosts = archive, site, site.id, hosts
        self.settings, self.store = archive.settings, archive.store
        self.robots = Robots(self.settings, hosts)
        self.progress = progress
        self.owner = f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.renewed = 0.0
        self.seed_failures: list[tuple[str, str]] = []

    def run(self) -> SiteScan:
        """Scan the site (or resume its killed scan); BUSY if another scan holds it."""
        started = time.monotonic()
        if not self._renew(force=True):
            busy = "another scan is running on this site"
            return SiteScan(self.site.name, ScanState.BUSY, None, {}, (), (), 0.0, reason=busy)
        try:
            scan, resumed = self.store.open_scan(self.site_id)
            state, reason, discovered = self._finished(scan)
        finally:
            self.store.release_lease(self.site_id, self.owner)
        pages = self.store.scan_pages(scan.id)
        return self._summary(scan.id, pages, state, reason, discovered, resumed, time.monotonic() - started)

    def _finished(self, scan: Scan) -> tuple[ScanState, str | None, int]:
        try:
            discovered = self._crawl(scan)
        except SiteFailed as exc:
            self.store.finish_scan(scan.id, ScanState.FAILED, str(exc), 0)
            return ScanState.FAILED, str(exc), 0
        self.store.finish_scan(scan.id, ScanState.COMPLETE, None, discovered)
        return ScanState.COMPLETE, None, discovered

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

    # --- discovery --------------------------------------------------------------------------------

    def _crawl(self, scan: Scan) -> int:
        """Every page of the site, each once; how many distinct page URLs were discovered."""
        pages = self.store.scan_pages(scan.id)
        done = {page.url for page in pages}
        watched = self.store.watched_pages(self.site_id)
        queue = deque((lead, 1) for lead in self._leads())
        seen = {lead.url for lead, _ in queue} | done
        fetched = sum(1 for page in pages if page.status not in UNFETCHED)
        while queue and fetched < self.site.page_limit:
            lead, depth = queue.popleft()
            if lead.url in done:
                continue
            result = self._one(scan.id, lead, watched.get(lead.url))
            fetched += result.outcome.status not in UNFETCHED
            if self.progress is not None:
                self.progress(self.site.name, result.outcome.status)
            if depth < self.site.depth:
                fresh = [link for link in result.links if link not in seen]
                seen.update(fresh)
                queue.extend((Lead(link), depth + 1) for link in fresh)
            if not self._renew():
                raise SiteFailed("another scan took the site over (lease expired)")
        return len(seen)

    def _leads(self) -> list[Lead]:
        """The site's page URLs from its seeds: feeds and sitemaps first, then section pages."""
        listings = [listing for seed in self.site.seeds if (listing := self._read(seed))]
        sitemaps = deque(s for listing in listings for s in listing.sitemaps)
        read = len(listings)
        while sitemaps and read < MAX_SITEMAPS:
            if listing := self._read(sitemaps.popleft()):
                listings.append(listing)
                sitemaps.extend(listing.sitemaps)
            read += 1
        if not listings:
            reasons = "; ".join(reason for _, reason in self.seed_failures[:3])
            raise SiteFailed(f"no seed could be read: {reasons}")
        ordered = sorted(listings, key=lambda listing: listing.kind == "html")
        leads = {lead.url: lead for listing in ordered for lead in listing.leads if self._mine(lead.url)}
        return list(leads.values())

    def _mine(self, url: str) -> bool:
        return on_site(url, self.site.domains)

    def _read(self, url: str) -> Listing | None:
        """A seed fetched politely and read, or None (its failure noted); SiteFailed without robots.txt."""
        try:
            if not self._allowed(url):
                self.seed_failures.append((url, "blocked by robots.txt"))
                return None
            result = fetch(url, self.settings, pace=self.hosts.pace, any_type=True)
            return read_seed(result.final_url, result.body, self.settings.max_bytes)
        except RobotsUnavailable as exc:
            if url in self.site.seeds[:1]:
                raise SiteFailed(str(exc)) from None
            self.seed_failures.append((url, str(exc)))
        except ComplianceError as exc:
            self.seed_failures.append((url, str(exc)))
        return None

    def _allowed(self, url: str) -> bool:
        """robots.txt's answer for `url`, the host's pace set from the site's delay and Crawl-delay."""
        self.hosts.slow_down(url, self.site.delay)
        allowed = self.robots.allowed(url)
        self.hosts.slow_down(url, self.robots.crawl_delay(url))
        return allowed

    # --- pages ------------------------------------------------------------------------------------

    def _one(self, scan_id: int, lead: Lead, last: ScanPage | None) -> PageResult:
        """One page: freshness and robots.txt first, then `check_page`, tried again after a 429/503."""
        if not is_fresh(lead.published, self.site.fresh_days, datetime.now(UTC)):
            return self._store(scan_id, ScanPage(lead.url, PageStatus.STALE, "published before the window"))
        try:
            if not self._allowed(lead.url):
                return self._store(scan_id, ScanPage(lead.url, PageStatus.BLOCKED_BY_ROBOTS))
        except RobotsUnavailable as exc:
            return self._store(scan_id, ScanPage(lead.url, PageStatus.FAILED, str(exc)))
        job = PageJob(
            scan_id, self.site_id, lead.url, self.site.domains, self.site.fresh_days,
            *((last.etag, last.last_modified, last.content_hash) if last else (None, None, None)),
        )  # fmt: skip
        return self._with_back_off(job)

    def _with_back_off(self, job: PageJob) -> PageResult:
        retries = self.settings.scan_retries
        for attempt in range(retries + 1):
            result = check_page(self.archive, replace(job, last_try=attempt == retries), self.hosts.pace)
            if result.retry_after is None:
                return result
            if result.retry_after > self.settings.scan_max_wait:
                reason = f"{result.outcome.reason}; Retry-After {result.retry_after:g}s is too long to wait"
                return self._store(job.scan_id, replace(result.outcome, reason=reason))
            log.info("backing off %gs from %s", result.retry_after, job.url)
            self.hosts.back_off(job.url, result.retry_after)
            self._renew()
        raise AssertionError("the last try always stores its outcome")  # pragma: no cover

    def _store(self, scan_id: int, outcome: ScanPage) -> PageResult:
        self.store.save_scan_page(ScanStep(scan_id, self.site_id, outcome))
        return PageResult(outcome)

    def _summary(
        self,
        scan_id: int,
        pages: list[ScanPage],
        state: ScanState,
        reason: str | None,
        discovered: int,
        resumed: bool,
        seconds: float,
    ) -> SiteScan:
        counts = Counter(page.status.value for page in pages)
        summary = {"discovered": discovered, **{status.value: counts[status.value] for status in PageStatus}}
        summary["matched"] = sum(1 for page in pages if page.findings)
        failures = [(p.url, p.reason or "") for p in pages if p.status == PageStatus.FAILED]
        new = tuple(f for page in pages for f in page.new_findings)
        return SiteScan(
            self.site.name, state, scan_id, summary, tuple(self.seed_failures + failures), new,
            seconds, resumed, reason,
        )  # fmt: skip
