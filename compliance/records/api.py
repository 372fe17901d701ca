"""The JSON API's values: keys, background checks, finding listings.

ApiKey         a key of the JSON API as stored (its hash only): name, scopes, times
CheckJob       a URL check run in the background for the API, with its result when done
FindingQuery   which findings a listing wants: filters and a cursor

ApiScope and JobState are the closed sets of words these values carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from compliance.records.articles import Verdict
from compliance.records.findings import SeverityLevel


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
