"""The steps of a scan, as plain functions: the in-process scan (run.py) and the Celery workers
(compliance/workers) call the same ones, so a scan does the same work wherever it runs.

    discover  site's seeds ─► feeds and sitemaps first, then section pages ─► page URLs, stored as
              the scan's leads in one transaction (discovery.py; `Store.add_leads`)
    visit     a claimed lead ─► freshness, robots.txt ─► `page.check_page` ─► the page's outcome
              stored with the lead closed and its links stored as leads (one transaction)
    summary   a scan's stored pages ─► `records.SiteScan` (counts per status, failures, new findings)

A lead is claimed before its visit (`Store.claim_lead`, a conditional UPDATE): two workers never
visit one page, and a dead worker's claim lapses for another to take.
"""

from __future__ import annotations

import logging
from collections import Counter, deque
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from compliance.capture.fetch import fetch
from compliance.errors import ComplianceError
from compliance.records import PageStatus, ScanLead, ScanPage, ScanState, Site, SiteScan
from compliance.scans.discovery import Lead, Listing, is_fresh, read_seed
from compliance.scans.page import PageJob, PageResult, check_page
from compliance.scans.politeness import Hosts, Robots, RobotsUnavailable
from compliance.scans.sites import on_site

if TYPE_CHECKING:
    from compliance.pipeline import Archive

log = logging.getLogger(__name__)

MAX_SITEMAPS = 50  # sitemaps read per scan and site, index children included


class SiteFailed(ComplianceError):
    """The site could not be scanned at all this time."""


@dataclass
class Polite:
    """How one process treats the hosts of one scan: their pace, and their robots.txt read once."""

    hosts: Hosts
    robots: Robots
    seed_failures: list[tuple[str, str]] = field(default_factory=list)  # (url, reason)

    def allowed(self, url: str, delay: float) -> bool:
        """robots.txt's answer for `url`, the host's pace set from the site's delay and Crawl-delay."""
        hosts = self.hosts
        hosts.slow_down(url, delay)
        allowed = self.robots.allowed(url)
        hosts.slow_down(url, self.robots.crawl_delay(url))
        return allowed


def discover(archive: Archive, site: Site, scan_id: int, polite: Polite) -> int:
    """Store the site's page URLs as the scan's leads; how many. SiteFailed if no seed is readable."""
    leads = _leads(archive, site, polite)
    archive.store.add_leads(scan_id, [(lead.url, lead.published) for lead in leads])
    return len(leads)


def _leads(archive: Archive, site: Site, polite: Polite) -> list[Lead]:
    """The site's page URLs from its seeds: feeds and sitemaps first, then section pages."""
    listings = [listing for seed in site.seeds if (listing := _read(archive, site, seed, polite))]
    sitemaps = deque(s for listing in listings for s in listing.sitemaps)
    read = len(listings)
    while sitemaps and read < MAX_SITEMAPS:
        if listing := _read(archive, site, sitemaps.popleft(), polite):
            listings.append(listing)
            sitemaps.extend(listing.sitemaps)
        read += 1
    if not listings:
        reasons = "; ".join(reason for _, reason in polite.seed_failures[:3])
        raise SiteFailed(f"no seed could be read: {reasons}")
    ordered = sorted(listings, key=lambda listing: listing.kind == "html")
    leads = {
        lead.url: lead for listing in ordered for lead in listing.leads if on_site(lead.url, site.domains)
    }
    return list(leads.values())


def _read(archive: Archive, site: Site, url: str, polite: Polite) -> Listing | None:
    """A seed fetched politely and read, or None (its failure noted); SiteFailed without robots.txt."""
    try:
        if not polite.allowed(url, site.delay):
            polite.seed_failures.append((url, "blocked by robots.txt"))
            return None
        result = fetch(url, archive.settings, pace=polite.hosts.pace, any_type=True)
        return read_seed(result.final_url, result.body, archive.settings.max_bytes)
    except RobotsUnavailable as exc:
        if url in site.seeds[:1]:
            raise SiteFailed(str(exc)) from None
        polite.seed_failures.append((url, str(exc)))
    except ComplianceError as exc:
        polite.seed_failures.append((url, str(exc)))
    return None


def visit(
    archive: Archive, site: Site, lead: ScanLead, owner: str, polite: Polite, last_try: bool = True
) -> PageResult:
    """One claimed lead: freshness and robots.txt first, then `check_page`; its outcome stored with
    the lead closed, except a 429/503 that is not the last try (`retry_after`, nothing stored)."""
    job = page_job(site, lead, owner, last_try)
    if not is_fresh(lead.published, site.fresh_days, datetime.now(UTC)):
        return _store(archive, job, ScanPage(lead.url, PageStatus.STALE, "published before the window"))
    try:
        if not polite.allowed(lead.url, site.delay):
            return _store(archive, job, ScanPage(lead.url, PageStatus.BLOCKED_BY_ROBOTS))
    except RobotsUnavailable as exc:
        return _store(archive, job, ScanPage(lead.url, PageStatus.FAILED, str(exc)))
    last = archive.store.watched_page(job.site_id, lead.url)
    if last is not None:  # validators and hash of the page's last fetch: a conditional request
        job = replace(job, etag=last.etag, last_modified=last.last_modified, content_hash=last.content_hash)
    return check_page(archive, job, polite.hosts.pace)


def page_job(site: Site, lead: ScanLead, owner: str, last_try: bool = True) -> PageJob:
    """The `check_page` job of a claimed lead: its links followed while under the site's depth."""
    assert site.id is not None, "a stored site"
    follow = lead.depth + 1 if lead.depth < site.depth else None
    return PageJob(lead.scan_id, site.id, lead.url, site.domains, site.fresh_days, last_try=last_try,
                   lead_id=lead.id, owner=owner, follow=follow)  # fmt: skip


def give_up(archive: Archive, site: Site, lead: ScanLead, owner: str, outcome: ScanPage) -> PageResult:
    """Store the outcome of a claimed lead that will not be visited (Retry-After too long, say)."""
    return _store(archive, page_job(site, lead, owner), outcome)


def _store(archive: Archive, job: PageJob, outcome: ScanPage) -> PageResult:
    archive.store.save_scan_page(job.step(outcome))
    return PageResult(outcome)


def summary(
    archive: Archive,
    site: Site,
    scan_id: int,
    state: ScanState,
    reason: str | None = None,
    resumed: bool = False,
    seconds: float = 0.0,
    seed_failures: tuple[tuple[str, str], ...] = (),
) -> SiteScan:
    """What the scan did, from what is stored: counts per page status, failures, new findings."""
    pages = archive.store.scan_pages(scan_id)
    leads = archive.store.lead_counts(scan_id)
    counts = Counter(page.status.value for page in pages)
    discovered = sum(leads.values()) or len(pages)
    found = {"discovered": discovered, **{status.value: counts[status.value] for status in PageStatus}}
    found["matched"] = sum(1 for page in pages if page.findings)
    failures = [(p.url, p.reason or "") for p in pages if p.status == PageStatus.FAILED]
    new = tuple(f for page in pages for f in page.new_findings)
    return SiteScan(
        site.name, state, scan_id, found, (*seed_failures, *failures), new, seconds, resumed, reason
    )
