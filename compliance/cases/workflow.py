"""Cases: opened over findings, moved through the state machine, assigned, annotated.

    Actor + case + target ─► states.action_for (TransitionError) ─► permissions.require
        (PermissionDenied) ─► what the move needs (a reason, a sent notice, copies proven gone)
        ─► CaseChange ─► storage writes it and its audit entry in one transaction

`decide_move` is pure: storage calls it inside the transaction with the case as it is then,
so two users moving one case cannot both win. `Cases` is what `Archive.cases` gives callers.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from compliance.cases.permissions import WORKERS, require
from compliance.cases.states import action_for
from compliance.errors import InputError, TransitionError
from compliance.records import (
    Action,
    Actor,
    Case,
    CaseChange,
    CaseEvent,
    CaseState,
    DismissReason,
    EventKind,
    Finding,
    Notice,
    NoticeState,
    SightingStatus,
)
from compliance.store import Store

S = CaseState
Needs = Callable[[Case, Sequence[Finding], Sequence[Notice], DismissReason | None], dict[str, Any]]


def decide_move(
    case: Case,
    found: Sequence[Finding],
    notices: Sequence[Notice],
    actor: Actor,
    target: CaseState,
    at: datetime,
    reason: DismissReason | None = None,
    text: str = "",
) -> CaseChange:
    """The change that moves `case` to `target`, or the error that says why it cannot move."""
    require(actor, action_for(case.state, target))
    needs = NEEDS.get(target)
    details = needs(case, found, notices, reason) if needs else {}
    updates: dict[str, Any] = {}
    if target == S.DISMISSED:
        updates["reason"] = reason
    if target in (S.CONFIRMED, S.NOTICE_SENT):  # re-checks count their days from here
        updates.update(recheck_from=at, rechecks_done=0)
    event = CaseEvent(at, actor.name, EventKind.STATE, text, case.state, target, details)
    return CaseChange(event, target, updates)


def _reason(case: Case, found: Sequence[Finding], notices: Sequence[Notice], reason: Any) -> dict[str, Any]:
    if reason is None:
        raise TransitionError(f"dismissing case {case.id} needs a reason: {', '.join(DismissReason)}")
    return {"reason": DismissReason(reason).value}


def _frozen(case: Case, found: Sequence[Finding], notices: Sequence[Notice], reason: Any) -> dict[str, Any]:
    """The captures the case stands on, named once and for all."""
    return {"captures": {str(f.id): f.capture_id for f in found}}


def _sent(case: Case, found: Sequence[Finding], notices: Sequence[Notice], reason: Any) -> dict[str, Any]:
    sent = [n.id for n in notices if n.state == NoticeState.SENT]
    if not sent:
        raise TransitionError(
            f"case {case.id} has no notice sent: record one with `compliance notices sent NOTICE_ID`"
        )
    return {"notices": sent}


def _gone(case: Case, found: Sequence[Finding], notices: Sequence[Notice], reason: Any) -> dict[str, Any]:
    """Every copy proven gone by a re-check's sighting."""
    proof = []
    for finding in found:
        last = finding.sightings[-1] if finding.sightings else None
        if finding.present or last is None or last.status != SightingStatus.GONE:
            raise TransitionError(
                f"finding {finding.id} of case {case.id} is not proven gone: "
                "a re-check must see every copy gone"
            )
        proof.append({"finding": finding.id, "sighting": last.id, "seen_at": last.seen_at.isoformat()})
    return {"proof": proof}


def _back(case: Case, found: Sequence[Finding], notices: Sequence[Notice], reason: Any) -> dict[str, Any]:
    """A copy is back; a closed case reopens only if it was closed as removed."""
    if case.state == S.CLOSED and closed_from(case) != S.REMOVED:
        raise TransitionError(f"case {case.id} was closed as {closed_from(case)}, not as removed")
    back = [f.id for f in found if f.present]
    if not back:
        raise TransitionError(f"case {case.id} has no copy back online")
    return {"back": back}


NEEDS: dict[CaseState, Needs] = {
    S.DISMISSED: _reason,
    S.EVIDENCE_FROZEN: _frozen,
    S.NOTICE_SENT: _sent,
    S.REMOVED: _gone,
    S.REOPENED: _back,
}


def closed_from(case: Case) -> CaseState | None:
    """The state a closed case was closed from (its history says), or None."""
    moves = [e for e in case.events if e.kind == EventKind.STATE and e.to_state == S.CLOSED]
    return moves[-1].from_state if moves else None


def _now() -> datetime:
    return datetime.now(UTC)


