"""`Store` calls of the legal team's inbox: findings by site, their reviews, and the figures the
dashboard shows.

Each call opens one `_read` or `_write` (`sessions.py`) and delegates to the repository module
`inbox`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from compliance.records import Dismissal, FindingLine, InboxFilter, InboxPage, InboxSort
from compliance.store import inbox
from compliance.store.sessions import Sessions
from compliance.store.shared import now


class InboxCalls(Sessions):
    """The inbox, reviews and the dashboard's figures: a mixin of `Store`."""

    def inbox(self, wanted: InboxFilter, sort: InboxSort, page: int = 1, per_page: int = 50) -> InboxPage:
        """One page of the inbox: sites with their counts, worst first (or as `sort` says)."""
        with self._read() as session:
            return inbox.sites(session, wanted, sort, page, per_page)

    def finding_lines(
        self, wanted: InboxFilter, limit: int = 500, offset: int = 0, domain: Any = ...
    ) -> list[FindingLine]:
        """Findings under `wanted`, worst first; of one site when `domain` is given (None: submitted)."""
        with self._read() as session:
            return inbox.lines(session, wanted, limit, offset, domain)

    def finding_lines_of(self, ids: Iterable[int]) -> list[FindingLine]:
        """The findings with these ids, as lists show them."""
        with self._read() as session:
            return inbox.lines_of(session, ids)

    def site_finding_ids(self, domain: str | None, wanted: InboxFilter) -> list[int]:
        """The ids of a site's findings under `wanted`."""
        with self._read() as session:
            return inbox.ids_of_site(session, domain, wanted)

    def dismiss(self, dismissal: Dismissal) -> list[int]:
        """Set findings aside for a reason; the ids that exist."""
        with self._write() as session:
            return inbox.dismiss(session, dismissal, now())

    def reopen(self, ids: Iterable[int]) -> int:
        """Put set-aside findings back in the inbox; how many there were."""
        with self._write() as session:
            return inbox.reopen(session, ids)

    def daily_verdicts(self, since: datetime) -> list[tuple[date, str, int]]:
        """Findings first seen each day since `since`, per verdict."""
        with self._read() as session:
            return inbox.daily_verdicts(session, since)

    def findings_per_article(self, ids: Iterable[int]) -> dict[int, int]:
        """How many findings each of these articles has."""
        with self._read() as session:
            return inbox.findings_per_article(session, ids)

    def sections(self) -> list[str]:
        """The sections of our articles."""
        with self._read() as session:
            return inbox.sections(session)

    def removal_delays(self) -> list[float]:
        """Days from first sight to removal, one per finding seen gone."""
        with self._read() as session:
            return inbox.removal_delays(session)
