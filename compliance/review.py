"""What the legal team asks of the archive besides checks: the inbox, a finding with its texts,
reviews (set aside, put back), whitelisting a site, and the overview's figures.

In: `records.InboxFilter`, ids, a `records.Dismissal`. Out: `records` values (`InboxPage`,
`FindingLine`, `FindingView`, `Overview`). `Archive` (compliance/pipeline.py) inherits these
methods, so the web app and the CLI keep calling one facade; every method is a thin call into
the store, plus the little arithmetic the overview needs.
"""

from __future__ import annotations

import html
import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

from compliance.errors import InputError, NotFoundError
from compliance.records import (
    Action,
    Actor,
    Article,
    AuditNote,
    Capture,
    CaseState,
    Dismissal,
    DismissReason,
    FindingLine,
    FindingView,
    InboxFilter,
    InboxPage,
    InboxSort,
    Overview,
    Partner,
    ReviewState,
    Role,
)

if TYPE_CHECKING:
    from compliance.cases.notices import Notices
    from compliance.settings import Settings
    from compliance.store import Store
    from compliance.users import Users

# A notice printed as it reads: its text, in a serif face, on A4 (no outside resource is fetched).
NOTICE_PAGE = (
    "<!doctype html><html lang='{lang}'><head><meta charset='utf-8'><style>"
    "@page {{ size: A4; margin: 2.2cm }} body {{ font-family: serif; font-size: 11pt; line-height: 1.45 }}"
    " pre {{ white-space: pre-wrap; font-family: inherit }}</style></head>"
    "<body><pre>{body}</pre></body></html>"
)
OVERVIEW_WEEKS = 12
TOP_SITES = 10


