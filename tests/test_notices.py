"""Notices drafted from a case: every required element named, in French and English, for each kind;
approval by a second person; nothing sent without an approver, or approved by its own drafter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING

import pytest
from casework import ANALYST, LEGAL, RECIPIENT, Desk
from factories import NOTICE

from compliance.cases.notices import decide_sending
from compliance.errors import InputError, PermissionDenied, TransitionError
from compliance.pipeline import Archive
from compliance.records import (
    Actor,
    Capture,
    CaptureKind,
    CaseState,
    NoticeKind,
    NoticeState,
    Role,
    Sending,
)
from compliance.settings import Settings

if TYPE_CHECKING:
    from databases import Databases

S = CaseState


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, module_databases: Databases) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("notices")
    on_server = module_databases.kind == "postgresql"
    settings = Settings(
        database_url=module_databases.empty(folder)["COMPLIANCE_DATABASE_URL"] if on_server else "sqlite://",
        index_dir=str(folder / "index"),
        evidence_dir=str(folder / "evidence"),
        publisher_name="La Gazette du Littoral",
        publisher_contact="juridique@gazette-littoral.example",
        notice_signatory="Maître Anne Durand",
        notice_deadline_days=10,
    )
    with Archive(settings) as archive:
        yield Desk(archive)


def test_a_french_notice_names_every_required_element(desk: Desk) -> None:
    case = desk.case_in(S.EVIDENCE_FROZEN)
    notice = desk.archive.notices.draft(ANALYST, case.id, NoticeKind.FORMAL_NOTICE, "fr", recipient=RECIPIENT)
    article = desk.judged.match.article
    _case, [finding], _ = desk.archive.store.workflow.case_facts(case.id)
    today = notice.drafted_at.date()
    required = {
        "the work's title": f"« {article.title} »",
        "the work's URL": article.url,
        "its publication date": "publié le 2024-03-12",
        "the rights notice it carried": f"Mention portée sur l’article : {NOTICE}",
        "the infringing URL": finding.page.url or "",
        "the capture time": "constatée le 2024-03-20T10:00:00+00:00",
        "the extent": f"{finding.scores.reproduced_words} mots reproduits, "
        f"soit {finding.scores.coverage:.0%}",
        "the capture's hash": "ab" * 32,
        "the legal basis": "articles L.122-4",
        "the Berne reservation": "article 10bis",
        "the demand": "retirer sans délai l’ensemble des reproductions",
        "the deadline": f"au plus tard le {date.fromordinal(today.toordinal() + 10).isoformat()}",
        "the recipient": f"À l’attention de : {RECIPIENT}",
        "the sender": "La Gazette du Littoral\njuridique@gazette-littoral.example",
        "the signatory": "Maître Anne Durand\npour La Gazette du Littoral",
        "the case": f"dossier n° {case.id}",
    }
    absent = [name for name, text in required.items() if text not in notice.body]
    assert not absent, f"missing {absent} from:\n{notice.body}"
    assert notice.missing == () and "[À COMPLÉTER]" not in notice.body
    assert notice.state == NoticeState.DRAFT and notice.drafted_by == ANALYST.name


MARKS = {  # what each kind must say besides the works and the copies
    (NoticeKind.FORMAL_NOTICE, "fr"): ("L.122-4", "10bis", "mise en demeure"),
    (NoticeKind.FORMAL_NOTICE, "en"): ("L.122-4", "10bis", "formal notice"),
    (NoticeKind.DMCA, "fr"): ("512(c)(3)", "de bonne foi", "sous peine de parjure", "/Maître Anne Durand/"),
    (NoticeKind.DMCA, "en"): ("512(c)(3)", "good faith belief", "penalty of perjury", "/Maître Anne Durand/"),
    (NoticeKind.DSA, "fr"): ("2022/2065", "article 16", "de bonne foi"),
    (NoticeKind.DSA, "en"): ("2022/2065", "Article 16", "bona fide belief"),
}


@pytest.mark.parametrize(("kind", "language"), list(MARKS))
def test_each_kind_and_language_is_complete(desk: Desk, kind: NoticeKind, language: str) -> None:
    case = desk.case_in(S.CONFIRMED)
    notice = desk.archive.notices.draft(LEGAL, case.id, kind, language, recipient=RECIPIENT)
    assert notice.missing == ()
    article = desk.judged.match.article
    for text in (article.url, article.title or "", NOTICE, RECIPIENT, "2024-03-12", "ab" * 32):
        assert text in notice.body
    for mark in MARKS[(kind, language)]:
        assert mark in notice.body


def test_sending_without_an_approver_is_refused_and_changes_nothing(desk: Desk) -> None:
    case = desk.case_in(S.EVIDENCE_FROZEN)
    notice = desk.archive.notices.draft(ANALYST, case.id, "formal_notice", "fr", recipient=RECIPIENT)
    audited = len(desk.archive.store.workflow.audit_entries())
    with pytest.raises(InputError, match=f"notice {notice.id} has no approver"):
        desk.archive.notices.sent(LEGAL, notice.id, "email", RECIPIENT, "message-id <3@copies>")
    assert desk.archive.notices.get(LEGAL, notice.id) == notice
    assert desk.archive.cases.get(LEGAL, case.id).state == S.EVIDENCE_FROZEN
    assert len(desk.archive.store.workflow.audit_entries()) == audited


def test_the_drafter_cannot_approve_nor_send_as_approver(desk: Desk) -> None:
    case = desk.case_in(S.EVIDENCE_FROZEN)
    notice = desk.archive.notices.draft(LEGAL, case.id, "dmca", "en", recipient=RECIPIENT)
    with pytest.raises(InputError, match="the approver must differ from the drafter"):
        desk.archive.notices.approve(LEGAL, notice.id)
    self_approved = replace(notice, state=NoticeState.APPROVED, approved_by=LEGAL.name)
    sending = Sending("email", RECIPIENT, datetime.now(UTC), "message-id <4@copies>")
    with pytest.raises(InputError, match="the approver must differ from the drafter"):
        decide_sending(self_approved, case, [], ANALYST, sending)
    assert desk.archive.notices.get(LEGAL, notice.id).state == NoticeState.DRAFT


def test_approval_needs_a_legal_reviewer_and_sending_moves_the_case_once(desk: Desk) -> None:
    case = desk.case_in(S.EVIDENCE_FROZEN)
    notice = desk.archive.notices.draft(ANALYST, case.id, "formal_notice", "en", recipient=RECIPIENT)
    with pytest.raises(PermissionDenied):
        desk.archive.notices.approve(Actor("otto", Role.ANALYST), notice.id)
    approved = desk.archive.notices.approve(LEGAL, notice.id)
    assert (approved.state, approved.approved_by) == (NoticeState.APPROVED, LEGAL.name)
    at = datetime(2024, 4, 2, 8, 15, tzinfo=UTC)
    sent = desk.archive.notices.sent(
        ANALYST, notice.id, "registered_mail", "SARL Copies", "1A 234 567 8901 2", at
    )
    assert sent.sending == Sending("registered_mail", "SARL Copies", at, "1A 234 567 8901 2", ANALYST.name)
    moved = desk.archive.cases.get(LEGAL, case.id)
    assert moved.state == S.NOTICE_SENT and moved.recheck_from == at
    with pytest.raises(InputError, match="already sent"):
        desk.archive.notices.sent(ANALYST, notice.id, "email", RECIPIENT, "again")


def test_a_notice_lacking_an_element_says_so_and_cannot_be_approved(desk: Desk) -> None:
    page = desk.page()
    desk.archive.store.record_check(page, "texte", [desk.judged], None)  # seen without a capture
    [finding_id] = [f for f in desk.archive.store.workflow.open_finding_ids("copies.example")][-1:]
    case = desk.archive.cases.open(ANALYST, finding_ids=[finding_id])
    for target in (S.UNDER_REVIEW, S.CONFIRMED):
        case = desk.archive.cases.move(LEGAL, case.id, target)
    notice = desk.archive.notices.draft(ANALYST, case.id, "formal_notice", "fr")
    assert set(notice.missing) >= {"recipient", "copies[1].captured_at", "copies[1].sha256"}
    assert "[À COMPLÉTER]" in notice.body
    with pytest.raises(InputError, match="lacks required elements: recipient"):
        desk.archive.notices.approve(LEGAL, notice.id)


def test_no_notice_before_the_case_is_confirmed(desk: Desk) -> None:
    case = desk.case_in(S.UNDER_REVIEW)
    with pytest.raises(TransitionError, match="confirm it before drafting"):
        desk.archive.notices.draft(ANALYST, case.id, "formal_notice")


def test_the_sites_contact_is_prefilled_from_the_captured_page(desk: Desk) -> None:
    capture = desk.archive.store.add_capture(
        Capture(
            sha256="cd" * 32,
            warc_path="cd/fake.warc.gz",
            kind=CaptureKind.URL,
            requested_url="https://copies.example/contact",
            final_url="https://copies.example/contact",
            redirects=(),
            status=200,
            headers={},
            server_ip="127.0.0.1",
            fetched_at=datetime(2024, 3, 21, tzinfo=UTC),
            tool_version="test",
            content_type="text/html",
            text="Article copié.",
            metadata={
                "visible_text": "Mentions légales : écrire à pub@regie.example ou contact@copies.example."
            },
        )
    )
    _page, [kept], _ = desk.archive.store.record_check(desk.page(), "texte", [desk.judged], capture.id)
    case = desk.archive.cases.open(ANALYST, finding_ids=[kept.finding_id])
    for target in (S.UNDER_REVIEW, S.CONFIRMED):
        case = desk.archive.cases.move(LEGAL, case.id, target)
    notice = desk.archive.notices.draft(ANALYST, case.id, "formal_notice", "fr")
    assert notice.recipient == "contact@copies.example"  # the site's own address before a third party's
    assert "recipient" not in notice.missing
