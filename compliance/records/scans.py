"""Watched sites and their scans (compliance.scans).

Site           a watched site: its seeds, how politely and how often it is scanned
ScanPage       one page's outcome in one scan; ScanStep, with the scan and site it belongs to
ScanLead       a page URL a scan must visit, as stored: what a worker claims (LeadDone: completed)
Scan           one scan of one site, as stored
SiteScan       what one scan of one site did; ScanReport, one `compliance scan` run
ScanRecord     a stored scan with its counts and failures (and its pages); SiteScans, a site's last scans

PageStatus, ScanState and LeadState are the closed sets of words these values carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from compliance.records.findings import Recorded


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


class LeadState(StrEnum):
    """Where one lead of a scan stands; the database decides, with conditional updates."""

    PENDING = "pending"  # waiting for a worker (or the in-process scan)
    CLAIMED = "claimed"  # held by one worker until its claim expires (a dead worker's claim does)
    DONE = "done"  # its page's outcome is stored, in the same transaction as this state
    DROPPED = "dropped"  # past the site's page limit: not visited


@dataclass(frozen=True, slots=True)
class ScanLead:
    """A page URL one scan must visit (found by discovery or on a visited page), as stored."""

    id: int
    scan_id: int
    url: str
    depth: int  # 1 for the seeds' leads, one more for each link followed
    published: datetime | None = None  # the date the seed gave, if any
    state: LeadState = LeadState.PENDING


@dataclass(frozen=True, slots=True)
class LeadDone:
    """A claimed lead completed by `owner` with its page's outcome; `links` become leads at `depth`."""

    lead_id: int
    owner: str
    links: tuple[str, ...] = ()
    depth: int = 0


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
    done: LeadDone | None = None  # the lead this outcome completes (scans on leads: always)


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
    leads_ready: bool = False  # discovery stored the seeds' leads: the scan ends when none remains


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


@dataclass(frozen=True, slots=True)
class ScanRecord:
    """A stored scan with its pages counted per status and its failed pages; every page when asked for."""

    scan: Scan
    counts: dict[str, int]  # PageStatus value -> pages
    failures: tuple[tuple[str, str], ...]  # (url, reason) of the failed pages
    pages: tuple[ScanPage, ...] = ()


@dataclass(frozen=True, slots=True)
class SiteScans:
    """A watched site with its latest scans, newest first."""

    site: Site
    scans: tuple[ScanRecord, ...]
