"""The policy's values (who copied, and how) and the findings checks keep.

Partner        a licensee and the scope of its licence
PageContext    what the policy knows of a page: its text, links, URL, the site's history
Attribution    whether a page credits us, each claim with its proof
Severity       an ordered level and a score out of 100, with its parts
Decision       the policy's verdict on a match: reasons, attribution, notice, severity, rules
PageRef        a checked page as stored: a URL, or a submitted file or text by its SHA-256
Judged         a match with the policy's decision on it
Sighting       one check of a finding's page
Finding        an article found in a page, as stored, with its sightings
Recorded       what storing one judged match did
CheckReport    one check of one page: the page, its capture, what was found, what went away

NoticeStatus, SeverityLevel, PageKind and SightingStatus are the closed sets of words these values
carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from compliance.records.articles import Capture, Match, Passage, Scores, Verdict

# --- Policy: who copied, and how -----------------------------------------------------------------


class NoticeStatus(StrEnum):
    """Whether a copy still carries our rights notice."""

    KEPT = "kept"
    STRIPPED = "stripped"
    NONE = "none"  # our article carried no notice: nothing to keep


class SeverityLevel(StrEnum):
    """Ordered levels, lowest first; `rank` compares them."""

    NONE = "none"
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return list(SeverityLevel).index(self)


@dataclass(frozen=True, slots=True)
class Partner:
    """A licensee: the domains it may publish on and the scope of its licence."""

    name: str
    domains: tuple[str, ...]
    sections: tuple[str, ...] = ()  # empty: every section
    published_from: date | None = None  # our articles published in [from, until] only
    published_until: date | None = None
    min_delay_hours: float = 0.0  # after our publication
    max_words: int | None = None  # largest passage allowed
    max_share: float | None = None  # largest share of the article allowed
    require_name: bool = False
    require_link: bool = False
    valid_from: date | None = None
    valid_until: date | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class PageContext:
    """What the policy knows of the page a match was found in."""

    text: str
    seen_at: datetime
    url: str | None = None  # final URL; None for a submitted text or file
    links: tuple[str, ...] = ()  # absolute link targets found in the page
    site_articles: int = 0  # distinct articles of ours this site copied in the repeat-offender window


@dataclass(frozen=True, slots=True)
class Attribution:
    """Whether a page credits us, each claim with the snippet that proves it."""

    credited: bool = False
    credit: str | None = None  # the page's words that name us
    linked: bool = False
    link: str | None = None  # a link to one of our domains
    links_to_article: bool = False


@dataclass(frozen=True, slots=True)
class Severity:
    """An ordered level and a score out of 100, with the parts that make it up."""

    level: SeverityLevel
    score: int
    parts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Decision:
    """The policy's verdict on one match, with everything needed to explain it later."""

    verdict: Verdict
    reasons: tuple[str, ...]
    attribution: Attribution
    notice: NoticeStatus
    severity: Severity
    coverage: float  # share of the article's own words (third-party text excluded)
    rules: dict[str, Any]  # thresholds, policy rules and the partner licence in force


# --- Findings: what checks keep -----------------------------------------------------------------


class PageKind(StrEnum):
    """What was checked."""

    URL = "url"
    FILE = "file"
    TEXT = "text"


class SightingStatus(StrEnum):
    """What one check of a page saw of a finding."""

    NEW = "new"
    STILL_THERE = "still_there"
    CHANGED = "changed"  # the reproduced passages grew or shrank
    GONE = "gone"
    BACK = "back"  # seen again after it was gone


@dataclass(frozen=True, slots=True)
class PageRef:
    """A checked page: a URL (`key` is the URL), or a file or text (`key` is `sha256:<hex>`)."""

    kind: PageKind
    key: str
    url: str | None = None
    domain: str | None = None  # the site's registrable domain
    name: str | None = None  # a submitted file's name
    sha256: str | None = None  # of a submitted file's bytes, or a text's UTF-8
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Judged:
    """A match with the policy's decision on it: what a check stores as a finding."""

    match: Match
    decision: Decision


@dataclass(frozen=True, slots=True)
class Sighting:
    """One check of a finding's page."""

    seen_at: datetime
    status: SightingStatus
    capture_id: int | None
    verdict: Verdict | None
    coverage: float | None
    reproduced_words: int | None
    passages: tuple[Passage, ...]
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """One article of ours found in one page: the latest judgement and every sighting."""

    id: int
    article_id: int
    page: PageRef
    first_seen: datetime
    last_seen: datetime
    present: bool
    verdict: Verdict
    reasons: tuple[str, ...]
    scores: Scores
    passages: tuple[Passage, ...]
    attribution: Attribution
    notice: NoticeStatus
    severity: Severity
    rules: dict[str, Any]
    capture_id: int | None = None
    sightings: tuple[Sighting, ...] = ()


@dataclass(frozen=True, slots=True)
class Recorded:
    """What storing one judged match did: its finding, whether it is new, what was seen."""

    judged: Judged
    finding_id: int
    new: bool
    status: SightingStatus


@dataclass(frozen=True, slots=True)
class CheckReport:
    """One check of one page: the page, its capture (if any), what was found, what went away."""

    page: PageRef
    text: str
    recorded: tuple[Recorded, ...]
    gone: tuple[int, ...] = ()  # findings of this page no longer seen in it
    capture: Capture | None = None
