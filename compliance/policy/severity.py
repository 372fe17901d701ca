"""A decision's facts → an ordered severity level and a score out of 100, with its parts.

Calibrated as a set (change them together, and check tests/test_policy.py's table): a full copy
of a paywalled article with its notice stripped, the day it was published, by a repeat offender,
is critical; an attributed short quotation is low; licensed, own-site and third-party copies are
none.
"""

from __future__ import annotations

from datetime import datetime

from compliance.records import NoticeStatus, Severity, SeverityLevel, Verdict

BASE = {
    Verdict.FULL_REPRODUCTION: 45,
    Verdict.SUBSTANTIAL_EXCERPT: 30,
    Verdict.LICENCE_BREACH: 25,
    Verdict.SHORT_QUOTATION: 5,
    Verdict.SNIPPET: 2,
}
# A quotation or a snippet is a lawful use when credited: what aggravates a copy (paywalled text,
# a stripped notice, speed) does not aggravate it. A repeat offender still weighs.
ALLOWED_USES = frozenset({Verdict.SHORT_QUOTATION, Verdict.SNIPPET})
SHARE_POINTS = 20  # times the share of the article reproduced
PAYWALL_POINTS = 10
STRIPPED_POINTS = 10
FAST_COPY = ((24, 10), (24 * 7, 5))  # copied within N hours of our publication: points
REPEAT_POINTS = 10
LEVELS = (
    (70, SeverityLevel.CRITICAL),
    (50, SeverityLevel.HIGH),
    (25, SeverityLevel.MEDIUM),
    (1, SeverityLevel.LOW),
)


def severity(
    verdict: Verdict,
    coverage: float,
    paywalled: bool,
    notice: NoticeStatus,
    published_at: datetime | None,
    seen_at: datetime,
    repeat_offender: bool,
) -> Severity:
    """The severity of one finding; verdicts that open no case score 0."""
    if verdict not in BASE:
        return Severity(SeverityLevel.NONE, 0, {"verdict": 0})
    infringing = verdict not in ALLOWED_USES
    parts = {
        "verdict": BASE[verdict],
        "share": round(SHARE_POINTS * min(max(coverage, 0.0), 1.0)),
        "paywall": PAYWALL_POINTS if paywalled and infringing else 0,
        "notice_stripped": STRIPPED_POINTS if notice is NoticeStatus.STRIPPED and infringing else 0,
        "delay": _delay_points(published_at, seen_at) if infringing else 0,
        "repeat_offender": REPEAT_POINTS if repeat_offender else 0,
    }
    score = min(100, sum(parts.values()))
    level = next((lvl for floor, lvl in LEVELS if score >= floor), SeverityLevel.NONE)
    return Severity(level, score, parts)


def _delay_points(published_at: datetime | None, seen_at: datetime) -> int:
    if published_at is None:
        return 0
    hours = (seen_at - published_at).total_seconds() / 3600
    return next((points for limit, points in FAST_COPY if 0 <= hours <= limit), 0)
