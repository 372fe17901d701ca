"""Notices drafted from a case: a letter of formal notice, a DMCA §512(c)(3) notice, a DSA art. 16 notice.

    case + its findings + our articles + the captures ─► elements (works, copies, legal basis,
        demand, deadline, sender, signatory, recipient) ─► templates/<kind>.<lang>.txt (Jinja2) ─► text
    draft ─► approve (a legal reviewer who is not the drafter) ─► sent (channel, recipient, date, proof)

A notice lacking a required element (no recipient, a work without its rights notice or date, a
copy without a capture) says so in `missing` and can be neither approved nor sent. The site's
contact is prefilled from the e-mail addresses in the captured pages' visible text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from compliance.cases.permissions import require
from compliance.cases.workflow import decide_move
from compliance.errors import InputError, TransitionError
from compliance.records import (
    Action,
    Actor,
    Capture,
    Case,
    CaseChange,
    CaseEvent,
    CaseState,
    EventKind,
    Finding,
    Notice,
    NoticeKind,
    NoticeState,
    Sending,
)
from compliance.settings import Settings
from compliance.store import Store

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANGUAGES = ("fr", "en")
CHANNELS = ("email", "registered_mail", "web_form", "bailiff", "other")
BLANK = {"fr": "[À COMPLÉTER]", "en": "[TO BE COMPLETED]"}
# Cases whose infringement is confirmed: a notice can be drafted from them.
DRAFTABLE = (
    CaseState.CONFIRMED,
    CaseState.EVIDENCE_FROZEN,
    CaseState.NOTICE_SENT,
    CaseState.AWAITING_ANSWER,
    CaseState.ESCALATED,
    CaseState.REOPENED,
)
# Where a notice can be sent: the first one moves the case on, later ones (to a host, a platform) add to it.
SENDABLE = (CaseState.EVIDENCE_FROZEN, CaseState.NOTICE_SENT, CaseState.AWAITING_ANSWER, CaseState.ESCALATED)
LEGAL_BASIS = {
    (NoticeKind.FORMAL_NOTICE, "fr"): (
        "Code de la propriété intellectuelle, articles L.122-4 (toute reproduction sans le consentement "
        "de l’auteur ou de ses ayants droit est illicite) et L.335-3 (contrefaçon) ; convention de Berne, "
        "article 10bis : la reproduction de ces articles a été expressément réservée par la mention "
        "qu’ils portent."
    ),
    (NoticeKind.FORMAL_NOTICE, "en"): (
        "French Intellectual Property Code, articles L.122-4 (any reproduction without the consent of the "
        "author or the rights holders is unlawful) and L.335-3 (infringement); Berne Convention, article "
        "10bis: reproduction of these articles was expressly reserved by the notice they carry."
    ),
    (NoticeKind.DMCA, "fr"): "17 U.S.C. § 512(c) ; droit d’auteur du titulaire sur les œuvres citées.",
    (NoticeKind.DMCA, "en"): "17 U.S.C. § 512(c); the copyright of the owner in the works listed above.",
    (NoticeKind.DSA, "fr"): (
        "Règlement (UE) 2022/2065, article 16 ; directive 2001/29/CE, article 2 (droit de reproduction) ; "
        "Code de la propriété intellectuelle, article L.122-4."
    ),
    (NoticeKind.DSA, "en"): (
        "Regulation (EU) 2022/2065, article 16; Directive 2001/29/EC, article 2 (reproduction right); "
        "French Intellectual Property Code, article L.122-4."
    ),
}
DEMAND = {
    "fr": "Nous vous demandons de retirer sans délai l’ensemble des reproductions listées ci-dessus "
    "et de nous confirmer ce retrait par écrit.",
    "en": "We ask you to remove every reproduction listed above without delay and to confirm the "
    "removal to us in writing.",
}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    autoescape=False,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)


def elements(
    case: Case,
    found: Sequence[Finding],
    works: dict[int, Any],
    captures: dict[int, Capture],
    settings: Settings,
    today: date,
    language: str,
) -> dict[str, Any]:
    """Everything a notice names, as plain values (None where we lack it)."""
    order = sorted({f.article_id for f in found})
    return {
        "case": case.id,
        "date": today.isoformat(),
        "sender": {
            "name": settings.publisher_name or next(iter(settings.publisher_names), None),
            "contact": settings.publisher_contact or None,
        },
        "signatory": settings.notice_signatory or None,
        "recipient": contact_in(captures.values(), case.domain),
        "works": [_work(works.get(i)) for i in order],
        "copies": [_copy(f, captures.get(f.capture_id or -1), order.index(f.article_id) + 1) for f in found],
        "legal_basis": None,  # per kind and language, set by `render`
        "demand": DEMAND[language],
        "deadline": (today + timedelta(days=settings.notice_deadline_days)).isoformat(),
    }


def _work(article: Any) -> dict[str, Any]:
    if article is None:
        return {"title": None, "url": None, "published_at": None, "rights_notice": None}
    published = article.published_at.date().isoformat() if article.published_at else None
    return {
        "title": article.title,
        "url": article.url,
        "published_at": published,
        "rights_notice": article.rights_notice,
    }


def _copy(finding: Finding, capture: Capture | None, work: int) -> dict[str, Any]:
    return {
        "finding": finding.id,
        "work": work,
        "url": finding.page.url or finding.page.key,
        "captured_at": capture.fetched_at.isoformat(timespec="seconds") if capture else None,
        "sha256": capture.sha256 if capture else None,
        "words": finding.scores.reproduced_words,
        "share": f"{finding.scores.coverage:.0%}",
    }


def contact_in(captures: Any, domain: str | None) -> str | None:
    """An e-mail address named in the captured pages, the site's own domain first."""
    found: list[str] = []
    for capture in captures:
        visible = capture.metadata.get("visible_text")
        for text in (visible if isinstance(visible, str) else "", capture.text):
            found += [m.group(0).rstrip(".") for m in EMAIL.finditer(text)]
    own = [address for address in found if domain and address.lower().endswith("@" + domain.lower())]
    return next(iter(own or found), None)