class Cases:
    """The case workflow for callers (`Archive.cases`): every call names who acts."""

    def __init__(self, store: Store) -> None:
        self._store = store.workflow

    def open(
        self, actor: Actor, *, domain: str | None = None, finding_ids: Sequence[int] = (), title: str = ""
    ) -> Case:
        """One case over the given findings, or over every open finding of the site `domain`."""
        require(actor, Action.OPEN_CASE)
        ids = list(finding_ids) or (self._store.open_finding_ids(domain) if domain else [])
        if not ids:
            raise InputError(f"no open finding on {domain}" if domain else "name a site or findings")
        copies = f"{len(ids)} cop{'y' if len(ids) == 1 else 'ies'}"
        title = title or f"{domain or 'findings ' + ', '.join(map(str, ids))}: {copies}"
        event = CaseEvent(_now(), actor.name, EventKind.OPENED, title, None, S.NEW, {"findings": ids})
        return self._store.open_case(ids, title, domain, event)

    def get(self, actor: Actor, case_id: int) -> Case:
        """The case with its history."""
        require(actor, Action.READ)
        return self._store.case(case_id)

    def facts(self, actor: Actor, case_id: int) -> tuple[Case, list[Finding], list[Notice]]:
        """The case, its findings and its notices, read together."""
        require(actor, Action.READ)
        return self._store.case_facts(case_id)

    def listing(
        self,
        actor: Actor,
        states: Collection[CaseState] = (),
        assignee: str | None = None,
        domain: str | None = None,
    ) -> list[Case]:
        """Cases, newest first, filtered by state, assignee and site."""
        require(actor, Action.READ)
        return self._store.cases(states, assignee, domain)

    def move(
        self,
        actor: Actor,
        case_id: int,
        target: CaseState | str,
        *,
        reason: DismissReason | str | None = None,
        text: str = "",
    ) -> Case:
        """Move the case to `target` if the state machine, the actor's role and the facts allow it."""
        goal, why = _state(target), _dismiss_reason(reason)
        return self._store.change_case(
            case_id, lambda case, found, sent: decide_move(case, found, sent, actor, goal, _now(), why, text)
        )

    def assign(self, actor: Actor, case_id: int, assignee: str | None) -> Case:
        """Give the case to a legal reviewer or an analyst (None: to nobody)."""
        require(actor, Action.ASSIGN)
        if assignee is not None:
            user = self._store.user(assignee)
            if user is None or not user.active or user.role not in WORKERS:
                raise InputError(f"{assignee!r} is not an active legal reviewer or analyst")
        text = f"assigned to {assignee}" if assignee else "unassigned"
        return self._change(actor, case_id, EventKind.ASSIGN, text, {"assignee": assignee})

    def note(self, actor: Actor, case_id: int, text: str) -> Case:
        """Add a note to the case's history."""
        require(actor, Action.NOTE)
        if not text.strip():
            raise InputError("a note needs some text")
        return self._change(actor, case_id, EventKind.NOTE, text.strip())

    def set_deadline(self, actor: Actor, case_id: int, deadline: date | None) -> Case:
        """Set (or clear) the date by which the other side must answer."""
        require(actor, Action.SET_DEADLINE)
        text = f"deadline {deadline.isoformat()}" if deadline else "no deadline"
        return self._change(actor, case_id, EventKind.DEADLINE, text, {"deadline": deadline})

    def record(
        self,
        actor: Actor,
        permission: Action,
        case_id: int,
        kind: EventKind,
        text: str,
        details: dict[str, Any] | None = None,
    ) -> Case:
        """Add an event that changes nothing else (an evidence export) once `permission` allows it."""
        require(actor, permission)
        event = CaseEvent(_now(), actor.name, kind, text, details=details or {})
        return self._store.change_case(case_id, lambda case, found, sent: CaseChange(event))

    def _change(
        self, actor: Actor, case_id: int, kind: EventKind, text: str, updates: dict[str, Any] | None = None
    ) -> Case:
        shown = {k: v.isoformat() if isinstance(v, date) else v for k, v in (updates or {}).items()}
        event = CaseEvent(_now(), actor.name, kind, text, details=shown)
        return self._store.change_case(
            case_id, lambda case, found, sent: CaseChange(event, None, updates or {})
        )


def _state(value: CaseState | str) -> CaseState:
    try:
        return CaseState(value)
    except ValueError:
        raise InputError(f"no state {value!r}: one of {', '.join(CaseState)}") from None


def _dismiss_reason(value: DismissReason | str | None) -> DismissReason | None:
    if value is None:
        return None
    try:
        return DismissReason(value)
    except ValueError:
        raise InputError(f"no reason {value!r}: one of {', '.join(DismissReason)}") from None
