"""Tables of what the checks found: checked pages, findings and their sightings; partners."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from compliance.store.tables.base import Base, UTCDateTime


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
    __table_args__ = (
        UniqueConstraint("article_id", "page_id", name="uq_findings_article_page"),
        # Covers the inbox's grouping by site (store/inbox.py `sites`), so it never reads the table;
        # it also serves a site's findings, by its leading `domain`.
        Index(
            "ix_findings_inbox",
            "domain",
            "article_id",
            "verdict",
            "severity_level",
            "severity_score",
            "present",
            "first_seen",
            "last_seen",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), index=True)
    domain: Mapped[str | None] = mapped_column(String(255))  # the page's, for grouping (ix_findings_inbox)
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
