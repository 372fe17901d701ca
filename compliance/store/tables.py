"""The schema as SQLAlchemy 2 typed declarative models: articles, fingerprints, captures; pages,
findings and their sightings; partners; users, cases, their findings, history and notices, and the
audit log.
findings and their sightings; partners; API keys and background check jobs.
findings and their sightings; partners; watched sites, their scans and pages.

In: nothing. Out: `Base` (its metadata is what the migrations in `migrations/` must produce, a
test compares them) and one row class per table. Rows stay inside `compliance.store`: each
repository module translates its own rows to and from `compliance.records` values.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC (SQLite keeps no offset, so UTC is implied there)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone-aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base: constraint names follow one convention, the migrations use the same."""

    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


class ArticleRow(Base):
    """One of our articles; `body` is kept byte for byte."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    rights_notice: Mapped[str | None] = mapped_column(Text)
    paywalled: Mapped[bool | None]
    source: Mapped[str | None] = mapped_column(Text)  # e.g. a news agency: the text is not ours
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FingerprintRow(Base):
    """The fingerprint of one article; never updated, replaced by a new row (ids never reused)."""

    __tablename__ = "fingerprints"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), unique=True)
    num_perm: Mapped[int]
    seed: Mapped[int] = mapped_column(BigInteger)
    shingle_size: Mapped[int]
    window: Mapped[int]
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # little-endian uint32, num_perm values
    # The window minima (1-D, sorted by detect.fingerprint): little-endian uint64, n_windows values.
    windows: Mapped[bytes] = mapped_column(LargeBinary)
    n_windows: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaptureRow(Base):
    """The evidence of one fetch or submitted file; append-only."""

    __tablename__ = "captures"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    warc_path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    redirects: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[int | None]
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    server_ip: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tool_version: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)


class PageRow(Base):
    """A checked page: a URL, or a submitted file or text known by its SHA-256 (`key` says which)."""

    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)  # the URL, or "sha256:<hex>"
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(Text)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    name: Mapped[str | None] = mapped_column(Text)
    sha256: Mapped[str | None] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)  # as last checked: the findings' page offsets point into it
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    last_checked: Mapped[datetime] = mapped_column(UTCDateTime)


class FindingRow(Base):
    """One article of ours found in one page: the latest judgement, with its rules snapshot."""

    __tablename__ = "findings"
    __table_args__ = (UniqueConstraint("article_id", "page_id", name="uq_findings_article_page"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)  # the page's, for grouping
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime)
    present: Mapped[bool]
    verdict: Mapped[str] = mapped_column(String(32), index=True)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    coverage: Mapped[float]
    similarity: Mapped[float]
    page_share: Mapped[float]
    reproduced_words: Mapped[int]
    longest_passage_words: Mapped[int]
    passages: Mapped[list[list[int]]] = mapped_column(JSON)  # [article_start, end, page_start, end, words]
    attribution: Mapped[dict[str, Any]] = mapped_column(JSON)
    notice: Mapped[str] = mapped_column(String(16))
    severity_level: Mapped[str] = mapped_column(String(16), index=True)
    severity_score: Mapped[int]
    severity_parts: Mapped[dict[str, int]] = mapped_column(JSON)
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)  # thresholds, policy, partner in force


class SightingRow(Base):
    """One time a finding's page was checked: still there, changed, gone or back; append-only."""

    __tablename__ = "sightings"

    id: Mapped[int] = mapped_column(primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16))
    capture_id: Mapped[int | None] = mapped_column(ForeignKey("captures.id", ondelete="SET NULL"))
    verdict: Mapped[str | None] = mapped_column(String(32))
    coverage: Mapped[float | None]
    reproduced_words: Mapped[int | None]
    passages: Mapped[list[list[int]]] = mapped_column(JSON)


