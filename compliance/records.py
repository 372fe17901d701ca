"""Typed values that flow between the stages (frozen dataclasses, never ORM rows).

ArticleInput   what a reader or extractor yields for one of our articles, before storage
Article        an ArticleInput once stored: it has an `id`
Passage        a reproduced passage: a character span in the article and one in the page
Match          one article found in one page: passages, scores and verdict
Partner        a licensee and the scope of its licence
PageContext    what the policy knows of a page: its text, links, URL, the site's history
Decision       the policy's verdict on a match: reasons, attribution, notice, severity, rules
PageRef        a checked page as stored: a URL, or a submitted file or text by its SHA-256
Finding        an article found in a page, as stored, with its sightings
Site           a watched site; Scan, ScanPage, SiteScan, ScanReport: its scans and what they did

Verdict, UpsertStatus, CaptureKind, NoticeStatus, SeverityLevel, PageKind and SightingStatus are
the closed sets of words these values carry; PageStatus and ScanState those of scans.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

import numpy as np


class Verdict(StrEnum):
    """What a match amounts to: by size first (score), then by who copied and how (policy)."""

    FULL_REPRODUCTION = "full_reproduction"
    SUBSTANTIAL_EXCERPT = "substantial_excerpt"
    SHORT_QUOTATION = "short_quotation"
    SNIPPET = "snippet"
    LICENSED = "licensed"
    LICENCE_BREACH = "licence_breach"
    OWN_SITE = "own_site"
    THIRD_PARTY = "third_party"


class UpsertStatus(StrEnum):
    """What storing one article did."""

    INGESTED = "ingested"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class CaptureKind(StrEnum):
    """Where a capture's bytes came from."""

    URL = "url"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """One article of ours as given to `ingest`; `body` is kept byte for byte."""

    url: str
    body: str
    title: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author: str | None = None
    section: str | None = None
    language: str | None = None
    rights_notice: str | None = None
    paywalled: bool | None = None
    source: str | None = None  # who wrote it when it is not ours: a news agency, a press release


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article of ours."""

    id: int
    url: str
    body: str
    title: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author: str | None = None
    section: str | None = None
    language: str | None = None
    rights_notice: str | None = None
    paywalled: bool | None = None
    source: str | None = None  # who wrote it when it is not ours: a news agency, a press release


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """MinHash signatures of one text, with the parameters that made them.

    `signature` is the whole text's MinHash (uint32, `num_perm` values); `windows` holds the
    distinct minimum shingle hashes of the text's passage windows (uint64, sorted, 1-D), which the
    passage index is built from. Fingerprints made with other parameters must never be compared:
    `params` travels with them into storage.
    """

    params: dict[str, int]
    signature: np.ndarray
    windows: np.ndarray


@dataclass(frozen=True, slots=True)
class EncodedFingerprint:
    """A Fingerprint in the form storage keeps: bytes, made and read by `detect.fingerprint`'s codec.

    `signature` holds `num_perm` little-endian uint32 values, `windows` `n_windows` little-endian
    uint64 values; storage writes them as they are and never needs numpy to do it.
    """

    params: dict[str, int]
    signature: bytes
    windows: bytes
    n_windows: int


# A stored fingerprint comes out of storage encoded; the passage index reads it decoded.
FingerprintForm = TypeVar("FingerprintForm", Fingerprint, EncodedFingerprint)


@dataclass(frozen=True)  # no slots: typing sets `__orig_class__` on `StoredFingerprint[...](...)`
class StoredFingerprint(Generic[FingerprintForm]):
    """A fingerprint as stored: its row id and the article it belongs to."""

    id: int
    article_id: int
    fingerprint: FingerprintForm


@dataclass(frozen=True, slots=True)
class Passage:
    """Reproduced text: [article_start, article_end) in the article, [page_start, page_end) in the page.

    Offsets are character offsets (Python `str` indices, end exclusive) into the texts as given;
    `words` counts the article's words inside the passage.
    """

    article_start: int
    article_end: int
    page_start: int
    page_end: int
    words: int


@dataclass(frozen=True, slots=True)
class Scores:
    """How much of an article a page reproduces."""

    coverage: float  # share of the article's words reproduced, 0..1
    similarity: float  # Jaccard similarity of the two texts' word-shingle sets, 0..1
    page_share: float  # share of the page's words that are the article's, 0..1
    reproduced_words: int
    longest_passage_words: int


@dataclass(frozen=True, slots=True)
class Match:
    """An article found in a page."""

    article: Article
    passages: tuple[Passage, ...]
    scores: Scores
    verdict: Verdict


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one `ingest` run did."""

    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Capture:
    """The evidence of one fetch or one submitted file; written once, never rewritten.

    `warc_path` is relative to the evidence folder and `sha256` is the hash of that WARC file's
    bytes. `text` is the extracted main text that was checked: match offsets into a page point
    into it. `metadata` holds title, author, published date, site name, visible text and links.
    """

    sha256: str
    warc_path: str
    kind: CaptureKind
    requested_url: str
    final_url: str
    redirects: tuple[str, ...]
    status: int | None
    headers: dict[str, str]
    server_ip: str | None
    fetched_at: datetime
    tool_version: str
    content_type: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    article_id: int | None = None
    id: int | None = None


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


