"""Builders for the workflow tests: an archive with one article of ours, findings made on demand
(no fetch: straight through the store, each with a capture row), actors of every role, and a case
brought to any state by the shortest honest path through the state machine.

    desk = Desk(archive)                   one article stored, one judged match kept to copy
    desk.finding()                         a new finding on a new page of copies.example
    desk.case_in(CaseState.NOTICE_SENT)    a case walked there: reviewed, confirmed, frozen, notice
                                           drafted, approved by another person, sent
    desk.gone(case) / desk.back(case)      a re-check sees every copy gone / a copy back
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import count

from factories import article_input, excerpt, fixture_bodies, page_with

from compliance.cases.permissions import SYSTEM
from compliance.pipeline import Archive
from compliance.records import (
    Actor,
    Capture,
    CaptureKind,
    Case,
    CaseState,
    DismissReason,
    Judged,
    PageKind,
    PageRef,
    Role,
)

S = CaseState
LEGAL = Actor("setup-legal", Role.LEGAL)
ANALYST = Actor("setup-analyst", Role.ANALYST)
ACTORS = {
    Role.ADMIN: Actor("adam", Role.ADMIN),
    Role.LEGAL: Actor("lea", Role.LEGAL),
    Role.ANALYST: Actor("ana", Role.ANALYST),
    Role.VIEWER: Actor("vic", Role.VIEWER),
    Role.SYSTEM: SYSTEM,
}
DOMAIN = "copies.example"
RECIPIENT = "redaction@copies.example"
# The shortest path to each state, from new; NOTICE_SENT goes through a notice, REMOVED through a
# re-check that sees every copy gone, REOPENED through one that sees a copy back.
PATHS: dict[CaseState, tuple[CaseState, ...]] = {
    S.NEW: (),
    S.UNDER_REVIEW: (S.UNDER_REVIEW,),
    S.DISMISSED: (S.DISMISSED,),
    S.CONFIRMED: (S.UNDER_REVIEW, S.CONFIRMED),
    S.EVIDENCE_FROZEN: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN),
    S.NOTICE_SENT: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT),
    S.AWAITING_ANSWER: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT, S.AWAITING_ANSWER),
    S.REMOVED: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT, S.REMOVED),
    S.LICENSED: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT, S.LICENSED),
    S.ESCALATED: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT, S.ESCALATED),
    S.CLOSED: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT, S.REMOVED, S.CLOSED),
    S.REOPENED: (S.UNDER_REVIEW, S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT, S.REMOVED, S.REOPENED),
}


@dataclass
class Desk:
    """An archive with one article of ours and the means to make findings and cases quickly."""

    archive: Archive
    judged: Judged = field(init=False)
    capture_id: int = field(init=False)
    serial: count = field(default_factory=lambda: count(1))

    def __post_init__(self) -> None:
        self.archive.ingest([article_input()])
        report = self.archive.record_text(page_with(excerpt(fixture_bodies()[0], 120)), name="seed.txt")
        self.judged = report.recorded[0].judged
        capture = Capture(
            sha256="ab" * 32,
            warc_path="ab/fake.warc.gz",
            kind=CaptureKind.URL,
            requested_url=f"https://{DOMAIN}/",
            final_url=f"https://{DOMAIN}/",
            redirects=(),
            status=200,
            headers={},
            server_ip="127.0.0.1",
            fetched_at=datetime(2024, 3, 20, 10, 0, tzinfo=UTC),
            tool_version="test",
            content_type="text/html",
            text="",
        )
        self.capture_id = self.archive.store.add_capture(capture).id or 0

    def page(self) -> PageRef:
        n = next(self.serial)
        url = f"https://{DOMAIN}/copie-{n}"
        return PageRef(PageKind.URL, url, url=url, domain=DOMAIN)

    def finding(self, page: PageRef | None = None) -> int:
        """A new finding (on a new page unless one is given), seen with the shared capture."""
        _page, recorded, _gone = self.archive.store.record_check(
            page or self.page(), "texte", [self.judged], self.capture_id
        )
        return recorded[0].finding_id

    def open(self) -> Case:
        return self.archive.cases.open(ANALYST, finding_ids=[self.finding()])

    def gone(self, case: Case) -> None:
        """A re-check sees every copy of the case gone."""
        for finding in self._findings(case):
            self.archive.store.record_check(finding.page, "texte", [], self.capture_id)

    def back(self, case: Case) -> None:
        """A re-check sees the copies back."""
        for finding in self._findings(case):
            self.archive.store.record_check(finding.page, "texte", [self.judged], self.capture_id)

    def approved_notice(self, case: Case) -> int:
        """A complete notice on the case, drafted by an analyst and approved by a legal reviewer."""
        notice = self.archive.notices.draft(ANALYST, case.id, "formal_notice", "fr", recipient=RECIPIENT)
        assert not notice.missing, notice.missing
        return self.archive.notices.approve(LEGAL, notice.id).id

    def step(self, case: Case, target: CaseState, actor: Actor) -> Case:
        """Move `case` to `target` as `actor`, doing first what the move needs."""
        if target == S.NOTICE_SENT:
            notice_id = self.approved_notice(case)
            self.archive.notices.sent(actor, notice_id, "email", RECIPIENT, "message-id <1@copies>")
            return self.archive.cases.get(LEGAL, case.id)
        if target == S.REMOVED:
            self.gone(case)
        if target == S.REOPENED:
            self.back(case)
        reason = DismissReason.FALSE_POSITIVE if target == S.DISMISSED else None
        return self.archive.cases.move(actor, case.id, target, reason=reason)

    def prepare(self, case: Case, target: CaseState) -> None:
        """What a move to `target` needs, without the move."""
        if target == S.NOTICE_SENT:
            self.approved_notice(case)
        elif target == S.REMOVED:
            self.gone(case)
        elif target == S.REOPENED:
            self.back(case)

    def case_in(self, state: CaseState) -> Case:
        """A new case walked to `state` by the setup's legal reviewer (and the system to reopen)."""
        case = self.open()
        for target in PATHS[state]:
            case = self.step(case, target, SYSTEM if target == S.REOPENED else LEGAL)
        assert case.state == state
        return case

    def _findings(self, case: Case) -> list:
        _case, found, _notices = self.archive.store.workflow.case_facts(case.id)
        return found
