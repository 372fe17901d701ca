"""The legal workflow around findings (compliance.cases): cases, notices, users, the audit log.

Actor, User    who acts in the workflow, and a stored user
Case           the legal workflow around findings: state, history (CaseEvent), changes (CaseChange)
Notice         a notice drafted from a case, approved, sent (Sending)
AuditEntry     one hash-chained entry of the audit log (AuditNote before it is sealed; ChainCheck)
Recheck        one re-check of a case's page; PackCheck, an evidence pack checked by itself

CaseState, DismissReason, Role, Action, EventKind, NoticeKind and NoticeState are the closed sets
of words the workflow's values carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from compliance.records.findings import SightingStatus


class CaseState(StrEnum):
    """Where a case stands; `compliance.cases.states.TRANSITIONS` says which moves are allowed."""

    NEW = "new"
    UNDER_REVIEW = "under_review"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"
    EVIDENCE_FROZEN = "evidence_frozen"
    NOTICE_SENT = "notice_sent"
    AWAITING_ANSWER = "awaiting_answer"
    REMOVED = "removed"
    LICENSED = "licensed"
    ESCALATED = "escalated"
    CLOSED = "closed"
    REOPENED = "reopened"


class DismissReason(StrEnum):
    """Why a case was dismissed."""

    FALSE_POSITIVE = "false_positive"
    QUOTATION = "quotation"
    LICENSED = "licensed"
    OWN_SITE = "own_site"
    OTHER = "other"


class Role(StrEnum):
    """What a user may do; `compliance.cases.permissions.PERMISSIONS` is the one table of rules."""

    ADMIN = "admin"  # users, sites, partners, thresholds
    LEGAL = "legal"  # confirms cases, approves notices
    ANALYST = "analyst"  # triage, drafts
    VIEWER = "viewer"  # reads
    SYSTEM = "system"  # the scheduler's re-checks; never a user's role


class Action(StrEnum):
    """Everything a user can ask of the workflow, each allowed to some roles."""

    READ = "read"
    OPEN_CASE = "open_case"
    ASSIGN = "assign"
    NOTE = "note"
    SET_DEADLINE = "set_deadline"
    REVIEW = "review"
    DISMISS = "dismiss"
    CONFIRM = "confirm"
    FREEZE_EVIDENCE = "freeze_evidence"
    SEND_NOTICE = "send_notice"
    AWAIT_ANSWER = "await_answer"
    RECORD_REMOVAL = "record_removal"
    RECORD_LICENCE = "record_licence"
    ESCALATE = "escalate"
    CLOSE = "close"
    REOPEN = "reopen"
    DRAFT_NOTICE = "draft_notice"
    APPROVE_NOTICE = "approve_notice"
    EXPORT_EVIDENCE = "export_evidence"
    RECHECK = "recheck"
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_PARTNERS = "manage_partners"
    MANAGE_SITES = "manage_sites"
    MANAGE_THRESHOLDS = "manage_thresholds"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: every workflow call names one, and the audit log keeps its name."""

    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class User:
    """A stored user (its password hash stays in storage)."""

    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime


class EventKind(StrEnum):
    """What one entry of a case's history records."""

    OPENED = "opened"
    STATE = "state"
    NOTE = "note"
    ASSIGN = "assign"
    DEADLINE = "deadline"
    NOTICE = "notice"
    EVIDENCE = "evidence"
    RECHECK = "recheck"


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One entry of a case's history: a state change, a note, an assignment…"""

    at: datetime
    actor: str
    kind: EventKind
    text: str = ""
    from_state: CaseState | None = None
    to_state: CaseState | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """The legal workflow around one or more findings, usually all the open ones of one site."""

    id: int
    state: CaseState
    domain: str | None
    title: str
    finding_ids: tuple[int, ...]
    created_at: datetime
    created_by: str
    modified_at: datetime
    assignee: str | None = None
    deadline: date | None = None
    reason: DismissReason | None = None
    recheck_from: datetime | None = None  # re-checks are due this many days after it
    rechecks_done: int = 0  # how many of `settings.recheck_days` have been run
    events: tuple[CaseEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseChange:
    """What one workflow call does to a case, decided by the core and applied by storage at once."""

    event: CaseEvent  # storage audits it as `case.<kind>`
    state: CaseState | None = None
    updates: dict[str, Any] = field(default_factory=dict)  # assignee, deadline, reason, recheck_*


class NoticeKind(StrEnum):
    """The formal notices a case can send."""

    FORMAL_NOTICE = "formal_notice"  # mise en demeure, to the site's publisher
    DMCA = "dmca"  # 17 U.S.C. §512(c)(3), to a host
    DSA = "dsa"  # EU Digital Services Act art. 16, to a platform


class NoticeState(StrEnum):
    """Where a notice stands: drafted, approved by a second person, sent."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class Sending:
    """How a notice went out, and the proof of it."""

    channel: str
    recipient: str
    sent_at: datetime
    proof: str
    by: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice drafted from a case; `missing` names the required elements it lacks."""

    id: int
    case_id: int
    kind: NoticeKind
    language: str
    state: NoticeState
    recipient: str | None
    body: str
    elements: dict[str, Any]
    missing: tuple[str, ...]
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    sending: Sending | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One append-only entry of the audit log, chained to the one before by its hash."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: str  # canonical JSON, hashed as stored
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The audit chain recomputed: how many entries, the head, and the first broken entry if any."""

    entries: int
    head: str
    bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class Recheck:
    """One re-check of one finding's page for a case: what was seen, and its capture."""

    case_id: int
    finding_id: int
    url: str
    status: SightingStatus | None  # None: the page could not be checked this time
    capture_id: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PackCheck:
    """An evidence pack checked on its own: every file against its manifest."""

    files: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class AuditNote:
    """What an audit entry will say, before storage seals it into the chain: who did what to what."""

    actor: str
    action: str  # e.g. "case.move", "notice.sent", "partner.add"
    subject: str  # e.g. "case:12", "partner:Revue"
    details: dict[str, Any] = field(default_factory=dict)