def missing(values: dict[str, Any]) -> tuple[str, ...]:
    """The required elements a notice lacks, by name (`works[2].rights_notice`)."""
    lacking = [
        name for name in ("recipient", "signatory", "deadline", "legal_basis", "demand") if not values[name]
    ]
    lacking += [f"sender.{name}" for name in ("name", "contact") if not values["sender"][name]]
    lacking += ["works"] if not values["works"] else []
    lacking += ["copies"] if not values["copies"] else []
    for i, work in enumerate(values["works"], 1):
        lacking += [f"works[{i}].{name}" for name, value in work.items() if not value]
    for i, copy in enumerate(values["copies"], 1):
        lacking += [f"copies[{i}].{name}" for name in ("url", "captured_at", "sha256") if not copy[name]]
    return tuple(lacking)


def render(kind: NoticeKind, language: str, values: dict[str, Any]) -> str:
    """The notice's text from its template."""
    return _templates.get_template(f"{kind.value}.{language}.txt").render(**values, blank=BLANK[language])


def decide_approval(notice: Notice, actor: Actor, at: datetime) -> tuple[Notice, CaseChange]:
    """The notice approved by `actor`, or why it cannot be: lacking elements, or approved by its drafter."""
    require(actor, Action.APPROVE_NOTICE)
    if notice.state != NoticeState.DRAFT:
        raise InputError(f"notice {notice.id} is already {notice.state}")
    _complete(notice)
    if actor.name == notice.drafted_by:
        raise InputError(
            f"notice {notice.id}: the approver must differ from the drafter ({notice.drafted_by})"
        )
    approved = replace(notice, state=NoticeState.APPROVED, approved_by=actor.name, approved_at=at)
    event = CaseEvent(
        at, actor.name, EventKind.NOTICE, f"notice {notice.id} approved", details={"notice": notice.id}
    )
    return approved, CaseChange(event)


def decide_sending(
    notice: Notice, case: Case, found: Sequence[Finding], actor: Actor, sending: Sending
) -> tuple[Notice, CaseChange]:
    """The notice marked sent (the case moves to notice_sent the first time), or why it cannot be."""
    require(actor, Action.SEND_NOTICE)
    if notice.state == NoticeState.SENT:
        raise InputError(f"notice {notice.id} was already sent")
    _complete(notice)
    if notice.approved_by is None or notice.state != NoticeState.APPROVED:
        raise InputError(f"notice {notice.id} has no approver: a legal reviewer must approve it first")
    if notice.approved_by == notice.drafted_by:
        raise InputError(
            f"notice {notice.id}: the approver must differ from the drafter ({notice.drafted_by})"
        )
    if case.state not in SENDABLE:
        raise TransitionError(f"case {case.id} is {case.state}: freeze its evidence before sending a notice")
    sent = replace(notice, state=NoticeState.SENT, sending=sending)
    details = {
        "notice": notice.id,
        "kind": notice.kind.value,
        "channel": sending.channel,
        "to": sending.recipient,
    }
    text = f"notice {notice.id} sent by {sending.channel} to {sending.recipient}"
    if case.state == CaseState.EVIDENCE_FROZEN:
        change = decide_move(case, found, [sent], actor, CaseState.NOTICE_SENT, sending.sent_at, text=text)
        return sent, replace(change, event=replace(change.event, details={**change.event.details, **details}))
    return sent, CaseChange(CaseEvent(sending.sent_at, actor.name, EventKind.NOTICE, text, details=details))