class PartnerRow(Base):
    """A licensee and the scope of its licence (domains never shared between two partners)."""

    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    domains: Mapped[list[str]] = mapped_column(JSON)
    sections: Mapped[list[str]] = mapped_column(JSON)
    published_from: Mapped[date | None]
    published_until: Mapped[date | None]
    min_delay_hours: Mapped[float]
    max_words: Mapped[int | None]
    max_share: Mapped[float | None]
    require_name: Mapped[bool]
    require_link: Mapped[bool]
    valid_from: Mapped[date | None]
    valid_until: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReviewRow(Base):
    """The legal team's review of one finding: set aside, by whom, why (absent: still open)."""

    __tablename__ = "finding_reviews"

    finding_id: Mapped[int] = mapped_column(ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class LoginRow(Base):
    """Failed sign-ins of one account name, and until when it is locked (absent: none failed)."""

    __tablename__ = "login_failures"

    name: Mapped[str] = mapped_column(Text, primary_key=True)
    failures: Mapped[int]
    last_failure: Mapped[datetime] = mapped_column(UTCDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UserRow(Base):
    """A user of the workflow: a role and an argon2 password hash; disabled, never deleted."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SiteRow(Base):
    """A watched site (compliance.scans.sites) and the lease of the scan running on it, if any."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    seeds: Mapped[list[str]] = mapped_column(JSON)
    domains: Mapped[list[str]] = mapped_column(JSON)
    depth: Mapped[int]
    page_limit: Mapped[int]
    delay: Mapped[float]
    schedule: Mapped[str] = mapped_column(String(32))
    fresh_days: Mapped[int | None]
    lease_owner: Mapped[str | None] = mapped_column(String(64))  # the scan holding the site...
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # ...until then (a crash frees it)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseRow(Base):
    """A case: its state and what the workflow keeps on it (history in case_events)."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(32), index=True)
    domain: Mapped[str | None] = mapped_column(String(255), index=True)
    title: Mapped[str] = mapped_column(Text)
    assignee: Mapped[str | None] = mapped_column(Text)
    deadline: Mapped[date | None]
    reason: Mapped[str | None] = mapped_column(String(32))
    recheck_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rechecks_done: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(Text)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseFindingRow(Base):
    """A finding held by a case."""

    __tablename__ = "case_findings"

    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    finding_id: Mapped[int] = mapped_column(
        ForeignKey("findings.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CaseEventRow(Base):
    """One entry of a case's history: state change, note, assignment, notice, export, re-check."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    details: Mapped[dict[str, Any]] = mapped_column(JSON)


class NoticeRow(Base):
    """A notice drafted from a case: its text, its elements, who approved it, how it was sent."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    recipient: Mapped[str | None] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    elements: Mapped[dict[str, Any]] = mapped_column(JSON)
    missing: Mapped[list[str]] = mapped_column(JSON)
    drafted_by: Mapped[str] = mapped_column(Text)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    approved_by: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[str | None] = mapped_column(Text)
    sent_to: Mapped[str | None] = mapped_column(Text)
    proof: Mapped[str | None] = mapped_column(Text)


class AuditRow(Base):
    """One audit entry, hash-chained; triggers refuse UPDATE and DELETE (migration 0003)."""

    __tablename__ = "audit_entries"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(Text, index=True)
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ApiKeyRow(Base):
    """A key of the JSON API: only its SHA-256 is kept; revoked keys stay, for the record."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CheckJobRow(Base):
    """A URL check run in the background: any web process can answer a poll from this row."""

    __tablename__ = "check_jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))
    key_name: Mapped[str | None] = mapped_column(Text)
    webhook_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    problem: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ScanRow(Base):
    """One scan of one site; a scan left `running` (killed) is resumed by the next one."""

    __tablename__ = "scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    discovered: Mapped[int]


class ScanPageRow(Base):
    """One page's outcome in one scan (never twice: a resumed scan skips the pages it has)."""

    __tablename__ = "scan_pages"
    __table_args__ = (UniqueConstraint("scan_id", "url", name="uq_scan_pages_scan_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str | None] = mapped_column(Text)
    findings: Mapped[list[int]] = mapped_column(JSON)
    new_findings: Mapped[list[int]] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WatchedPageRow(Base):
    """What the last fetch of a site's page said, for a conditional request and a content hash."""

    __tablename__ = "watched_pages"
    __table_args__ = (UniqueConstraint("site_id", "url", name="uq_watched_pages_site_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Core tables, for bulk inserts that the ORM would split by key set.
ARTICLES = Base.metadata.tables["articles"]
FINGERPRINTS = Base.metadata.tables["fingerprints"]
