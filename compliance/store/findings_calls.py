"""`Store` calls on what the checks found: checked pages, findings and their sightings, finding
listings (the JSON API's filters and cursor), and partners.

Each call opens one `_read` or `_write` (`sessions.py`) and delegates to the repository modules
`findings`, `findings_query`, `scans` and `partners`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from compliance.records import Finding, FindingQuery, Judged, PageRef, Partner, Recorded, ScanStep
from compliance.store import findings, findings_query, partners, scans
from compliance.store.sessions import Sessions
from compliance.store.shared import now


class FindingCalls(Sessions):
    """Checks recorded, findings read and listed, partners: a mixin of `Store`."""

    # --- Pages, findings and their sightings ---

    def record_check(
        self,
        page: PageRef,
        text: str,
        judged: list[Judged],
        capture_id: int | None = None,
        step: ScanStep | None = None,
    ) -> tuple[PageRef, list[Recorded], list[int]]:
        """Store one check of `page` in one transaction: (the page with its id, recorded, gone ids).

        A scan's `step` (the page's outcome) is stored in the same transaction, with the findings
        recorded: a scan killed at any moment has either both or neither.
        """
        at = now()
        with self._write() as session:
            stored = findings.save_page(session, page, text, at)
            recorded, gone = findings.record(session, stored, judged, capture_id, at)
            if step is not None:
                found = tuple(r.finding_id for r in recorded)
                new = tuple(r.finding_id for r in recorded if r.new)
                outcome = replace(step.page, findings=found, new_findings=new)
                scans.save_page(session, replace(step, page=outcome), at)
        return stored, recorded, gone

    def site_article_ids(self, domain: str | None, since: datetime) -> set[int]:
        """The articles of ours the site copied since `since` (own-site, licensed, wire copy aside)."""
        with self._read() as session:
            return findings.site_article_ids(session, domain, since)

    def get_finding(self, finding_id: int) -> Finding | None:
        """The finding with this id, with its page and sightings, or None."""
        with self._read() as session:
            return findings.get(session, finding_id)

    def page_text(self, page_id: int) -> str | None:
        """The page's text as last checked, or None."""
        with self._read() as session:
            return findings.page_text(session, page_id)

    def find_findings(self, query: FindingQuery) -> list[Finding]:
        """The findings passing `query`, by id, without their sightings."""
        with self._read() as session:
            return findings_query.listing(session, query)

    # --- Partners ---

    def partners(self) -> list[Partner]:
        """Every partner, by name."""
        with self._read() as session:
            return partners.all_partners(session)

    def partner(self, name: str) -> Partner | None:
        """The partner called `name`, or None."""
        with self._read() as session:
            return partners.by_name(session, name)

    def add_partner(self, partner: Partner) -> Partner:
        """Store a new partner (InputError on a taken name or an overlapping domain)."""
        with self._write() as session:
            return partners.add(session, partner)

    def update_partner(self, name: str, partner: Partner) -> Partner:
        """Replace the partner called `name`."""
        with self._write() as session:
            return partners.update(session, name, partner)

    def remove_partner(self, name: str) -> None:
        """Delete the partner called `name`."""
        with self._write() as session:
            partners.remove(session, name)
