"""Who may do what, as ONE table: action ─► the roles allowed to take it.

    admin    users, sites, partners, thresholds (no legal decision: the roles are kept apart)
    legal    everything the workflow does, and alone confirms cases and approves notices
    analyst  triage, drafts, evidence; never confirms, approves, escalates or closes
    viewer   reads
    system   the scheduler: re-checks, and reopens a case whose copy is back

`require` is the one gate: every workflow call names its Actor and goes through it first.
"""

from __future__ import annotations

from compliance.errors import PermissionDenied
from compliance.records import Action, Actor, Role

A, R = Action, Role
EVERYONE = frozenset({R.ADMIN, R.LEGAL, R.ANALYST, R.VIEWER})
WORKERS = frozenset({R.LEGAL, R.ANALYST})
LEGAL = frozenset({R.LEGAL})
ADMIN = frozenset({R.ADMIN})

PERMISSIONS: dict[Action, frozenset[Role]] = {
    A.READ: EVERYONE | {R.SYSTEM},
    A.OPEN_CASE: WORKERS,
    A.ASSIGN: WORKERS,
    A.NOTE: WORKERS,
    A.SET_DEADLINE: WORKERS,
    A.REVIEW: WORKERS,
    A.DISMISS: WORKERS,
    A.CONFIRM: LEGAL,
    A.FREEZE_EVIDENCE: WORKERS,
    A.SEND_NOTICE: WORKERS,  # only an approved notice can be sent: legal has approved it
    A.AWAIT_ANSWER: WORKERS,
    A.RECORD_REMOVAL: WORKERS | {R.SYSTEM},  # a re-check proves it
    A.RECORD_LICENCE: LEGAL,
    A.ESCALATE: LEGAL,
    A.CLOSE: LEGAL,
    A.REOPEN: frozenset({R.SYSTEM}),  # automatic: a re-check found the copy back
    A.DRAFT_NOTICE: WORKERS,
    A.APPROVE_NOTICE: LEGAL,
    A.EXPORT_EVIDENCE: WORKERS,
    A.RECHECK: WORKERS | ADMIN | {R.SYSTEM},
    A.READ_AUDIT: ADMIN | LEGAL,
    A.MANAGE_USERS: ADMIN,
    A.MANAGE_PARTNERS: ADMIN,
    A.MANAGE_SITES: ADMIN,
    A.MANAGE_THRESHOLDS: ADMIN,
}


def allows(role: Role, action: Action) -> bool:
    """Whether `role` may take `action`."""
    return role in PERMISSIONS[action]


def require(actor: Actor, action: Action) -> None:
    """PermissionDenied unless the actor's role allows the action."""
    if not allows(actor.role, action):
        roles = ", ".join(sorted(PERMISSIONS[action])) or "nobody"
        raise PermissionDenied(
            f"{actor.name} ({actor.role}) may not {action.replace('_', ' ')}; allowed: {roles}"
        )


SYSTEM = Actor("system", Role.SYSTEM)  # the scheduler's re-checks and the automatic reopening
