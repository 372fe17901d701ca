"""Re-checks: the pages behind confirmed and notified cases checked again after 2, 7 and 30 days.

    due cases (settings.recheck_days after the case was confirmed, or its notice sent)
        ─► Archive.record_url on each page ─► a sighting with its capture: still there, changed,
           gone (or the page answers 404/410), back
        ─► the case's history (and the audit log) ─► a copy back reopens a removed case, or a case
           closed as removed, automatically

A page that cannot be fetched this time (timeout, 5xx) proves nothing: it is reported and the
re-check is not counted, so the next run tries again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from compliance.cases.permissions import SYSTEM, require
from compliance.cases.states import RECHECKED
from compliance.cases.workflow import closed_from
from compliance.errors import FetchError
from compliance.records import (
    Action,
    Actor,
    Case,
    CaseChange,
    CaseEvent,
    CaseState,
    EventKind,
    Finding,
    PageKind,
    Recheck,
    SightingStatus,
)

if TYPE_CHECKING:
    from compliance.pipeline import Archive

GONE_STATUSES = (404, 410)  # the server says the page is not there: the copy is gone


def steps_passed(case: Case, now: datetime, days: Sequence[int]) -> int:
    """How many of the re-check delays have passed since the case's re-checks started."""
    if case.recheck_from is None:
        return 0
    return sum(1 for d in days if case.recheck_from + timedelta(days=d) <= now)


def recheck_due(archive: Archive, now: datetime, actor: Actor | None = None) -> list[Recheck]:
    """Re-check every case that is due at `now`; what each page showed."""
    actor = actor or SYSTEM
    require(actor, Action.RECHECK)
    results: list[Recheck] = []
    for case_id, passed in due_rechecks(archive, now):
        results += recheck_case(archive, case_id, actor, passed)
    return results


def due_rechecks(archive: Archive, now: datetime) -> list[tuple[int, int]]:
    """(case id, re-checks passed) of every case whose next re-check is due at `now` (the workers
    send one task each)."""
    days = archive.settings.recheck_days
    states = RECHECKED | {CaseState.CLOSED}
    due: list[tuple[int, int]] = []
    for listed in archive.store.workflow.due_cases(states, now - timedelta(days=days[0])):
        passed = steps_passed(listed, now, days)
        case = archive.store.workflow.case(listed.id)
        if passed <= case.rechecks_done or (
            case.state == CaseState.CLOSED and closed_from(case) != CaseState.REMOVED
        ):
            continue
        due.append((case.id, passed))
    return due


def recheck_case(archive: Archive, case_id: int, actor: Actor, passed: int | None = None) -> list[Recheck]:
    """Check the case's pages again now; record what was seen; reopen the case if a copy is back."""
    case, found, _notices = archive.store.workflow.case_facts(case_id)
    results = [r for url, group in _pages(found).items() for r in _check_page(archive, case.id, url, group)]
    failed = any(r.status is None for r in results)
    details = {
        "seen": [
            {"finding": r.finding_id, "status": r.status, "capture": r.capture_id, "error": r.error}
            for r in results
        ]
    }
    updates = {"rechecks_done": passed} if passed is not None and not failed else {}
    event = CaseEvent(datetime.now(UTC), actor.name, EventKind.RECHECK, _summary(results), details=details)
    archive.store.workflow.change_case(case.id, lambda c, f, n: CaseChange(event, None, updates))
    back = any(
        r.status in (SightingStatus.BACK, SightingStatus.STILL_THERE, SightingStatus.CHANGED) for r in results
    )
    if back and case.state in (CaseState.REMOVED, CaseState.CLOSED):
        archive.cases.move(SYSTEM, case.id, CaseState.REOPENED, text="a re-check found a copy back online")
    return results


def _pages(found: Sequence[Finding]) -> dict[str, list[Finding]]:
    pages: dict[str, list[Finding]] = {}
    for finding in found:
        if finding.page.kind == PageKind.URL:
            pages.setdefault(finding.page.key, []).append(finding)
    return pages


def _check_page(archive: Archive, case_id: int, url: str, group: list[Finding]) -> list[Recheck]:
    try:
        report = archive.record_url(url)
    except FetchError as exc:
        if exc.status not in GONE_STATUSES:
            return [Recheck(case_id, f.id, url, None, None, str(exc)) for f in group]
        page = group[0].page
        archive.store.record_check(page, archive.store.page_text(page.id or 0) or "", [], None)
        return [Recheck(case_id, f.id, url, SightingStatus.GONE, None, str(exc)) for f in group]
    seen = {r.finding_id: r.status for r in report.recorded}
    capture = report.capture.id if report.capture else None
    return [Recheck(case_id, f.id, url, seen.get(f.id, SightingStatus.GONE), capture) for f in group]


def _summary(results: Sequence[Recheck]) -> str:
    counts: dict[str, int] = {}
    for r in results:
        key = r.status.value.replace("_", " ") if r.status else "unreachable"
        counts[key] = counts.get(key, 0) + 1
    return "re-check: " + (", ".join(f"{n} {key}" for key, n in sorted(counts.items())) or "no page to check")
