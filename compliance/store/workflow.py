"""The workflow's storage: users, cases, notices, audited partners and the audit log, one
transaction a call, each change with its audit entry.

In: values and decisions from `compliance.cases` and `compliance.users`: a `records.CaseChange`
(or a function deciding one from the case as it is inside the transaction, so that two users
moving the same case cannot both win), a `records.AuditNote`. Out: `records.Case`, `Notice`,
`User`, `AuditEntry` values. Every change to a case is audited as `case.<event kind>` with the
case as subject; the entry commits with the change or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session

from compliance.records import (
    AuditEntry,
    AuditNote,
    Capture,
    Case,
    CaseChange,
    CaseEvent,
    CaseState,
    Finding,
    Notice,
    Partner,
    Role,
    User,
)
from compliance.store import audit, captures, cases, findings, notices, partners, users
from compliance.store.shared import now

Sessions = Callable[[], AbstractContextManager[Session]]
Facts = tuple[Case, list[Finding], list[Notice]]
DecideCase = Callable[[Case, list[Finding], list[Notice]], CaseChange]
DecideNotice = Callable[[Notice, Case, list[Finding]], tuple[Notice, CaseChange]]


def case_note(case_id: int, event: CaseEvent) -> AuditNote:
    """The audit entry of one case event: who, `case.<kind>`, the case, and what changed."""
    details = {"text": event.text, **event.details}
    if event.to_state is not None:
        details.update({"from": event.from_state, "to": event.to_state})
    return AuditNote(event.actor, f"case.{event.kind}", f"case:{case_id}", details)


class WorkflowStore:
    """The workflow's tables behind the Store's sessions (`Store.workflow`)."""

    def __init__(self, read: Sessions, write: Sessions) -> None:
        self._read, self._write = read, write

    # --- the audit log ---

    def audit(self, note: AuditNote) -> AuditEntry:
        """Append one entry on its own (an export, a configuration change)."""
        with self._write() as session:
            return audit.append(session, note, now())

    def audit_head(self) -> AuditEntry | None:
        with self._read() as session:
            return audit.head(session)

    def audit_entries(self) -> list[AuditEntry]:
        """Every entry in order, read in one snapshot."""
        with self._read() as session:
            return list(audit.every(session))

    def audit_about(self, subject: str) -> list[AuditEntry]:
        with self._read() as session:
            return audit.about(session, subject)

    # --- users ---

    def user_count(self) -> int:
        with self._read() as session:
            return users.count(session)

    def add_user(self, name: str, role: Role, password_hash: str, note: AuditNote) -> User:
        with self._write() as session:
            user = users.add(session, name, role, password_hash)
            audit.append(session, note, now())
            return user

    def user(self, name: str) -> User | None:
        with self._read() as session:
            return users.by_name(session, name)

    def credentials(self, name: str) -> tuple[User, str] | None:
        with self._read() as session:
            return users.credentials(session, name)

    def users(self) -> list[User]:
        with self._read() as session:
            return users.all_users(session)

    def set_user_active(self, name: str, active: bool, note: AuditNote) -> User:
        with self._write() as session:
            user = users.set_active(session, name, active)
            audit.append(session, note, now())
            return user

    # --- partners, audited ---

    def add_partner(self, partner: Partner, note: AuditNote) -> Partner:
        with self._write() as session:
            stored = partners.add(session, partner)
            audit.append(session, note, now())
            return stored

    def update_partner(self, name: str, partner: Partner, note: AuditNote) -> Partner:
        with self._write() as session:
            stored = partners.update(session, name, partner)
            audit.append(session, note, now())
            return stored

    def remove_partner(self, name: str, note: AuditNote) -> None:
        with self._write() as session:
            partners.remove(session, name)
            audit.append(session, note, now())

    # --- cases ---

    def open_finding_ids(self, domain: str) -> list[int]:
        with self._read() as session:
            return cases.open_finding_ids(session, domain)

    def open_case(self, finding_ids: list[int], title: str, domain: str | None, event: CaseEvent) -> Case:
        """A new case holding the findings, with its `opened` event, audited."""
        with self._write() as session:
            case_id = cases.insert(session, finding_ids, title, domain, event)
            audit.append(session, case_note(case_id, event), event.at)
            return cases.load(session, case_id)

    def change_case(self, case_id: int, decide: DecideCase) -> Case:
        """Lock the case, let `decide` judge it as it is now, write and audit what it decided."""
        with self._write() as session:
            case, found, sent = self._facts(session, case_id, lock=True)
            change = decide(case, found, sent)
            cases.apply(session, case_id, change)
            audit.append(session, case_note(case_id, change.event), change.event.at)
            return cases.load(session, case_id)

    def case(self, case_id: int) -> Case:
        with self._read() as session:
            return cases.load(session, case_id)

    def case_facts(self, case_id: int) -> Facts:
        """The case, its findings (with sightings) and its notices, in one snapshot."""
        with self._read() as session:
            return self._facts(session, case_id)

    def cases(
        self, states: Collection[CaseState] = (), assignee: str | None = None, domain: str | None = None
    ) -> list[Case]:
        with self._read() as session:
            return cases.listing(session, states, assignee, domain)

    def due_cases(self, states: Collection[CaseState], until: datetime) -> list[Case]:
        with self._read() as session:
            return cases.due(session, states, until)

    def cases_holding(self, finding_id: int) -> list[int]:
        with self._read() as session:
            return cases.cases_holding(session, finding_id)

    @staticmethod
    def _facts(session: Session, case_id: int, lock: bool = False) -> Facts:
        case = cases.load(session, case_id, lock=lock)
        found = [f for f in (findings.get(session, i) for i in case.finding_ids) if f is not None]
        return case, found, notices.of_case(session, case_id)

    # --- notices ---

    def add_notice(self, notice: Notice, event: CaseEvent) -> Notice:
        """Store a drafted notice, with its event in the case's history, audited."""
        with self._write() as session:
            cases.load(session, notice.case_id, lock=True)
            stored = notices.insert(session, notice)
            event = replace(event, details={**event.details, "notice": stored.id})
            cases.apply(session, notice.case_id, CaseChange(event))
            audit.append(session, case_note(notice.case_id, event), event.at)
            return stored

    def change_notice(self, notice_id: int, decide: DecideNotice) -> tuple[Notice, Case]:
        """Lock the notice and its case, let `decide` judge them, write both and audit it."""
        with self._write() as session:
            notice = notices.get(session, notice_id, lock=True)
            case, found, _sent = self._facts(session, notice.case_id, lock=True)
            changed, change = decide(notice, case, found)
            notices.save(session, changed)
            cases.apply(session, case.id, change)
            audit.append(session, case_note(case.id, change.event), change.event.at)
            return changed, cases.load(session, case.id)

    def notice(self, notice_id: int) -> Notice:
        with self._read() as session:
            return notices.get(session, notice_id)

    def notices(self, case_id: int) -> list[Notice]:
        with self._read() as session:
            return notices.of_case(session, case_id)

    # --- evidence ---

    def article_captures(self, article_id: int) -> list[Capture]:
        """The captures of one of our article pages (made by `ingest --url`), oldest first."""
        with self._read() as session:
            return captures.of_article(session, article_id)
