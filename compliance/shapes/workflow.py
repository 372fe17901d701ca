"""Cases, notices, users and the audit log (compliance.cases).

Case, CaseEvent, Notice, User, AuditEntry, ChainCheck, Recheck, PackCheck ─► the workflow's
                  documents (`cases show --json`, `notices show --json`, `audit verify --json`…)
"""

from __future__ import annotations

from typing import Any

from compliance.records import AuditEntry, Case, CaseEvent, ChainCheck, Notice, PackCheck, Recheck, User

from .common import when


def case(kept: Case) -> dict[str, Any]:
    """A case: its state, findings, assignment, deadline and (when read whole) its history."""
    return {
        "id": kept.id,
        "state": kept.state.value,
        "domain": kept.domain,
        "title": kept.title,
        "findings": list(kept.finding_ids),
        "assignee": kept.assignee,
        "deadline": when(kept.deadline),
        "reason": kept.reason.value if kept.reason else None,
        "created_at": when(kept.created_at),
        "created_by": kept.created_by,
        "modified_at": when(kept.modified_at),
        "recheck_from": when(kept.recheck_from),
        "rechecks_done": kept.rechecks_done,
        "history": [case_event(e) for e in kept.events],
    }


def case_event(event: CaseEvent) -> dict[str, Any]:
    """One entry of a case's history."""
    return {
        "at": when(event.at),
        "actor": event.actor,
        "kind": event.kind.value,
        "from": event.from_state.value if event.from_state else None,
        "to": event.to_state.value if event.to_state else None,
        "text": event.text,
        "details": event.details,
    }


def notice(drafted: Notice) -> dict[str, Any]:
    """A notice: its text, the elements it names, what it lacks, who approved it, how it was sent."""
    sending = drafted.sending
    return {
        "id": drafted.id,
        "case": drafted.case_id,
        "kind": drafted.kind.value,
        "language": drafted.language,
        "state": drafted.state.value,
        "recipient": drafted.recipient,
        "missing": list(drafted.missing),
        "drafted_by": drafted.drafted_by,
        "drafted_at": when(drafted.drafted_at),
        "approved_by": drafted.approved_by,
        "approved_at": when(drafted.approved_at),
        "sent": None
        if sending is None
        else {
            "channel": sending.channel,
            "recipient": sending.recipient,
            "at": when(sending.sent_at),
            "proof": sending.proof,
            "by": sending.by,
        },
        "elements": drafted.elements,
        "body": drafted.body,
    }


def user(account: User) -> dict[str, Any]:
    """A user: name, role, whether active (never the password hash)."""
    return {
        "id": account.id,
        "name": account.name,
        "role": account.role.value,
        "active": account.active,
        "created_at": when(account.created_at),
    }


def audit_entry(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as stored: `details` is the canonical JSON text its hash covers."""
    return {
        "seq": entry.seq,
        "at": when(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def chain_check(result: ChainCheck) -> dict[str, Any]:
    """The audit chain recomputed: ok, how many entries, the head, the first bad entry."""
    return {
        "ok": result.ok,
        "entries": result.entries,
        "head": result.head,
        "bad_entry": result.bad_seq,
        "problem": result.problem,
    }


def recheck(seen: Recheck) -> dict[str, Any]:
    """One re-check of one finding's page."""
    return {
        "case": seen.case_id,
        "finding": seen.finding_id,
        "url": seen.url,
        "status": seen.status.value if seen.status else None,
        "capture": seen.capture_id,
        "error": seen.error,
    }


def pack_check(result: PackCheck, path: str) -> dict[str, Any]:
    """An evidence pack checked against its manifest."""
    return {"pack": path, "ok": result.ok, "files": result.files, "problems": list(result.problems)}
