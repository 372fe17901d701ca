"""Case repository: cases, the findings they hold and their history.

In: an open Session, `records.CaseChange` values decided by `compliance.cases.workflow`. Out:
`records.Case` values with their findings and history. A finding is held by at most one case
that is not finished (dismissed or closed): a site with forty copies is one dispute, not forty.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from compliance.errors import InputError, NotFoundError
from compliance.records import Case, CaseChange, CaseEvent, CaseState, DismissReason, EventKind
from compliance.store.findings import HARMLESS
from compliance.store.tables import CaseEventRow, CaseFindingRow, CaseRow, FindingRow

FINISHED = (CaseState.DISMISSED, CaseState.CLOSED)


def open_finding_ids(session: Session, domain: str) -> list[int]:
    """The site's findings still present, not harmless, and held by no unfinished case."""
    query = select(FindingRow.id).where(
        FindingRow.domain == domain,
        FindingRow.present.is_(True),
        FindingRow.verdict.not_in(HARMLESS),
        FindingRow.id.not_in(_held()),
    )
    return list(session.scalars(query.order_by(FindingRow.id)))


def _held() -> Select[int]:
    """The ids of findings held by an unfinished case (a subquery)."""
    return (
        select(CaseFindingRow.finding_id)
        .join(CaseRow, CaseRow.id == CaseFindingRow.case_id)
        .where(CaseRow.state.not_in(FINISHED))
    )


def insert(
    session: Session, finding_ids: Sequence[int], title: str, domain: str | None, event: CaseEvent
) -> int:
    """A new case holding `finding_ids`; InputError when one is unknown or held by another case."""
    rows = {row.id: row for row in session.scalars(select(FindingRow).where(FindingRow.id.in_(finding_ids)))}
    unknown = sorted(set(finding_ids) - set(rows))
    if unknown:
        raise NotFoundError(f"no finding with id {', '.join(map(str, unknown))}")
    held = session.execute(
        select(CaseFindingRow.finding_id, CaseFindingRow.case_id)
        .join(CaseRow, CaseRow.id == CaseFindingRow.case_id)
        .where(CaseRow.state.not_in(FINISHED), CaseFindingRow.finding_id.in_(finding_ids))
    ).first()
    if held is not None:
        raise InputError(f"finding {held[0]} is already held by case {held[1]}")
    domains = {row.domain for row in rows.values()}
    row = CaseRow(
        state=CaseState.NEW,
        domain=domain or (domains.pop() if len(domains) == 1 else None),
        title=title,
        rechecks_done=0,
        created_at=event.at,
        created_by=event.actor,
        modified_at=event.at,
    )
    session.add(row)
    session.flush()
    session.add_all(CaseFindingRow(case_id=row.id, finding_id=i) for i in sorted(set(finding_ids)))
    add_event(session, row.id, event)
    return row.id


def load(session: Session, case_id: int, lock: bool = False) -> Case:
    """The case with its findings and history (its row locked for update if `lock`)."""
    row = session.get(CaseRow, case_id, with_for_update=lock)
    if row is None:
        raise NotFoundError(f"no case with id {case_id}")
    return _case(session, row, with_events=True)


def apply(session: Session, case_id: int, change: CaseChange) -> None:
    """Write a change decided by the workflow: its state, its fields, and its history event."""
    row = session.get(CaseRow, case_id)
    assert row is not None  # loaded (and locked) in the same transaction
    if change.state is not None:
        row.state = change.state
    for name, value in change.updates.items():
        setattr(row, name, value)
    row.modified_at = change.event.at
    add_event(session, case_id, change.event)


def add_event(session: Session, case_id: int, event: CaseEvent) -> None:
    """Append one entry to the case's history."""
    session.add(
        CaseEventRow(
            case_id=case_id,
            at=event.at,
            actor=event.actor,
            kind=event.kind,
            text=event.text,
            from_state=event.from_state,
            to_state=event.to_state,
            details=dict(event.details),
        )
    )
    session.flush()


def listing(
    session: Session,
    states: Collection[CaseState] = (),
    assignee: str | None = None,
    domain: str | None = None,
) -> list[Case]:
    """Cases (without their history), newest first, filtered by state, assignee and site."""
    query = select(CaseRow)
    if states:
        query = query.where(CaseRow.state.in_(list(states)))
    if assignee is not None:
        query = query.where(CaseRow.assignee == assignee)
    if domain is not None:
        query = query.where(CaseRow.domain == domain)
    return [_case(session, row) for row in session.scalars(query.order_by(CaseRow.id.desc()))]


def due(session: Session, states: Collection[CaseState], until: datetime) -> list[Case]:
    """Cases in `states` whose re-checks started before `until`, oldest first."""
    query = select(CaseRow).where(CaseRow.state.in_(list(states)), CaseRow.recheck_from <= until)
    return [_case(session, row) for row in session.scalars(query.order_by(CaseRow.id))]


def cases_holding(session: Session, finding_id: int) -> list[int]:
    """The ids of every case that holds the finding, oldest first."""
    query = select(CaseFindingRow.case_id).where(CaseFindingRow.finding_id == finding_id)
    return list(session.scalars(query.order_by(CaseFindingRow.case_id)))


def _case(session: Session, row: CaseRow, with_events: bool = False) -> Case:
    ids = session.scalars(
        select(CaseFindingRow.finding_id)
        .where(CaseFindingRow.case_id == row.id)
        .order_by(CaseFindingRow.finding_id)
    )
    events: tuple[CaseEvent, ...] = ()
    if with_events:
        query = select(CaseEventRow).where(CaseEventRow.case_id == row.id).order_by(CaseEventRow.id)
        events = tuple(_event(e) for e in session.scalars(query))
    return Case(
        id=row.id,
        state=CaseState(row.state),
        domain=row.domain,
        title=row.title,
        finding_ids=tuple(ids),
        created_at=row.created_at,
        created_by=row.created_by,
        modified_at=row.modified_at,
        assignee=row.assignee,
        deadline=row.deadline,
        reason=DismissReason(row.reason) if row.reason else None,
        recheck_from=row.recheck_from,
        rechecks_done=row.rechecks_done,
        events=events,
    )


def _event(row: CaseEventRow) -> CaseEvent:
    return CaseEvent(
        at=row.at,
        actor=row.actor,
        kind=EventKind(row.kind),
        text=row.text,
        from_state=CaseState(row.from_state) if row.from_state else None,
        to_state=CaseState(row.to_state) if row.to_state else None,
        details=dict(row.details),
        id=row.id,
    )
