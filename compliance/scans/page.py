"""One page of a scan, start to end, in ONE function that takes plain values: `check_page`.

    PageJob ─► conditional GET (If-None-Match / If-Modified-Since) ─► 304: not_modified
            ─► SHA-256 of the body, the same as last time: unchanged
            ─► extract ─► older than the freshness window: stale
            ─► capture (WARC; the whole visible page, boilerplate set aside) ─► check
            ─► findings, sightings and the page's outcome, in one transaction (`checks.record`,
               exactly as `check --url` keeps them)

The in-process scan (run.py) and the Celery workers (compliance/workers) call it alike, through
`steps.visit`, with the lead the page comes from: the outcome closes the lead in the same
transaction (a lead another worker took over raises ClaimLost, and nothing is stored). A 429 or
503 on a try that is not the last comes back with `retry_after` and nothing stored: the caller
backs off and tries again. A database failure (StorageError) is raised, never recorded as the
page's failure: the page is tried again once the database answers.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from compliance.capture.captures import store_page
from compliance.capture.documents import page_from_fetch
from compliance.capture.fetch import FetchResult, Pace, fetch
from compliance.checks import record, url_page
from compliance.errors import ClaimLost, ComplianceError, FetchFailed, StorageError
from compliance.records import LeadDone, PageStatus, ScanPage, ScanStep
from compliance.scans.discovery import is_fresh, normal, parse_date
from compliance.scans.sites import on_site

if TYPE_CHECKING:
    from compliance.pipeline import Archive

BACK_OFF_STATUSES = frozenset({429, 503})
DEFAULT_BACK_OFF = 5.0  # seconds, when a 429 or 503 says no Retry-After
_CHECKING = threading.Lock()  # the passage index is shared: one check at a time per process


@dataclass(frozen=True)
class PageJob:
    """One page to scan, in plain values (what a worker's task would carry)."""

    scan_id: int
    site_id: int
    url: str
    domains: tuple[str, ...]
    fresh_days: int | None = None
    etag: str | None = None  # validators and hash from the page's last fetch
    last_modified: str | None = None
    content_hash: str | None = None
    last_try: bool = True
    lead_id: int | None = None  # the lead this page closes, held by `owner`...
    owner: str = ""
    follow: int | None = None  # ...and the depth its links become leads at (None: not followed)

    def step(self, outcome: ScanPage, links: tuple[str, ...] = ()) -> ScanStep:
        """The page's outcome, ready to store: with its lead closed and its links as new leads."""
        if self.lead_id is None:
            return ScanStep(self.scan_id, self.site_id, outcome)
        follow = links if self.follow is not None else ()
        done = LeadDone(self.lead_id, self.owner, follow, self.follow or 0)
        return ScanStep(self.scan_id, self.site_id, outcome, done)


@dataclass(frozen=True)
class PageResult:
    """What scanning one page did, and what the scan needs next."""

    outcome: ScanPage
    links: tuple[str, ...] = ()  # same-site links of a checked page, normalised (to crawl on)
    retry_after: float | None = None  # set when nothing was stored: try again after this long


def check_page(archive: Archive, job: PageJob, pace: Pace | None = None) -> PageResult:
    """Fetch, hash, extract, check and store one page of a scan; its outcome is always stored."""
    try:
        result = fetch(job.url, archive.settings, headers=_conditional(job), pace=pace, retry=False)
    except FetchFailed as exc:
        if exc.status in BACK_OFF_STATUSES and not job.last_try:
            wait = exc.retry_after if exc.retry_after is not None else DEFAULT_BACK_OFF
            return PageResult(ScanPage(job.url, PageStatus.FAILED, str(exc)), retry_after=wait)
        return _stored(archive, job, ScanPage(job.url, PageStatus.FAILED, str(exc)))
    except (StorageError, ClaimLost):
        raise
    except ComplianceError as exc:
        return _stored(archive, job, ScanPage(job.url, PageStatus.FAILED, str(exc)))
    if result.status == 304:
        return _stored(archive, job, _outcome(job, PageStatus.NOT_MODIFIED, result, job.content_hash))
    digest = hashlib.sha256(result.body).hexdigest()
    if digest == job.content_hash:
        return _stored(archive, job, _outcome(job, PageStatus.UNCHANGED, result, digest))
    try:
        return _checked(archive, job, result, digest)
    except (StorageError, ClaimLost):
        raise
    except ComplianceError as exc:
        return _stored(archive, job, ScanPage(job.url, PageStatus.FAILED, str(exc)))


def _checked(archive: Archive, job: PageJob, result: FetchResult, digest: str) -> PageResult:
    text, metadata = page_from_fetch(result)
    # A redirect off the site is checked, never crawled from.
    links = tuple(u for u in map(normal, metadata.get("links", ())) if u and on_site(u, job.domains))
    links = links if on_site(result.final_url, job.domains) else ()
    published = parse_date(metadata.get("published"))
    if not is_fresh(published, job.fresh_days, datetime.now(UTC)):
        return _stored(archive, job, _outcome(job, PageStatus.STALE, result, digest))
    settings, store = archive.settings, archive.store
    capture = store_page(result, text, metadata, settings, store)
    with _CHECKING:
        matches = archive.check_capture(capture)
    step = job.step(_outcome(job, PageStatus.FETCHED, result, digest), links)
    report = record(store, settings, url_page(capture), capture.text, matches, capture, step)
    found = tuple(r.finding_id for r in report.recorded)
    new = tuple(r.finding_id for r in report.recorded if r.new)
    return PageResult(ScanPage(job.url, PageStatus.FETCHED, findings=found, new_findings=new), links)


def _conditional(job: PageJob) -> dict[str, str]:
    headers = {}
    if job.etag:
        headers["If-None-Match"] = job.etag
    if job.last_modified:
        headers["If-Modified-Since"] = job.last_modified
    return headers


def _outcome(job: PageJob, status: PageStatus, result: FetchResult, digest: str | None) -> ScanPage:
    etag = result.headers.get("ETag") or (job.etag if status == PageStatus.NOT_MODIFIED else None)
    modified = result.headers.get("Last-Modified") or (
        job.last_modified if status == PageStatus.NOT_MODIFIED else None
    )
    return ScanPage(job.url, status, etag=etag, last_modified=modified, content_hash=digest)


def _stored(archive: Archive, job: PageJob, outcome: ScanPage) -> PageResult:
    archive.store.save_scan_page(job.step(outcome))
    return PageResult(outcome)