# --- Scans: watched sites and their runs (compliance.scans) ---------------------------------------


@dataclass(frozen=True, slots=True)
class Site:
    """A watched site: where its pages are found, how politely, how often (compliance.scans.sites)."""

    name: str
    seeds: tuple[str, ...]  # home or section pages, RSS/Atom feeds, sitemaps (index, news, gzipped)
    domains: tuple[str, ...] = ()  # hosts of the site's pages (subdomains too); default: the seeds'
    depth: int = 1  # links followed from a seed page, then from those pages, up to this depth
    page_limit: int = 500  # pages checked per scan, at most
    delay: float = 1.0  # seconds between two requests to one host, at least
    schedule: str = "daily@02:00"  # "daily@HH:MM" (UTC) or "every:Nh"
    fresh_days: int | None = None  # only pages published in the last N days (when a date is known)
    id: int | None = None


class PageStatus(StrEnum):
    """What one scan did with one page."""

    FETCHED = "fetched"  # new or changed: checked
    NOT_MODIFIED = "not_modified"  # the server answered 304 to a conditional request
    UNCHANGED = "unchanged"  # fetched again, the same bytes as last time: not checked again
    STALE = "stale"  # published before the site's freshness window: not checked
    BLOCKED_BY_ROBOTS = "blocked_by_robots"
    FAILED = "failed"


class ScanState(StrEnum):
    """Where one scan of one site stands."""

    RUNNING = "running"  # or killed: the next scan of the site resumes it
    COMPLETE = "complete"
    FAILED = "failed"  # the site could not be scanned at all (robots.txt or every seed failed)
    BUSY = "busy"  # another scan held the site: nothing done (never stored)


@dataclass(frozen=True, slots=True)
class ScanPage:
    """One page's outcome in one scan, with what a conditional request needs next time."""

    url: str
    status: PageStatus
    reason: str | None = None
    findings: tuple[int, ...] = ()  # the findings this check recorded
    new_findings: tuple[int, ...] = ()  # ...of which found for the first time
    etag: str | None = None
    last_modified: str | None = None
    content_hash: str | None = None  # SHA-256 of the body: the same bytes are never checked twice


@dataclass(frozen=True, slots=True)
class ScanStep:
    """A page's outcome with the scan and site it belongs to: stored with the check, in one transaction."""

    scan_id: int
    site_id: int
    page: ScanPage


@dataclass(frozen=True, slots=True)
class Scan:
    """One scan of one site, as stored."""

    id: int
    site_id: int
    site: str
    started_at: datetime
    state: ScanState
    finished_at: datetime | None = None
    reason: str | None = None
    discovered: int = 0


@dataclass(frozen=True, slots=True)
class SiteScan:
    """What one scan of one site did: its state, counts per page status, failures, new findings."""

    site: str
    state: ScanState
    scan_id: int | None
    counts: dict[str, int]
    failures: tuple[tuple[str, str], ...]  # (url, reason)
    new_findings: tuple[int, ...]
    seconds: float
    resumed: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class ScanReport:
    """One `compliance scan` run over one or more sites, with the matches found for the first time."""

    sites: tuple[SiteScan, ...]
    matches: tuple[tuple[str, Recorded], ...]  # (page URL, match as kept)
    seconds: float
    alerts: tuple[str, ...] = ()  # where the digest went, or why it did not
