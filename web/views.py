"""Records turned into what the templates show, so that templates hold no logic.

text + passages ─► segments (plain, or marked with the passage's number) for both texts
enums           ─► translated labels and CSS classes (verdict, severity, notice, state)
request args    ─► an `InboxFilter` (and back into the query string for links)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

from flask_babel import lazy_gettext as _l

from compliance.records import (
    CaseState,
    DismissReason,
    InboxFilter,
    InboxSort,
    NoticeKind,
    NoticeState,
    NoticeStatus,
    PageStatus,
    Passage,
    ReviewState,
    Role,
    ScanState,
    SeverityLevel,
    SightingStatus,
    Verdict,
)

VERDICTS = {
    Verdict.FULL_REPRODUCTION: _l("Full reproduction"),
    Verdict.SUBSTANTIAL_EXCERPT: _l("Substantial excerpt"),
    Verdict.LICENCE_BREACH: _l("Licence breach"),
    Verdict.SHORT_QUOTATION: _l("Short quotation"),
    Verdict.SNIPPET: _l("Snippet"),
    Verdict.LICENSED: _l("Licensed"),
    Verdict.THIRD_PARTY: _l("Third-party text"),
    Verdict.OWN_SITE: _l("Own site"),
}
SEVERITIES = {
    SeverityLevel.CRITICAL: _l("Critical"),
    SeverityLevel.HIGH: _l("High"),
    SeverityLevel.MEDIUM: _l("Medium"),
    SeverityLevel.LOW: _l("Low"),
    SeverityLevel.NONE: _l("None"),
}
NOTICES = {
    NoticeStatus.KEPT: _l("Notice kept"),
    NoticeStatus.STRIPPED: _l("Notice stripped"),
    NoticeStatus.NONE: _l("No notice on our article"),
}
STATES = {ReviewState.OPEN: _l("Open"), ReviewState.DISMISSED: _l("Set aside")}
REASONS = {
    DismissReason.LICENSED: _l("Licensed"),
    DismissReason.QUOTATION: _l("Lawful quotation"),
    DismissReason.OWN_SITE: _l("Own site"),
    DismissReason.FALSE_POSITIVE: _l("False positive"),
    DismissReason.OTHER: _l("Other"),
}
SIGHTINGS = {
    SightingStatus.NEW: _l("First seen"),
    SightingStatus.STILL_THERE: _l("Still there"),
    SightingStatus.CHANGED: _l("Changed"),
    SightingStatus.GONE: _l("Gone"),
    SightingStatus.BACK: _l("Back"),
}
SORTS = {
    InboxSort.SEVERITY: _l("Worst first"),
    InboxSort.FINDINGS: _l("Most findings"),
    InboxSort.RECENT: _l("Last seen"),
    InboxSort.SITE: _l("Site name"),
}
E = TypeVar("E", bound=StrEnum)
PERIODS = {"7": _l("Last 7 days"), "30": _l("Last 30 days"), "90": _l("Last 90 days"), "": _l("Any time")}


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text: plain (`passage` None) or inside reproduced passage number `passage`."""

    text: str
    passage: int | None = None


def segments(text: str, spans: Iterable[tuple[int, int]]) -> list[Segment]:
    """`text` cut at the spans (numbered from 1 in the order given); overlaps go to the first."""
    numbered = sorted((start, end, i) for i, (start, end) in enumerate(spans, 1) if end > start)
    found: list[Segment] = []
    at = 0
    for start, end, number in numbered:
        start = max(start, at)
        if start >= end:
            continue
        if start > at:
            found.append(Segment(text[at:start]))
        found.append(Segment(text[start:end], number))
        at = end
    if at < len(text):
        found.append(Segment(text[at:]))
    return found


def article_segments(text: str, passages: Iterable[Passage]) -> list[Segment]:
    """Our article's text with its reproduced passages marked."""
    return segments(text, [(p.article_start, p.article_end) for p in passages])


def page_segments(text: str, passages: Iterable[Passage]) -> list[Segment]:
    """The page's text with the passages it reproduces marked."""
    return segments(text, [(p.page_start, p.page_end) for p in passages])


def inbox_filter(
    args: Mapping[str, str], lists: Mapping[str, list[str]], today: date | None = None
) -> InboxFilter:
    """The filter a query string asks for; unknown values are ignored, not errors."""
    verdicts = tuple(Verdict(v) for v in lists.get("verdict", []) if v in Verdict.__members__.values())
    levels = tuple(
        SeverityLevel(s) for s in lists.get("severity", []) if s in SeverityLevel.__members__.values()
    )
    state_arg = args.get("state", ReviewState.OPEN.value)
    state = ReviewState(state_arg) if state_arg in ReviewState.__members__.values() else None
    period = args.get("period", "")
    since = None
    if period.isdigit():
        now = datetime.combine(today, datetime.min.time(), tzinfo=UTC) if today else datetime.now(UTC)
        since = now - timedelta(days=int(period))
    article = args.get("article", "")
    return InboxFilter(
        verdicts=verdicts,
        severities=levels,
        state=state,
        site=args.get("site", "").strip() or None,
        seen_from=since,
        article_id=int(article) if article.isdigit() else None,
        section=args.get("section", "").strip() or None,
    )


def inbox_sort(value: str | None) -> InboxSort:
    """The sort a query string asks for; worst first by default."""
    return InboxSort(value) if value and value in InboxSort.__members__.values() else InboxSort.SEVERITY


