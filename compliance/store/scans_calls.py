"""`Store` calls of the scans: watched sites, the lease of a running scan, scans, their leads and pages.

Each call opens one `_read` or `_write` (`sessions.py`) and delegates to the repository modules
`sites`, `scans` and `leads`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta

from compliance.records import Scan, ScanLead, ScanPage, ScanRecord, ScanState, ScanStep, Site
from compliance.store import leads, paces, scans, sites
from compliance.store.sessions import Sessions
from compliance.store.shared import now


class ScanCalls(Sessions):
    """Watched sites and their scans: a mixin of `Store`."""

    def sites(self) -> list[Site]:
        """Every watched site, by name."""
        with self._read() as session:
            return sites.all_sites(session)

    def site(self, name: str) -> Site | None:
        """The site called `name`, or None."""
        with self._read() as session:
            return sites.by_name(session, name)

    def add_site(self, site: Site) -> Site:
        """Store a new site (InputError on a taken name)."""
        with self._write() as session:
            return sites.add(session, site)

    def update_site(self, name: str, site: Site) -> Site:
        """Replace the site called `name`."""
        with self._write() as session:
            return sites.update_site(session, name, site)

    def remove_site(self, name: str) -> None:
        """Delete the site called `name` and its scans."""
        with self._write() as session:
            sites.remove(session, name)

    # --- The lease of a running scan ---

    def acquire_lease(self, site_id: int, owner: str, until: datetime) -> bool:
        """Take (or renew) the site's lease until `until`; False if another scan holds it."""
        with self._write() as session:
            return sites.acquire_lease(session, site_id, owner, until, now())

    def release_lease(self, site_id: int, owner: str) -> None:
        """Give the site's lease back."""
        with self._write() as session:
            sites.release_lease(session, site_id, owner)

    # --- Scans and their pages ---

    def open_scan(self, site_id: int) -> tuple[Scan, bool]:
        """The site's unfinished scan (to resume) or a new one; (scan, resumed)."""
        with self._write() as session:
            return scans.open_scan(session, site_id, now())

    def finish_scan(self, scan_id: int, state: ScanState, reason: str | None, discovered: int) -> None:
        """Close a scan with its final state."""
        with self._write() as session:
            scans.finish_scan(session, scan_id, state, reason, discovered, now())

    def save_scan_page(self, step: ScanStep) -> None:
        """Store the outcome of a page that was not checked (not modified, unchanged, blocked, failed)."""
        with self._write() as session:
            scans.save_page(session, step, now())

    def scan_pages(self, scan_id: int) -> list[ScanPage]:
        """Every page outcome of a scan, in order."""
        with self._read() as session:
            return scans.pages(session, scan_id)

    def watched_pages(self, site_id: int) -> dict[str, ScanPage]:
        """What the last fetch of each of the site's pages said, by URL."""
        with self._read() as session:
            return scans.watched(session, site_id)

    def watched_page(self, site_id: int, url: str) -> ScanPage | None:
        """What the last fetch of one of the site's pages said, or None."""
        with self._read() as session:
            return scans.watched_page(session, site_id, url)

    def last_scan_started(self, site_id: int) -> datetime | None:
        """When the site's latest scan started, or None."""
        with self._read() as session:
            return scans.last_started(session, site_id)

    def get_scan(self, scan_id: int) -> Scan | None:
        """The scan with this id, or None."""
        with self._read() as session:
            return scans.get(session, scan_id)

    def recent_scans(self, site_id: int, limit: int) -> list[ScanRecord]:
        """The site's latest `limit` scans, newest first, with their counts and failed pages."""
        with self._read() as session:
            return scans.recent_scans(session, site_id, limit)

    def scan_record(self, scan_id: int) -> ScanRecord | None:
        """The scan with this id, its counts, failures and every page outcome; or None."""
        with self._read() as session:
            return scans.record(session, scan_id)

    def running_scans(self, site_ids: list[int] | None = None) -> list[Scan]:
        """The scans still running or left running by a killed process (of `site_ids` if given)."""
        with self._read() as session:
            return scans.running(session, site_ids)

    # --- The leads of a scan: what remains to visit, claimed one at a time (`leads`) ---

    def add_leads(self, scan_id: int, found: Sequence[tuple[str, datetime | None]]) -> None:
        """Store discovery's leads (depth 1) and mark the scan's discovery done, in one transaction."""
        with self._write() as session:
            leads.add(session, scan_id, found, 1)
            leads.mark_ready(session, scan_id)

    def claim_lead(self, lead_id: int, owner: str, seconds: float, page_limit: int) -> ScanLead | None:
        """The lead, now held by `owner` for `seconds`; None if another holds it, it is closed, or
        the scan reached its page limit (its pending leads are dropped)."""
        at = now()
        with self._write() as session:
            lead = leads.get(session, lead_id)
            if lead is None or leads.drop_past_limit(session, lead.scan_id, page_limit, at):
                return None
            return leads.claim(session, lead_id, owner, at + timedelta(seconds=seconds), at)

    def claim_next_lead(self, scan_id: int, owner: str, seconds: float, page_limit: int) -> ScanLead | None:
        """The scan's next claimable lead (breadth first), now `owner`'s; None when none is free."""
        while True:
            with self._read() as session:
                lead_id = leads.next_claimable(session, scan_id, now())
            if lead_id is None:
                return None
            lead = self.claim_lead(lead_id, owner, seconds, page_limit)
            if lead is not None:
                return lead
            with self._read() as session:  # taken by another worker meanwhile, or the limit reached
                if not leads.open_ids(session, scan_id):
                    return None

    def release_lead(self, lead_id: int, owner: str) -> None:
        """Give a claimed lead back, to be tried again (after a 429 or 503, say)."""
        with self._write() as session:
            leads.release(session, lead_id, owner)

    def lead(self, lead_id: int) -> ScanLead | None:
        """The lead with this id, or None."""
        with self._read() as session:
            return leads.get(session, lead_id)

    def lead_claimed_until(self, lead_id: int) -> datetime | None:
        """Until when the lead's claim runs, or None if it is not claimed."""
        with self._read() as session:
            return leads.claimed_until(session, lead_id)

    def open_leads(self, scan_id: int, urls: Sequence[str] | None = None) -> list[int]:
        """The ids of the scan's open leads (of `urls` only, if given)."""
        with self._read() as session:
            return leads.open_ids(session, scan_id, urls)

    def lead_counts(self, scan_id: int) -> dict[str, int]:
        """How many of the scan's leads are pending, claimed, done and dropped."""
        with self._read() as session:
            return leads.counts(session, scan_id)

    def finish_scan_if_done(self, scan_id: int) -> bool:
        """Complete the scan if no lead remains open; True for the one call that completed it."""
        with self._write() as session:
            return leads.finish_if_done(session, scan_id, now())

    # --- One pace per host for every worker process (`paces`) ---

    def book_host(self, host: str, delay: float) -> float:
        """Book the host's next request, `delay` after the previous one; seconds to wait for it,
        counted once the booking has committed (`paces.book`)."""
        with self._write() as session:
            start = paces.book(session, host, delay, time.time())
        return max(0.0, start - time.time())

    def hold_host(self, host: str, seconds: float) -> None:
        """No request to the host for `seconds` (a 429 or 503), whichever worker asks next."""
        with self._write() as session:
            paces.hold(session, host, seconds, time.time())
