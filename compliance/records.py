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
Actor, User    who acts in the workflow, and a stored user
Case           the legal workflow around findings: state, history (CaseEvent), changes (CaseChange)
Notice         a notice drafted from a case, approved, sent (Sending)
AuditEntry     one hash-chained entry of the audit log (AuditNote before it is sealed; ChainCheck)
Recheck        one re-check of a case's page; PackCheck, an evidence pack checked by itself

Verdict, UpsertStatus, CaptureKind, NoticeStatus, SeverityLevel, PageKind and SightingStatus are
the closed sets of words these values carry; CaseState, DismissReason, Role, Action, EventKind,
NoticeKind and NoticeState are the workflow's.
FindingQuery   which findings a listing wants: filters and a cursor
ApiKey         a key of the JSON API as stored (its hash only): name, scopes, times
CheckJob       a URL check run in the background for the API, with its result when done

Verdict, UpsertStatus, CaptureKind, NoticeStatus, SeverityLevel, PageKind, SightingStatus,
ApiScope and JobState are the closed sets of words these values carry.
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


# --- Cases: the legal workflow around findings (compliance.cases) ---------------------------------


class CaseState(StrEnum):
    """Where a case stands; `compliance.cases.states.TRANSITIONS` says which moves are allowed."""

    NEW = "new"
    UNDER_REVIEW = "under_review"
    DISMISSED = "dismissed"
    CONFIRMED = "confirmed"
    EVIDENCE_FROZEN = "evidence_frozen"
    NOTICE_SENT = "notice_sent"
    AWAITING_ANSWER = "awaiting_answer"
    REMOVED = "removed"
    LICENSED = "licensed"
    ESCALATED = "escalated"
    CLOSED = "closed"
    REOPENED = "reopened"


class DismissReason(StrEnum):
    """Why a case was dismissed."""

    FALSE_POSITIVE = "false_positive"
    QUOTATION = "quotation"
    LICENSED = "licensed"
    OWN_SITE = "own_site"
    OTHER = "other"


class Role(StrEnum):
    """What a user may do; `compliance.cases.permissions.PERMISSIONS` is the one table of rules."""

    ADMIN = "admin"  # users, sites, partners, thresholds
    LEGAL = "legal"  # confirms cases, approves notices
    ANALYST = "analyst"  # triage, drafts
    VIEWER = "viewer"  # reads
    SYSTEM = "system"  # the scheduler's re-checks; never a user's role