CASE_STATES = {
    CaseState.NEW: _l("New"),
    CaseState.UNDER_REVIEW: _l("Under review"),
    CaseState.DISMISSED: _l("Dismissed"),
    CaseState.CONFIRMED: _l("Confirmed"),
    CaseState.EVIDENCE_FROZEN: _l("Evidence frozen"),
    CaseState.NOTICE_SENT: _l("Notice sent"),
    CaseState.AWAITING_ANSWER: _l("Awaiting answer"),
    CaseState.REMOVED: _l("Removed"),
    CaseState.LICENSED: _l("Licensed"),
    CaseState.ESCALATED: _l("Escalated"),
    CaseState.CLOSED: _l("Closed"),
    CaseState.REOPENED: _l("Reopened"),
}
# What the button that makes each move says.
CASE_MOVES = {
    CaseState.UNDER_REVIEW: _l("Start the review"),
    CaseState.DISMISSED: _l("Dismiss"),
    CaseState.CONFIRMED: _l("Confirm the infringement"),
    CaseState.EVIDENCE_FROZEN: _l("Freeze the evidence"),
    CaseState.NOTICE_SENT: _l("Record the notice as sent"),
    CaseState.AWAITING_ANSWER: _l("Await the answer"),
    CaseState.REMOVED: _l("Record the removal"),
    CaseState.LICENSED: _l("Record a licence"),
    CaseState.ESCALATED: _l("Escalate"),
    CaseState.CLOSED: _l("Close"),
}
NOTICE_KINDS = {
    NoticeKind.FORMAL_NOTICE: _l("Formal notice (mise en demeure)"),
    NoticeKind.DMCA: _l("DMCA takedown notice"),
    NoticeKind.DSA: _l("DSA notice (art. 16)"),
}
NOTICE_STATES = {
    NoticeState.DRAFT: _l("Draft"),
    NoticeState.APPROVED: _l("Approved"),
    NoticeState.SENT: _l("Sent"),
}
EVENTS = {
    "opened": _l("opened"),
    "state": _l("state"),
    "note": _l("note"),
    "assign": _l("assignment"),
    "deadline": _l("deadline"),
    "notice": _l("notice"),
    "evidence": _l("evidence"),
    "recheck": _l("re-check"),
    "audit": _l("audit"),
}
ROLES = {
    Role.ADMIN: _l("administrator"),
    Role.LEGAL: _l("legal"),
    Role.ANALYST: _l("analyst"),
    Role.VIEWER: _l("viewer"),
    Role.SYSTEM: _l("system"),
}
# Scans of watched sites: what each scan and each page came to.
SCAN_STATES = {
    ScanState.RUNNING: _l("Running"),
    ScanState.COMPLETE: _l("Complete"),
    ScanState.FAILED: _l("Failed"),
    ScanState.BUSY: _l("Busy"),
}
PAGE_STATUSES = {
    PageStatus.FETCHED: _l("Checked"),
    PageStatus.NOT_MODIFIED: _l("Not modified"),
    PageStatus.UNCHANGED: _l("Unchanged"),
    PageStatus.STALE: _l("Too old"),
    PageStatus.BLOCKED_BY_ROBOTS: _l("Blocked by robots.txt"),
    PageStatus.FAILED: _l("Failed"),
}


@dataclass(frozen=True)
class Labels:
    """Every enum's words, for the templates (`labels.verdicts[finding.verdict]`)."""

    verdicts: Mapping[Verdict, Any]
    severities: Mapping[SeverityLevel, Any]
    notices: Mapping[NoticeStatus, Any]
    states: Mapping[ReviewState, Any]
    reasons: Mapping[DismissReason, Any]
    sightings: Mapping[SightingStatus, Any]
    sorts: Mapping[InboxSort, Any]
    periods: Mapping[str, Any]
    roles: Mapping[Role, Any]
    case_states: Mapping[CaseState, Any]
    case_moves: Mapping[CaseState, Any]
    notice_kinds: Mapping[NoticeKind, Any]
    notice_states: Mapping[NoticeState, Any]
    events: Mapping[str, Any]
    scan_states: Mapping[ScanState, Any]
    page_statuses: Mapping[PageStatus, Any]


LABELS = Labels(
    VERDICTS,
    SEVERITIES,
    NOTICES,
    STATES,
    REASONS,
    SIGHTINGS,
    SORTS,
    PERIODS,
    ROLES,
    CASE_STATES,
    CASE_MOVES,
    NOTICE_KINDS,
    NOTICE_STATES,
    EVENTS,
    SCAN_STATES,
    PAGE_STATUSES,
)


def rules_rows(rules: Mapping[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The rules a verdict was made under, as (group, [(name, value)]) rows to show as they were."""
    rows = []
    for group, values in rules.items():
        if isinstance(values, Mapping):
            rows.append((group, [(name, _shown(value)) for name, value in values.items()]))
        else:
            rows.append((group, [("", _shown(values))]))
    return rows


def _shown(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "—"
    return "—" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One line of a case's timeline: a workflow event, or an audit entry about the case."""

    at: datetime
    who: str
    kind: str
    text: str
    hash: str = ""


def timeline(events: Iterable[Any], audit: Iterable[Any]) -> list[TimelineEntry]:
    """The case's events and its audit entries, newest first."""
    entries = [
        TimelineEntry(e.at, e.actor, str(e.kind), e.text or _arrow(e.from_state, e.to_state)) for e in events
    ]
    entries += [TimelineEntry(a.at, a.actor, "audit", f"{a.action} {a.subject}", a.hash) for a in audit]
    return sorted(entries, key=lambda entry: entry.at, reverse=True)


def _arrow(before: Any, after: Any) -> str:
    return f"{before or ''} → {after or ''}"
