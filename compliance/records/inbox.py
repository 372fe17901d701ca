"""The inbox and the dashboard: findings grouped by site, for the legal team.

InboxFilter    what the inbox shows; InboxSite, one line of it (a site); InboxPage, one page of it
FindingLine    a finding as a list shows it, with its article's title and its review
Dismissal      findings set aside by one person, for one reason
FindingView    everything the finding page shows
Overview       the dashboard's figures: findings per week, the worst sites, time to removal

ReviewState and InboxSort are the closed sets of words these values carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from compliance.records.articles import Article, Capture, Verdict
from compliance.records.findings import Finding, NoticeStatus, SeverityLevel
from compliance.records.workflow import DismissReason


class ReviewState(StrEnum):
    """Where a finding stands in the legal team's inbox."""

    OPEN = "open"  # not looked at, or looked at and kept
    DISMISSED = "dismissed"  # set aside with a reason (licensed, quotation, own site…)


class InboxSort(StrEnum):
    """How the inbox orders its sites."""

    SEVERITY = "severity"  # worst first
    FINDINGS = "findings"  # most findings first
    RECENT = "recent"  # last seen first
    SITE = "site"  # by domain


@dataclass(frozen=True, slots=True)
class InboxFilter:
    """What the inbox shows: every field narrows it; empty values do not."""

    verdicts: tuple[Verdict, ...] = ()
    severities: tuple[SeverityLevel, ...] = ()
    state: ReviewState | None = ReviewState.OPEN
    site: str | None = None  # a domain, or a part of one
    seen_from: datetime | None = None  # last seen at or after
    seen_until: datetime | None = None  # last seen before
    article_id: int | None = None
    section: str | None = None


@dataclass(frozen=True, slots=True)
class InboxSite:
    """One line of the inbox: a site (None: submitted texts and files) and what it copied."""

    domain: str | None
    findings: int
    articles: int
    present: int
    worst_score: int
    worst_level: SeverityLevel
    first_seen: datetime
    last_seen: datetime
    verdicts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class InboxPage:
    """One page of the inbox: its sites, how many sites and findings match, where it starts."""

    sites: tuple[InboxSite, ...]
    total_sites: int
    total_findings: int
    page: int
    per_page: int


@dataclass(frozen=True, slots=True)
class FindingLine:
    """A finding as a list shows it: no passages, no sightings, its article's title and its review."""

    id: int
    article_id: int
    article_title: str | None
    article_url: str
    page_url: str | None
    page_name: str | None
    domain: str | None
    verdict: Verdict
    coverage: float
    reproduced_words: int
    severity: SeverityLevel
    severity_score: int
    notice: NoticeStatus
    first_seen: datetime
    last_seen: datetime
    present: bool
    state: ReviewState
    reason: DismissReason | None = None


@dataclass(frozen=True, slots=True)
class Dismissal:
    """Findings set aside by one person, for one reason."""

    finding_ids: tuple[int, ...]
    reason: DismissReason
    by: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class FindingView:
    """Everything the finding page shows: the finding, our article, the page's text, the capture."""

    finding: Finding
    article: Article
    page_text: str
    capture: Capture | None
    state: ReviewState
    reason: DismissReason | None


@dataclass(frozen=True, slots=True)
class Overview:
    """The dashboard's figures: findings per week by verdict, the worst sites, time to removal."""

    weeks: tuple[date, ...]  # Mondays, oldest first
    per_week: dict[str, tuple[int, ...]]  # verdict -> findings first seen each week
    top_sites: tuple[InboxSite, ...]
    median_days_to_removal: float | None
    removed: int  # findings seen gone at least once
