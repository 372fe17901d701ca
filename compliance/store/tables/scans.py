"""Tables of the scans: watched sites, their scans, the leads each scan must visit, each page's
outcome, each watched page's last fetch."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.store.tables.base import Base, UTCDateTime


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
    # Discovery stored the seeds' leads (in one transaction with this flag): when no lead remains
    # open after that, the scan is complete.
    leads_ready: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Pages fetched so far (not stale nor blocked), counted with each outcome: the page limit's
    # check costs one row, however large the scan.
    fetched: Mapped[int] = mapped_column(default=0, server_default=text("0"))


class ScanLeadRow(Base):
    """A page URL a scan must visit: claimed by one worker at a time, done with its page's outcome."""

    __tablename__ = "scan_leads"
    __table_args__ = (
        UniqueConstraint("scan_id", "url", name="uq_scan_leads_scan_url"),
        Index("ix_scan_leads_open", "scan_id", "state", "depth", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("scans.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(Text)
    depth: Mapped[int]
    published: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))  # records.LeadState
    claimed_by: Mapped[str | None] = mapped_column(String(255))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a dead worker's claim lapses
    attempts: Mapped[int]  # claims taken, retries included


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


class HostPaceRow(Base):
    """When the next request to a host (and port) may start, shared by every worker process."""

    __tablename__ = "host_paces"

    host: Mapped[str] = mapped_column(String(255), primary_key=True)
    next_at: Mapped[float]  # seconds since the epoch, by the workers' (synchronised) clocks