class Reviewing:
    """The dashboard's reads and reviews, mixed into `Archive` (which provides `store`)."""

    store: Store
    settings: Settings
    if TYPE_CHECKING:  # provided by Archive

        @property
        def users(self) -> Users: ...

        @property
        def notices(self) -> Notices: ...

    def add_partner(self, partner: Partner, actor: Actor | None = None) -> Partner:  # provided by Archive
        raise NotImplementedError

    def inbox(
        self, wanted: InboxFilter, sort: InboxSort = InboxSort.SEVERITY, page: int = 1, per_page: int = 50
    ) -> InboxPage:
        """One page of the inbox: findings grouped by site, worst site first."""
        return self.store.inbox(wanted, sort, page, per_page)

    def site_findings(self, domain: str | None, wanted: InboxFilter, limit: int = 500) -> list[FindingLine]:
        """The findings of one site (None: submitted texts and files), worst first."""
        return self.store.finding_lines(wanted, limit=limit, domain=domain)

    def finding_lines_of(self, ids: list[int]) -> list[FindingLine]:
        """The findings with these ids, as lists show them."""
        return self.store.finding_lines_of(ids)

    def finding_lines(self, wanted: InboxFilter, limit: int = 500, offset: int = 0) -> list[FindingLine]:
        """Findings under `wanted`, worst first: what the CSV export and the lists show."""
        return self.store.finding_lines(wanted, limit, offset)

    def finding_view(self, finding_id: int) -> FindingView:
        """A finding with its article, the page's text as checked, its latest capture and review."""
        finding = self.store.get_finding(finding_id)
        if finding is None:
            raise NotFoundError(f"no finding {finding_id}")
        article = self.store.get_article(finding.article_id)
        assert article is not None  # a finding is deleted with its article (ON DELETE CASCADE)
        text = self.store.page_text(finding.page.id or 0) or ""
        capture = self.store.get_capture(finding.capture_id) if finding.capture_id else None
        [line] = self.store.finding_lines_of([finding_id])
        return FindingView(finding, article, text, capture, line.state, line.reason)

    def capture(self, capture_id: int) -> Capture:
        """A stored capture; NotFoundError if there is none."""
        found = self.store.get_capture(capture_id)
        if found is None:
            raise NotFoundError(f"no capture {capture_id}")
        return found

    def article(self, article_id: int) -> Article:
        """One of our articles; NotFoundError if there is none."""
        found = self.store.get_article(article_id)
        if found is None:
            raise NotFoundError(f"no article {article_id}")
        return found

    def search_articles(self, words: str = "", limit: int = 50, offset: int = 0) -> list[Article]:
        """Our articles whose title or URL contains `words`, newest first."""
        return self.store.search_articles(words, limit, offset)

    def findings_per_article(self, ids: list[int]) -> dict[int, int]:
        """How many findings each of these articles has."""
        return self.store.findings_per_article(ids)

    def sections(self) -> list[str]:
        """The sections our articles are filed under."""
        return self.store.sections()

    def dismiss(self, dismissal: Dismissal) -> list[int]:
        """Set findings aside for a reason; the ids that exist (none: InputError). Audited."""
        if not dismissal.finding_ids:
            raise InputError("choose at least one finding to set aside")
        done = self.store.dismiss(dismissal)
        details = {"findings": done, "reason": dismissal.reason.value, "note": dismissal.note}
        self.store.workflow.audit(AuditNote(dismissal.by, "findings.dismiss", _subject(done), details))
        return done

    def dismiss_site(self, domain: str | None, reason: DismissReason, by: str, note: str = "") -> list[int]:
        """Set aside every open finding of one site."""
        ids = self.store.site_finding_ids(domain, InboxFilter(state=ReviewState.OPEN))
        return self.dismiss(Dismissal(tuple(ids), reason, by, note))

    def reopen(self, ids: list[int], by: str) -> int:
        """Put set-aside findings back in the inbox; how many there were. Audited."""
        count = self.store.reopen(ids)
        if count:
            note = AuditNote(by, "findings.reopen", _subject(ids), {"findings": sorted(ids)})
            self.store.workflow.audit(note)
        return count

    def site_finding_ids(self, domain: str | None, wanted: InboxFilter) -> list[int]:
        """The ids of a site's findings under `wanted`."""
        return self.store.site_finding_ids(domain, wanted)

    def whitelist_partner(self, domain: str, actor: Actor) -> Partner:
        """Make a site a partner with an open licence and set its open findings aside."""
        partner = self.add_partner(Partner(name=domain, domains=(domain,)), actor)
        self.dismiss_site(domain, DismissReason.LICENSED, actor.name, f"partner {partner.name}")
        return partner

    def overview(self, today: date | None = None) -> Overview:
        """Findings per week by verdict, the worst repeat offenders, and time to removal."""
        today = today or datetime.now(UTC).date()
        first_monday = today - timedelta(days=today.weekday(), weeks=OVERVIEW_WEEKS - 1)
        since = datetime.combine(first_monday, datetime.min.time(), tzinfo=UTC)
        weeks = [first_monday + timedelta(weeks=i) for i in range(OVERVIEW_WEEKS)]
        per_week: Counter[tuple[date, str]] = Counter()
        for day, verdict, count in self.store.daily_verdicts(since):
            per_week[(day - timedelta(days=day.weekday()), verdict)] += count
        verdicts = sorted({verdict for _, verdict in per_week})
        series = {v: tuple(per_week[(week, v)] for week in weeks) for v in verdicts}
        offenders = self.inbox(InboxFilter(state=None), InboxSort.FINDINGS, 1, TOP_SITES).sites
        delays = self.store.removal_delays()
        median = statistics.median(delays) if delays else None
        return Overview(tuple(weeks), series, offenders, median, len(delays))

    # --- Sign-in: wrong passwords lock an account for a while ---

    def login_locked_until(self, name: str) -> datetime | None:
        """Until when the account `name` is locked after too many wrong passwords, or None."""
        return self.store.login_locked_until(name)

    def login_failed(self, name: str) -> datetime | None:
        """Count a wrong password for `name`; the lock's end when this one locks the account."""
        lock = timedelta(minutes=self.settings.login_lock_minutes)
        return self.store.login_failed(name, self.settings.login_max_failures, lock)

    def login_succeeded(self, name: str) -> None:
        """Forget the wrong passwords of `name`."""
        self.store.login_succeeded(name)

    def captured_body(self, capture_id: int) -> tuple[Capture, bytes]:
        """A capture and the body it kept (the final page of a fetch, or the submitted file)."""
        from compliance.capture.evidence import final_body

        capture = self.capture(capture_id)
        path = self.settings.evidence_path / capture.warc_path
        if not path.is_file():
            raise NotFoundError(f"the evidence file of capture {capture_id} is missing")
        return capture, final_body(path, self.settings.max_bytes)

    def captures(self, ids: list[int]) -> dict[int, Capture]:
        """The captures with these ids, by id (missing ones left out)."""
        return {c.id: c for c in self.store.list_captures(sorted(set(ids))) if c.id is not None}

    # --- What the workflow allows, for the dashboard to show only the buttons that will work ---

    def allows(self, role: Role, action: Action) -> bool:
        """Whether `role` may take `action` (the workflow's one table of rules)."""
        from compliance.cases.permissions import allows

        return allows(role, action)

    def case_moves(self, role: Role, state: CaseState) -> list[CaseState]:
        """The states a case in `state` may move to that `role` may move it to."""
        from compliance.cases.permissions import allows
        from compliance.cases.states import action_for, allowed

        return [target for target in allowed(state) if allows(role, action_for(state, target))]

    def case_assignees(self, actor: Actor) -> list[str]:
        """The names a case can be given to: active legal reviewers and analysts."""
        workers = (Role.LEGAL, Role.ANALYST)
        return [u.name for u in self.users.listing(actor) if u.active and u.role in workers]

    def notice_channels(self) -> tuple[str, ...]:
        """The channels a notice can be sent by."""
        from compliance.cases.notices import CHANNELS

        return CHANNELS

    def notice_pdf(self, actor: Actor, notice_id: int) -> bytes:
        """A notice's text as a PDF, to print or attach."""
        from compliance.cases.report import report_pdf

        notice = self.notices.get(actor, notice_id)
        return report_pdf(NOTICE_PAGE.format(lang=notice.language, body=html.escape(notice.body)))


def _subject(ids: list[int]) -> str:
    return "findings:" + ",".join(str(i) for i in sorted(ids)[:50])