class Action(StrEnum):
    """Everything a user can ask of the workflow, each allowed to some roles."""

    READ = "read"
    OPEN_CASE = "open_case"
    ASSIGN = "assign"
    NOTE = "note"
    SET_DEADLINE = "set_deadline"
    REVIEW = "review"
    DISMISS = "dismiss"
    CONFIRM = "confirm"
    FREEZE_EVIDENCE = "freeze_evidence"
    SEND_NOTICE = "send_notice"
    AWAIT_ANSWER = "await_answer"
    RECORD_REMOVAL = "record_removal"
    RECORD_LICENCE = "record_licence"
    ESCALATE = "escalate"
    CLOSE = "close"
    REOPEN = "reopen"
    DRAFT_NOTICE = "draft_notice"
    APPROVE_NOTICE = "approve_notice"
    EXPORT_EVIDENCE = "export_evidence"
    RECHECK = "recheck"
    READ_AUDIT = "read_audit"
    MANAGE_USERS = "manage_users"
    MANAGE_PARTNERS = "manage_partners"
    MANAGE_SITES = "manage_sites"
    MANAGE_THRESHOLDS = "manage_thresholds"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: every workflow call names one, and the audit log keeps its name."""

    name: str
    role: Role


@dataclass(frozen=True, slots=True)
class User:
    """A stored user (its password hash stays in storage)."""

    id: int
    name: str
    role: Role
    active: bool
    created_at: datetime


class EventKind(StrEnum):
    """What one entry of a case's history records."""

    OPENED = "opened"
    STATE = "state"
    NOTE = "note"
    ASSIGN = "assign"
    DEADLINE = "deadline"
    NOTICE = "notice"
    EVIDENCE = "evidence"
    RECHECK = "recheck"


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One entry of a case's history: a state change, a note, an assignment…"""

    at: datetime
    actor: str
    kind: EventKind
    text: str = ""
    from_state: CaseState | None = None
    to_state: CaseState | None = None
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """The legal workflow around one or more findings, usually all the open ones of one site."""

    id: int
    state: CaseState
    domain: str | None
    title: str
    finding_ids: tuple[int, ...]
    created_at: datetime
    created_by: str
    modified_at: datetime
    assignee: str | None = None
    deadline: date | None = None
    reason: DismissReason | None = None
    recheck_from: datetime | None = None  # re-checks are due this many days after it
    rechecks_done: int = 0  # how many of `settings.recheck_days` have been run
    events: tuple[CaseEvent, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseChange:
    """What one workflow call does to a case, decided by the core and applied by storage at once."""

    event: CaseEvent  # storage audits it as `case.<kind>`
    state: CaseState | None = None
    updates: dict[str, Any] = field(default_factory=dict)  # assignee, deadline, reason, recheck_*


class NoticeKind(StrEnum):
    """The formal notices a case can send."""

    FORMAL_NOTICE = "formal_notice"  # mise en demeure, to the site's publisher
    DMCA = "dmca"  # 17 U.S.C. §512(c)(3), to a host
    DSA = "dsa"  # EU Digital Services Act art. 16, to a platform


class NoticeState(StrEnum):
    """Where a notice stands: drafted, approved by a second person, sent."""

    DRAFT = "draft"
    APPROVED = "approved"
    SENT = "sent"


@dataclass(frozen=True, slots=True)
class Sending:
    """How a notice went out, and the proof of it."""

    channel: str
    recipient: str
    sent_at: datetime
    proof: str
    by: str = ""


@dataclass(frozen=True, slots=True)
class Notice:
    """A notice drafted from a case; `missing` names the required elements it lacks."""

    id: int
    case_id: int
    kind: NoticeKind
    language: str
    state: NoticeState
    recipient: str | None
    body: str
    elements: dict[str, Any]
    missing: tuple[str, ...]
    drafted_by: str
    drafted_at: datetime
    approved_by: str | None = None
    approved_at: datetime | None = None
    sending: Sending | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One append-only entry of the audit log, chained to the one before by its hash."""

    seq: int
    at: datetime
    actor: str
    action: str
    subject: str
    details: str  # canonical JSON, hashed as stored
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The audit chain recomputed: how many entries, the head, and the first broken entry if any."""

    entries: int
    head: str
    bad_seq: int | None = None
    problem: str | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True)
class Recheck:
    """One re-check of one finding's page for a case: what was seen, and its capture."""

    case_id: int
    finding_id: int
    url: str
    status: SightingStatus | None  # None: the page could not be checked this time
    capture_id: int | None = None
    error: str | None = None


@dataclass(frozen=True, slots=True)
class PackCheck:
    """An evidence pack checked on its own: every file against its manifest."""

    files: int
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True, slots=True)
class AuditNote:
    """What an audit entry will say, before storage seals it into the chain: who did what to what."""

    actor: str
    action: str  # e.g. "case.move", "notice.sent", "partner.add"
    subject: str  # e.g. "case:12", "partner:Revue"
    details: dict[str, Any] = field(default_factory=dict)


# --- The JSON API: keys, background checks, finding listings ----------------------------------


class ApiScope(StrEnum):
    """What an API key may do; `admin` may do everything."""

    CHECK = "check"  # submit pages to check, poll the jobs
    READ = "read"  # read findings and articles
    INGEST = "ingest"  # add, replace and delete our articles
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class ApiKey:
    """An API key as stored: never the key itself, only its SHA-256 and its first characters."""

    id: int
    name: str
    prefix: str  # the key's first characters, to tell keys apart in listings
    scopes: tuple[ApiScope, ...]
    created_at: datetime
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    def allows(self, scope: ApiScope) -> bool:
        """Whether this key, unrevoked, carries `scope` (or admin)."""
        return self.revoked_at is None and (scope in self.scopes or ApiScope.ADMIN in self.scopes)


class JobState(StrEnum):
    """Where a background check is."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CheckJob:
    """A URL check run in the background: its result (a `check_report` document) or its problem."""

    id: str
    url: str
    state: JobState
    created_at: datetime
    key_name: str | None = None
    webhook_url: str | None = None
    finished_at: datetime | None = None
    result: dict[str, Any] | None = None
    problem: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class FindingQuery:
    """Which findings to list: every filter given must hold; ids above `after`, `limit` of them."""

    verdicts: tuple[Verdict, ...] = ()
    min_severity: SeverityLevel | None = None
    domain: str | None = None
    article_id: int | None = None
    since: datetime | None = None  # first seen at or after
    until: datetime | None = None  # first seen before
    after: int = 0
    limit: int = 50


# --- The inbox: findings grouped by site, for the legal team ------------------------------------


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
