"""Storage: our articles, their fingerprints and the captures, in SQLite or PostgreSQL.

In: `records.ArticleInput` with a `records.EncodedFingerprint` (or a zero-argument callable
making one), and `records.Capture`. Out: `records.Article`, `records.StoredFingerprint` (encoded:
`detect.fingerprint.decode` gives the arrays back) and `records.Capture`; ORM rows never leave
this package. Opening a `Store` brings the schema to the newest Alembic revision (`engine`,
`migrations/`). Every write is one transaction: it commits whole or not at all. Datetimes must
be timezone-aware; they are stored and returned in UTC.

The package, one job a module:

    engine.py        URL → engine on an up-to-date schema (SQLite set-up, Alembic)
    tables.py        the typed declarative models
    shared.py        what the repositories share: IN chunks, UTC checks, the clock
    articles.py      ┐ one repository module per aggregate: its queries, as functions taking an
    fingerprints.py  │ open Session, and the translation between its rows and `records` values
    captures.py      │
    findings.py      │ (checked pages, findings and their sightings)
    partners.py      │
    inbox.py         │ (findings by site for the legal team, and their reviews)
    logins.py        │ (failed sign-ins and account locks)
    users.py         │ (users of the workflow, their roles and password hashes)
    cases.py         │ (cases, the findings they hold, their history)
    notices.py       │ (notices drafted from cases)
    audit.py         │ (the hash-chained, append-only audit log)
    apikeys.py       │ (keys of the JSON API, by hash)
    check_jobs.py    │ (URL checks run in the background)
    findings_query.py│ (finding listings: filters and a cursor)
    sites.py         │ (watched sites and the lease of a running scan)
    scans.py         ┘ (scans, each page's outcome, each watched page's last fetch)
    workflow.py      `WorkflowStore`: the workflow's calls, each change with its audit entry
    __init__.py      `Store`: opens the sessions (one transaction a call) and delegates

A new aggregate follows the same pattern: its rows in tables.py (and a migration), a module of
functions taking a Session, and `Store` methods that open a `_read` or `_write` and call them.
"""

from __future__ import annotations

import logging
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import replace
from datetime import date, datetime, timedelta
from functools import cached_property
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

from compliance.errors import StorageError
from compliance.records import (
    ApiKey,
    ApiScope,
    Article,
    ArticleInput,
    Capture,
    CheckJob,
    Dismissal,
    Finding,
    FindingLine,
    FindingQuery,
    InboxFilter,
    InboxPage,
    InboxSort,
    JobState,
    Judged,
    PageRef,
    Partner,
    Recorded,
    Scan,
    ScanPage,
    ScanState,
    ScanStep,
    Site,
    UpsertStatus,
)
from compliance.settings import Settings
from compliance.store import (
    apikeys,
    articles,
    captures,
    check_jobs,
    findings,
    findings_query,
    fingerprints,
    inbox,
    logins,
    partners,
    scans,
    sites,
)
from compliance.store.articles import FingerprintSource
from compliance.store.engine import open_engine
from compliance.store.shared import now, one_line
from compliance.store.workflow import WorkflowStore

log = logging.getLogger(__name__)


class _HasId(Protocol):
    @property
    def id(self) -> int: ...


T = TypeVar("T", bound=_HasId)  # a value with an id: an Article, a StoredFingerprint


