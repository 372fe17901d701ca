"""The case state machine against every role: each allowed move succeeds and is audited, each
refused one leaves the case, its history, its notices and the audit log exactly as they were."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from casework import ACTORS, ANALYST, LEGAL, PATHS, Desk

from compliance.cases.permissions import PERMISSIONS, SYSTEM, allows
from compliance.cases.states import TRANSITIONS, allowed
from compliance.errors import InputError, PermissionDenied, TransitionError
from compliance.pipeline import Archive
from compliance.records import Action, CaseState, EventKind, Role
from compliance.settings import Settings

if TYPE_CHECKING:
    from databases import Databases

S = CaseState


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, module_databases: Databases) -> Iterator[Desk]:
    folder = tmp_path_factory.mktemp("workflow")
    on_server = module_databases.kind == "postgresql"
    settings = Settings(
        database_url=module_databases.empty(folder)["COMPLIANCE_DATABASE_URL"] if on_server else "sqlite://",
        index_dir=str(folder / "index"),
        evidence_dir=str(folder / "evidence"),
        publisher_name="La Gazette du Littoral",
        publisher_contact="juridique@gazette-littoral.example",
    )
    with Archive(settings) as archive:
        yield Desk(archive)


def snapshot(desk: Desk, case_id: int) -> tuple:
    case, _found, notices = desk.archive.store.workflow.case_facts(case_id)
    return case, notices, len(desk.archive.store.workflow.audit_entries())


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("source", "target"), list(TRANSITIONS), ids=[f"{a}->{b}" for a, b in TRANSITIONS])
def test_every_transition_against_every_role(desk: Desk, source: S, target: S, role: Role) -> None:
    case = desk.case_in(source)
    desk.prepare(case, target)
    before = snapshot(desk, case.id)
    actor = ACTORS[role]
    if allows(role, TRANSITIONS[(source, target)]):
        moved = desk.step(case, target, actor) if target != S.NOTICE_SENT else _send(desk, case, actor)
        assert moved.state == target
        change = moved.events[-1]
        assert (change.kind, change.from_state, change.to_state, change.actor) == (
            EventKind.STATE,
            source,
            target,
            actor.name,
        )
        entry = desk.archive.store.workflow.audit_head()
        assert entry is not None and entry.actor == actor.name and entry.subject == f"case:{case.id}"
        assert f'"from":"{source}"' in entry.details and f'"to":"{target}"' in entry.details
        assert len(desk.archive.store.workflow.audit_entries()) == before[2] + 1
    else:
        with pytest.raises(PermissionDenied, match=f"{actor.name} \\({role}\\) may not"):
            desk.step(case, target, actor) if target != S.NOTICE_SENT else _send(desk, case, actor)
        assert snapshot(desk, case.id) == before


def _send(desk: Desk, case, actor):  # type: ignore[no-untyped-def]
    """The move to notice_sent is marking the approved notice sent."""
    [notice] = [n for n in desk.archive.store.workflow.notices(case.id) if n.state == "approved"]
    desk.archive.notices.sent(actor, notice.id, "email", "redaction@copies.example", "message-id <2@copies>")
    return desk.archive.cases.get(LEGAL, case.id)


@pytest.mark.parametrize("source", list(S))
def test_moves_outside_the_table_are_refused_naming_the_state_and_the_allowed_ones(
    desk: Desk, source: S
) -> None:
    case = desk.case_in(source)
    before = snapshot(desk, case.id)
    for target in S:
        if (source, target) in TRANSITIONS:
            continue
        with pytest.raises(TransitionError) as refused:
            desk.archive.cases.move(LEGAL, case.id, target, reason="other")
        message = str(refused.value)
        assert f"is {source} cannot move to {target}" in message
        assert f"allowed: {', '.join(allowed(source)) or 'none'}" in message
    assert snapshot(desk, case.id) == before


def test_the_tables_cover_every_state_and_action() -> None:
    assert set(PERMISSIONS) == set(Action)
    reachable = {target for _source, target in TRANSITIONS} | {S.NEW}
    assert reachable == set(S)
    assert all(allowed(state) for state in S), "no state is a dead end: closed can still reopen"
    assert not any(allows(Role.VIEWER, a) for a in Action if a != Action.READ)
    assert all(PATHS[state][-1:] in ((), (state,)) for state in S)


def test_what_a_move_needs(desk: Desk) -> None:
    case = desk.case_in(S.UNDER_REVIEW)
    with pytest.raises(TransitionError, match="needs a reason"):
        desk.archive.cases.move(ANALYST, case.id, S.DISMISSED)
    sent = desk.case_in(S.NOTICE_SENT)
    with pytest.raises(TransitionError, match="not proven gone"):
        desk.archive.cases.move(LEGAL, sent.id, S.REMOVED)
    frozen = desk.case_in(S.EVIDENCE_FROZEN)
    with pytest.raises(TransitionError, match="no notice sent"):
        desk.archive.cases.move(LEGAL, frozen.id, S.NOTICE_SENT)
    with pytest.raises(PermissionDenied):
        desk.archive.cases.move(LEGAL, desk.case_in(S.REMOVED).id, S.REOPENED)


def test_a_removed_case_records_the_sightings_that_prove_it(desk: Desk) -> None:
    case = desk.case_in(S.REMOVED)
    proof = case.events[-1].details["proof"]
    _case, found, _ = desk.archive.store.workflow.case_facts(case.id)
    assert [p["sighting"] for p in proof] == [f.sightings[-1].id for f in found]
    assert all(f.sightings[-1].status == "gone" for f in found)


def test_a_case_closed_as_dismissed_does_not_reopen(desk: Desk) -> None:
    case = desk.archive.cases.move(LEGAL, desk.case_in(S.DISMISSED).id, S.CLOSED)
    desk.back(case)
    with pytest.raises(TransitionError, match="closed as dismissed"):
        desk.archive.cases.move(SYSTEM, case.id, S.REOPENED)


def test_a_site_is_one_case_and_a_finding_is_held_by_one_open_case(desk: Desk) -> None:
    first, second = desk.finding(), desk.finding()
    case = desk.archive.cases.open(ANALYST, domain="copies.example")
    assert {first, second} <= set(case.finding_ids)
    assert case.title.startswith("copies.example: ")
    with pytest.raises(InputError, match=f"already held by case {case.id}"):
        desk.archive.cases.open(ANALYST, finding_ids=[first])
    with pytest.raises(InputError, match=r"no open finding on copies\.example"):
        desk.archive.cases.open(ANALYST, domain="copies.example")


def test_assign_note_and_deadline_are_history_and_audit(desk: Desk, tmp_path: Path) -> None:
    desk.archive.users.add(desk.archive.users.actor(None), "root", "admin", "correct horse battery")
    desk.archive.users.add(desk.archive.users.actor("root"), "nora", "analyst", "correct horse battery")
    case = desk.open()
    case = desk.archive.cases.assign(LEGAL, case.id, "nora")
    case = desk.archive.cases.note(ANALYST, case.id, "  Le site a déjà été averti en 2023.  ")
    from datetime import date

    case = desk.archive.cases.set_deadline(LEGAL, case.id, date(2025, 1, 31))
    assert (case.assignee, case.deadline) == ("nora", date(2025, 1, 31))
    assert [e.kind for e in case.events[-3:]] == [EventKind.ASSIGN, EventKind.NOTE, EventKind.DEADLINE]
    assert case.events[-2].text == "Le site a déjà été averti en 2023."
    actions = [e.action for e in desk.archive.store.workflow.audit_about(f"case:{case.id}")]
    assert actions[-3:] == ["case.assign", "case.note", "case.deadline"]
    with pytest.raises(InputError, match="not an active legal reviewer or analyst"):
        desk.archive.cases.assign(LEGAL, case.id, "root")
    with pytest.raises(PermissionDenied):
        desk.archive.cases.note(ACTORS[Role.VIEWER], case.id, "vu")