def _complete(notice: Notice) -> None:
    if notice.missing:
        raise InputError(f"notice {notice.id} lacks required elements: {', '.join(notice.missing)}")


class Notices:
    """Notices for callers (`Archive.notices`): drafted, approved by a second person, sent with proof."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self._store, self._settings = store, settings

    def draft(
        self,
        actor: Actor,
        case_id: int,
        kind: NoticeKind | str,
        language: str = "fr",
        recipient: str | None = None,
        deadline: date | None = None,
    ) -> Notice:
        """A new draft from the case as it is now; `recipient` and `deadline` override the prefilled ones."""
        require(actor, Action.DRAFT_NOTICE)
        kind, at = _kind(kind), datetime.now(UTC)
        if language not in LANGUAGES:
            raise InputError(f"language {language!r}: one of {', '.join(LANGUAGES)}")
        case, found, _notices = self._store.workflow.case_facts(case_id)
        if case.state not in DRAFTABLE:
            raise TransitionError(f"case {case.id} is {case.state}: confirm it before drafting a notice")
        values = self._elements(case, found, at.date(), language)
        values["legal_basis"] = LEGAL_BASIS[(kind, language)]
        values["signatory"] = values["signatory"] or actor.name
        values["recipient"] = recipient or values["recipient"]
        if deadline is not None:
            values["deadline"] = deadline.isoformat()
        lacking = missing(values)
        body = render(kind, language, values)
        notice = Notice(
            0,
            case.id,
            kind,
            language,
            NoticeState.DRAFT,
            values["recipient"],
            body,
            values,
            lacking,
            actor.name,
            at,
        )
        text = f"{kind.value} notice drafted in {language}" + (
            f", lacking {', '.join(lacking)}" if lacking else ""
        )
        return self._store.workflow.add_notice(notice, CaseEvent(at, actor.name, EventKind.NOTICE, text))

    def approve(self, actor: Actor, notice_id: int) -> Notice:
        """Approve a complete draft; the approver must not be its drafter."""
        at = datetime.now(UTC)
        notice, _case = self._store.workflow.change_notice(
            notice_id, lambda notice, case, found: decide_approval(notice, actor, at)
        )
        return notice

    def sent(
        self,
        actor: Actor,
        notice_id: int,
        channel: str,
        recipient: str,
        proof: str,
        sent_at: datetime | None = None,
    ) -> Notice:
        """Record that an approved notice was sent: channel, recipient, date and proof."""
        if channel not in CHANNELS:
            raise InputError(f"channel {channel!r}: one of {', '.join(CHANNELS)}")
        if not recipient.strip() or not proof.strip():
            raise InputError("a sent notice needs its recipient and a proof of sending")
        if sent_at is not None and sent_at.tzinfo is None:
            raise InputError("the sending time needs a timezone")
        sending = Sending(channel, recipient.strip(), sent_at or datetime.now(UTC), proof.strip(), actor.name)
        notice, _case = self._store.workflow.change_notice(
            notice_id, lambda notice, case, found: decide_sending(notice, case, found, actor, sending)
        )
        return notice

    def get(self, actor: Actor, notice_id: int) -> Notice:
        require(actor, Action.READ)
        return self._store.workflow.notice(notice_id)

    def of_case(self, actor: Actor, case_id: int) -> list[Notice]:
        require(actor, Action.READ)
        return self._store.workflow.notices(case_id)

    def _elements(self, case: Case, found: Sequence[Finding], today: date, language: str) -> dict[str, Any]:
        works = self._store.get_articles({f.article_id for f in found})
        ids = [i for f in found for i in (f.capture_id, *(s.capture_id for s in f.sightings)) if i]
        captures = {c.id: c for c in self._store.list_captures(sorted(set(ids))) if c.id is not None}
        return elements(case, found, works, captures, self._settings, today, language)


def _kind(value: NoticeKind | str) -> NoticeKind:
    try:
        return NoticeKind(value)
    except ValueError:
        raise InputError(f"notice kind {value!r}: one of {', '.join(NoticeKind)}") from None