class Store:
    """Articles, fingerprints and captures in one database; every write is one transaction."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine = open_engine(settings.database_url)
        shared = isinstance(self._engine.pool, StaticPool)
        self._lock: AbstractContextManager[Any] = threading.RLock() if shared else nullcontext()

    def close(self) -> None:
        """Close every pooled connection."""
        self._engine.dispose()

    @cached_property
    def workflow(self) -> WorkflowStore:
        """Users, cases, notices, audited partners and the audit log, on this store's sessions."""
        return WorkflowStore(self._read, self._write)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A session for reading (one consistent snapshot), closed at the end."""
        try:
            with self._lock, Session(self._engine, expire_on_commit=False) as session:
                yield session
        except SQLAlchemyError as exc:
            raise StorageError(f"database read failed: {one_line(exc)}") from exc

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on any error."""
        try:
            with self._lock, self._engine.connect() as connection:
                connection.execution_options(compliance_write=True)
                with Session(connection, expire_on_commit=False) as session, session.begin():
                    yield session
        except (SQLAlchemyError, UnicodeError) as exc:
            raise StorageError(f"database write failed: {one_line(exc)}") from exc

    def _pages(
        self, read_page: Callable[[Session, int, int], list[T]], last_id: int, batch: int
    ) -> Iterator[T]:
        """Every value with an id above `last_id`, by id, read `batch` at a time.

        Each page is read in its own session: no transaction stays open while the caller works.
        """
        while True:
            with self._read() as session:
                page = read_page(session, last_id, batch)
            yield from page
            if len(page) < batch:
                return
            last_id = page[-1].id

    # --- Articles and their fingerprints ---

    def upsert_articles(
        self, items: Sequence[tuple[ArticleInput, FingerprintSource]]
    ) -> list[tuple[Article, UpsertStatus]]:
        """Insert or update articles by url, in one transaction: status ingested/updated/unchanged.

        One result per distinct url, in the order of the item that won (a later item with the
        same url replaces an earlier one). An unchanged article (same content hash, fingerprint
        with the same params) is not touched and its fingerprint callable is not called. The
        callables are called before the write transaction opens: fingerprinting a large batch
        never holds the write lock that every other writer waits for.
        """
        latest = articles.latest_by_url(items)
        if not latest:
            return []
        params = self.settings.fingerprint_params()
        with self._read() as session:
            stale = articles.to_write(session, latest, params)
        latest = articles.fingerprinted(latest, stale)
        with self._write() as session:  # checks again: another writer may have changed an article
            results = articles.upsert(session, latest, params)
        log.debug("upserted %d articles", len(results))
        return results

    def get_article(self, article_id: int) -> Article | None:
        """The article with this id, or None."""
        with self._read() as session:
            return articles.get(session, article_id)

    def get_articles(self, ids: Iterable[int]) -> dict[int, Article]:
        """The articles with these ids (missing ones left out), by id."""
        with self._read() as session:
            return articles.with_ids(session, ids)

    def article_by_url(self, url: str) -> Article | None:
        """The article stored under `url`, or None."""
        with self._read() as session:
            return articles.by_url(session, url)

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self._read() as session:
            return articles.count(session)

    def iter_articles(self, batch: int = 500) -> Iterator[Article]:
        """Every article by id, read `batch` at a time (no transaction held between batches)."""
        return self._pages(articles.page_after, 0, batch)

    def articles_without_notice(self) -> list[Article]:
        """The articles stored without a rights notice: their copies cannot be proven reserved."""
        with self._read() as session:
            return articles.without_notice(session)

    def delete_article(self, url: str) -> bool:
        """Delete the article stored under `url` and its fingerprint; False if there was none."""
        with self._write() as session:
            return articles.delete_by_url(session, url)

    # --- Fingerprints, for the index (`detect.index.Decoded` decodes them) ---

    def fingerprint_state(self) -> tuple[int, int]:
        """(highest fingerprint id or 0, number of fingerprints): tells an index it is stale."""
        with self._read() as session:
            return fingerprints.state(session)

    def live_fingerprint_ids(self) -> array[int]:
        """The ids of every stored fingerprint, ascending, as 64-bit integers."""
        with self._read() as session:
            return fingerprints.live_ids(session)

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> Iterator[fingerprints.Stored]:
        """The fingerprints with an id above `last_id`, by id, read `batch` at a time."""
        return self._pages(fingerprints.page_after, last_id, batch)

    def fingerprints_for(self, ids: Iterable[int]) -> list[fingerprints.Stored]:
        """The fingerprints with these ids, by id; ids no longer stored are left out."""
        with self._read() as session:
            return fingerprints.with_ids(session, ids)

    # --- Captures: written once, never updated ---

    def add_capture(self, capture: Capture) -> Capture:
        """Store a new capture; returns it with its id."""
        row = captures.new_row(capture)  # refused before any transaction: an id, a naive time
        with self._write() as session:
            capture_id = captures.insert(session, row)
        return replace(capture, id=capture_id)

    def get_capture(self, capture_id: int) -> Capture | None:
        """The capture with this id, or None."""
        with self._read() as session:
            return captures.get(session, capture_id)

    def list_captures(self, ids: Sequence[int] | None = None) -> list[Capture]:
        """The captures with these ids (all of them if None), by id."""
        with self._read() as session:
            return captures.with_ids(session, ids)

    # --- Pages, findings and their sightings ---

    def record_check(
        self,
        page: PageRef,
        text: str,
        judged: list[Judged],
        capture_id: int | None = None,
        step: ScanStep | None = None,
    ) -> tuple[PageRef, list[Recorded], list[int]]:
        """Store one check of `page` in one transaction: (the page with its id, recorded, gone ids).

        A scan's `step` (the page's outcome) is stored in the same transaction, with the findings
        recorded: a scan killed at any moment has either both or neither.
        """
        at = now()
        with self._write() as session:
            stored = findings.save_page(session, page, text, at)
            recorded, gone = findings.record(session, stored, judged, capture_id, at)
            if step is not None:
                found = tuple(r.finding_id for r in recorded)
                new = tuple(r.finding_id for r in recorded if r.new)
                outcome = replace(step.page, findings=found, new_findings=new)
                scans.save_page(session, replace(step, page=outcome), at)
        return stored, recorded, gone

    def site_article_ids(self, domain: str | None, since: datetime) -> set[int]:
        """The articles of ours the site copied since `since` (own-site, licensed, wire copy aside)."""
        with self._read() as session:
            return findings.site_article_ids(session, domain, since)

    def get_finding(self, finding_id: int) -> Finding | None:
        """The finding with this id, with its page and sightings, or None."""
        with self._read() as session:
            return findings.get(session, finding_id)

    def page_text(self, page_id: int) -> str | None:
        """The page's text as last checked, or None."""
        with self._read() as session:
            return findings.page_text(session, page_id)

    # --- Partners ---

    def partners(self) -> list[Partner]:
        """Every partner, by name."""
        with self._read() as session:
            return partners.all_partners(session)

    def partner(self, name: str) -> Partner | None:
        """The partner called `name`, or None."""
        with self._read() as session:
            return partners.by_name(session, name)

    def add_partner(self, partner: Partner) -> Partner:
        """Store a new partner (InputError on a taken name or an overlapping domain)."""
        with self._write() as session:
            return partners.add(session, partner)

    def update_partner(self, name: str, partner: Partner) -> Partner:
        """Replace the partner called `name`."""
        with self._write() as session:
            return partners.update(session, name, partner)

    def remove_partner(self, name: str) -> None:
        """Delete the partner called `name`."""
        with self._write() as session:
            partners.remove(session, name)

    # --- The JSON API: keys, background checks, finding listings ---

    def find_findings(self, query: FindingQuery) -> list[Finding]:
        """The findings passing `query`, by id, without their sightings."""
        with self._read() as session:
            return findings_query.listing(session, query)

    def add_api_key(self, name: str, prefix: str, key_hash: str, scopes: tuple[ApiScope, ...]) -> ApiKey:
        """Store a new API key by its hash."""
        with self._write() as session:
            return apikeys.add(session, name, prefix, key_hash, scopes)

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        """The API key with this hash, revoked or not, or None."""
        with self._read() as session:
            return apikeys.by_hash(session, key_hash)

    def api_keys(self) -> list[ApiKey]:
        """Every API key, by id."""
        with self._read() as session:
            return apikeys.all_keys(session)

    def revoke_api_key(self, key_id: int) -> ApiKey:
        """Revoke an API key (NotFoundError for an unknown id)."""
        with self._write() as session:
            return apikeys.revoke(session, key_id, now())

    def touch_api_key(self, key_id: int, at: datetime) -> None:
        """Record when an API key was last used."""
        with self._write() as session:
            apikeys.touch(session, key_id, at)

    def add_check_job(self, job: CheckJob) -> CheckJob:
        """Store a new background check."""
        with self._write() as session:
            return check_jobs.add(session, job)

    def check_job(self, job_id: str) -> CheckJob | None:
        """The background check with this id, or None."""
        with self._read() as session:
            return check_jobs.get(session, job_id)

    def update_check_job(self, job_id: str, state: JobState, **outcome: Any) -> CheckJob:
        """Move a background check to `state` (`at`, `result` or `problem` with it)."""
        with self._write() as session:
            return check_jobs.update(session, job_id, state, **outcome)

    # --- The inbox: findings by site, and the legal team's reviews ---

    def inbox(self, wanted: InboxFilter, sort: InboxSort, page: int = 1, per_page: int = 50) -> InboxPage:
        """One page of the inbox: sites with their counts, worst first (or as `sort` says)."""
        with self._read() as session:
            return inbox.sites(session, wanted, sort, page, per_page)

    def finding_lines(
        self, wanted: InboxFilter, limit: int = 500, offset: int = 0, domain: Any = ...
    ) -> list[FindingLine]:
        """Findings under `wanted`, worst first; of one site when `domain` is given (None: submitted)."""
        with self._read() as session:
            return inbox.lines(session, wanted, limit, offset, domain)

    def finding_lines_of(self, ids: Iterable[int]) -> list[FindingLine]:
        """The findings with these ids, as lists show them."""
        with self._read() as session:
            return inbox.lines_of(session, ids)

    def site_finding_ids(self, domain: str | None, wanted: InboxFilter) -> list[int]:
        """The ids of a site's findings under `wanted`."""
        with self._read() as session:
            return inbox.ids_of_site(session, domain, wanted)

    def dismiss(self, dismissal: Dismissal) -> list[int]:
        """Set findings aside for a reason; the ids that exist."""
        with self._write() as session:
            return inbox.dismiss(session, dismissal, now())

    def reopen(self, ids: Iterable[int]) -> int:
        """Put set-aside findings back in the inbox; how many there were."""
        with self._write() as session:
            return inbox.reopen(session, ids)

    def daily_verdicts(self, since: datetime) -> list[tuple[date, str, int]]:
        """Findings first seen each day since `since`, per verdict."""
        with self._read() as session:
            return inbox.daily_verdicts(session, since)

    def findings_per_article(self, ids: Iterable[int]) -> dict[int, int]:
        """How many findings each of these articles has."""
        with self._read() as session:
            return inbox.findings_per_article(session, ids)

    def sections(self) -> list[str]:
        """The sections of our articles."""
        with self._read() as session:
            return inbox.sections(session)

    def search_articles(self, words: str, limit: int = 50, offset: int = 0) -> list[Article]:
        """Articles whose title or URL contains `words`, newest first."""
        with self._read() as session:
            return articles.search(session, words, limit, offset)

    def removal_delays(self) -> list[float]:
        """Days from first sight to removal, one per finding seen gone."""
        with self._read() as session:
            return inbox.removal_delays(session)

    # --- Failed sign-ins ---

    def login_locked_until(self, name: str) -> datetime | None:
        """Until when the account `name` is locked, or None."""
        with self._read() as session:
            return logins.locked_until(session, name, now())

    def login_failed(self, name: str, limit: int, lock: timedelta) -> datetime | None:
        """Count a failed sign-in of `name`; the lock's end if it is now locked."""
        with self._write() as session:
            return logins.failed(session, name, now(), limit, lock)

    def login_succeeded(self, name: str) -> None:
        """Forget the failed sign-ins of `name`."""
        with self._write() as session:
            logins.succeeded(session, name)

    # --- Watched sites and their scans ---

    def sites(self) -> list[Site]:
        """Every watched site, by name."""
        with self._read() as session:
            return sites.all_sites(session)

    def site(self, name: str) -> Site | None:
        """The site called `name`, or None."""
        with self._read() as session:
            return sites.by_name(session, name)

    def add_site(self, site: Site) -> Site:
        """Store a new site (InputError on a taken name)."""
        with self._write() as session:
            return sites.add(session, site)

    def update_site(self, name: str, site: Site) -> Site:
        """Replace the site called `name`."""
        with self._write() as session:
            return sites.update_site(session, name, site)

    def remove_site(self, name: str) -> None:
        """Delete the site called `name` and its scans."""
        with self._write() as session:
            sites.remove(session, name)

    def acquire_lease(self, site_id: int, owner: str, until: datetime) -> bool:
        """Take (or renew) the site's lease until `until`; False if another scan holds it."""
        with self._write() as session:
            return sites.acquire_lease(session, site_id, owner, until, now())

    def release_lease(self, site_id: int, owner: str) -> None:
        """Give the site's lease back."""
        with self._write() as session:
            sites.release_lease(session, site_id, owner)

    def open_scan(self, site_id: int) -> tuple[Scan, bool]:
        """The site's unfinished scan (to resume) or a new one; (scan, resumed)."""
        with self._write() as session:
            return scans.open_scan(session, site_id, now())

    def finish_scan(self, scan_id: int, state: ScanState, reason: str | None, discovered: int) -> None:
        """Close a scan with its final state."""
        with self._write() as session:
            scans.finish_scan(session, scan_id, state, reason, discovered, now())

    def save_scan_page(self, step: ScanStep) -> None:
        """Store the outcome of a page that was not checked (not modified, unchanged, blocked, failed)."""
        with self._write() as session:
            scans.save_page(session, step, now())

    def scan_pages(self, scan_id: int) -> list[ScanPage]:
        """Every page outcome of a scan, in order."""
        with self._read() as session:
            return scans.pages(session, scan_id)

    def watched_pages(self, site_id: int) -> dict[str, ScanPage]:
        """What the last fetch of each of the site's pages said, by URL."""
        with self._read() as session:
            return scans.watched(session, site_id)

    def last_scan_started(self, site_id: int) -> datetime | None:
        """When the site's latest scan started, or None."""
        with self._read() as session:
            return scans.last_started(session, site_id)

    def get_scan(self, scan_id: int) -> Scan | None:
        """The scan with this id, or None."""
        with self._read() as session:
            return scans.get(session, scan_id)
