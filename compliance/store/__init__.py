"""Storage: our articles, their fingerprints and the captures, in SQLite or PostgreSQL.

In: `records.ArticleInput` with a `records.EncodedFingerprint` (or a zero-argument callable
making one), and `records.Capture`. Out: `records.Article`, `records.StoredFingerprint` (encoded:
`detect.fingerprint.decode` gives the arrays back) and `records.Capture`; ORM rows never leave
this package. Opening a `Store` brings the schema to the newest Alembic revision (`engine`,
`migrations/`). Every write is one transaction: it commits whole or not at all. Datetimes must
be timezone-aware; they are stored and returned in UTC.

The package, one job a module:

    engine.py          URL → engine on an up-to-date schema (SQLite set-up, Alembic)
    tables/            the typed declarative models, one module an area (base, archive,
                       findings, workflow, api, scans)
    shared.py          what the repositories share: IN chunks, UTC checks, the clock
    articles.py        ┐ one repository module per aggregate: its queries, as functions taking an
    fingerprints.py    │ open Session, and the translation between its rows and `records` values
    outdated.py        │ (fingerprints made with an older normalization, replaced in batches)
    captures.py        │
    findings.py        │ (checked pages, findings and their sightings)
    partners.py        │
    inbox.py           │ (findings by site for the legal team, and their reviews)
    logins.py          │ (failed sign-ins and account locks)
    users.py           │ (users of the workflow, their roles and password hashes)
    cases.py           │ (cases, the findings they hold, their history)
    notices.py         │ (notices drafted from cases)
    audit.py           │ (the hash-chained, append-only audit log)
    apikeys.py         │ (keys of the JSON API, by hash)
    check_jobs.py      │ (URL checks run in the background)
    findings_query.py  │ (finding listings: filters and a cursor)
    sites.py           │ (watched sites and the lease of a running scan)
    scans.py           │ (scans, each page's outcome, each watched page's last fetch)
    sweeps.py          ┘ (sweeps of WARC files, their parts, each record's outcome)
    sessions.py        `Sessions`: the engine, and the sessions each call opens (one transaction a call)
    archive_calls.py   ┐ `Store`'s calls, one mixin of `Sessions` per area, each call opening a
    findings_calls.py  │ `_read` or `_write` and delegating to the repositories: the archive;
    inbox_calls.py     │ findings, listings and partners; the inbox and reviews; the JSON API's
    api_calls.py       │ keys and background checks; watched sites and their scans
    scans_calls.py     │
    sweeps_calls.py    ┘ (and sweeps of WARC files)
    workflow.py        `WorkflowStore`: the workflow's calls, each change with its audit entry
    __init__.py        `Store`: the mixins joined, with failed sign-ins and the workflow

A new aggregate follows the same pattern: its rows in a module of tables/ (and a migration), a
module of functions taking a Session, and `Store` methods, in its area's mixin, that open a
`_read` or `_write` and call them.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cached_property

from compliance.store import logins
from compliance.store.api_calls import ApiCalls
from compliance.store.archive_calls import ArchiveCalls
from compliance.store.findings_calls import FindingCalls
from compliance.store.inbox_calls import InboxCalls
from compliance.store.scans_calls import ScanCalls
from compliance.store.shared import now
from compliance.store.sweeps_calls import SweepCalls
from compliance.store.workflow import WorkflowStore


class Store(ArchiveCalls, FindingCalls, InboxCalls, ApiCalls, ScanCalls, SweepCalls):
    """Articles, fingerprints and captures in one database; every write is one transaction."""

    @cached_property
    def workflow(self) -> WorkflowStore:
        """Users, cases, notices, audited partners and the audit log, on this store's sessions."""
        return WorkflowStore(self._read, self._write)

    # --- Failed sign-ins (here: tests set this module's clock, `now`) ---

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
