"""The case state machine, as ONE table: (from, to) ─► the action that makes the move.

    new ──► under_review ──► confirmed ──► evidence_frozen ──► notice_sent ──► awaiting_answer
     │           │                │               │                 │                │
     │           │                └───────────────┴──► removed ◄────┼────────────────┤
     └───────────┴──► dismissed ──► closed ◄── removed              │                │
                                       ▲   ◄── licensed ◄───────────┼────────────────┤
                                       └────── escalated ◄──────────┴────────────────┘
    escalated ──► removed, licensed
    removed, closed ──► reopened (automatic: a re-check finds the copy back) ──► under_review, confirmed

Who may take each action is `permissions.PERMISSIONS`; what a move needs besides (a reason, a
notice sent, copies proven gone) is checked by `workflow`. A move the table does not hold is
refused with TransitionError, naming the state and the moves it allows.
"""

from __future__ import annotations

from compliance.errors import TransitionError
from compliance.records import Action, CaseState

S = CaseState
TRANSITIONS: dict[tuple[CaseState, CaseState], Action] = {
    (S.NEW, S.UNDER_REVIEW): Action.REVIEW,
    (S.NEW, S.DISMISSED): Action.DISMISS,
    (S.UNDER_REVIEW, S.DISMISSED): Action.DISMISS,
    (S.UNDER_REVIEW, S.CONFIRMED): Action.CONFIRM,
    (S.CONFIRMED, S.EVIDENCE_FROZEN): Action.FREEZE_EVIDENCE,
    (S.EVIDENCE_FROZEN, S.NOTICE_SENT): Action.SEND_NOTICE,
    (S.NOTICE_SENT, S.AWAITING_ANSWER): Action.AWAIT_ANSWER,
    (S.CONFIRMED, S.REMOVED): Action.RECORD_REMOVAL,  # taken down before any notice
    (S.EVIDENCE_FROZEN, S.REMOVED): Action.RECORD_REMOVAL,
    (S.NOTICE_SENT, S.REMOVED): Action.RECORD_REMOVAL,
    (S.AWAITING_ANSWER, S.REMOVED): Action.RECORD_REMOVAL,
    (S.ESCALATED, S.REMOVED): Action.RECORD_REMOVAL,
    (S.NOTICE_SENT, S.LICENSED): Action.RECORD_LICENCE,
    (S.AWAITING_ANSWER, S.LICENSED): Action.RECORD_LICENCE,
    (S.ESCALATED, S.LICENSED): Action.RECORD_LICENCE,
    (S.NOTICE_SENT, S.ESCALATED): Action.ESCALATE,
    (S.AWAITING_ANSWER, S.ESCALATED): Action.ESCALATE,
    (S.DISMISSED, S.CLOSED): Action.CLOSE,
    (S.REMOVED, S.CLOSED): Action.CLOSE,
    (S.LICENSED, S.CLOSED): Action.CLOSE,
    (S.ESCALATED, S.CLOSED): Action.CLOSE,
    (S.REMOVED, S.REOPENED): Action.REOPEN,
    (S.CLOSED, S.REOPENED): Action.REOPEN,
    (S.REOPENED, S.UNDER_REVIEW): Action.REVIEW,
    (S.REOPENED, S.CONFIRMED): Action.CONFIRM,
}
# States whose pages are re-checked on schedule: the copy was judged infringing, or proven gone.
RECHECKED = frozenset(
    {S.CONFIRMED, S.EVIDENCE_FROZEN, S.NOTICE_SENT, S.AWAITING_ANSWER, S.ESCALATED, S.REMOVED}
)
# States in which a case no longer holds its findings: a new case may take them.
FINISHED = frozenset({S.DISMISSED, S.CLOSED})


def allowed(state: CaseState) -> list[CaseState]:
    """The states a case in `state` may move to, in the table's order."""
    return [target for source, target in TRANSITIONS if source == state]


def action_for(state: CaseState, target: CaseState) -> Action:
    """The action that moves a case from `state` to `target`; TransitionError if there is none."""
    action = TRANSITIONS.get((state, target))
    if action is None:
        choices = ", ".join(allowed(state)) or "none"
        raise TransitionError(f"a case that is {state} cannot move to {target}; allowed: {choices}")
    return action
