"""`Store` calls of the scans: watched sites, the lease of a running scan, scans and their pages.

Each call opens one `_read` or `_write` (`sessions.py`) and delegates to the repository modules
`sites` and `scans`.
"""

from __future__ import annotations

from datetime import datetime

from compliance.records import Scan, ScanPage, ScanRecord, ScanState, ScanStep, Site
from compliance.store import scans, sites
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
