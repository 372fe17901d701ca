"""The schema as SQLAlchemy 2 typed declarative models, one module an area:

    base.py      `UTCDateTime` and the declarative `Base`
    archive.py   articles, fingerprints and their removals, captures (and the Core tables)
    findings.py  checked pages, findings and their sightings; partners
    workflow.py  users, cases, their findings, history and notices, the audit log, failed
                 sign-ins and the reviews of findings
    api.py       API keys and background check jobs
    scans.py     watched sites, their scans, leads and pages, each watched page's last fetch
    sweeps.py    sweeps of WARC and WET files, their files, parts and each record's outcome

In: nothing. Out: `Base` (its metadata is what the migrations in `migrations/` must produce, a
test compares them: this package imports every module, so the metadata holds every table) and
one row class per table. Rows stay inside `compliance.store`: each repository module translates
its own rows to and from `compliance.records` values.
"""

from __future__ import annotations

from compliance.store.tables.api import ApiKeyRow, CheckJobRow
from compliance.store.tables.archive import (
    ARTICLES,
    FINGERPRINT_REMOVALS,
    FINGERPRINTS,
    ArticleRow,
    CaptureRow,
    FingerprintRemovalRow,
    FingerprintRow,
)
from compliance.store.tables.base import Base, UTCDateTime
from compliance.store.tables.findings import FindingRow, PageRow, PartnerRow, SightingRow
from compliance.store.tables.scans import (
    HostPaceRow,
    ScanLeadRow,
    ScanPageRow,
    ScanRow,
    SiteRow,
    WatchedPageRow,
)
from compliance.store.tables.sweeps import SweepFileRow, SweepPartRow, SweepRecordRow, SweepRow
from compliance.store.tables.workflow import (
    AuditRow,
    CaseEventRow,
    CaseFindingRow,
    CaseRow,
    LoginRow,
    NoticeRow,
    ReviewRow,
    UserRow,
)

__all__ = [
    "ARTICLES",
    "FINGERPRINTS",
    "FINGERPRINT_REMOVALS",
    "ApiKeyRow",
    "ArticleRow",
    "AuditRow",
    "Base",
    "CaptureRow",
    "CaseEventRow",
    "CaseFindingRow",
    "CaseRow",
    "CheckJobRow",
    "FindingRow",
    "FingerprintRemovalRow",
    "FingerprintRow",
    "HostPaceRow",
    "LoginRow",
    "NoticeRow",
    "PageRow",
    "PartnerRow",
    "ReviewRow",
    "ScanLeadRow",
    "ScanPageRow",
    "ScanRow",
    "SightingRow",
    "SiteRow",
    "SweepFileRow",
    "SweepPartRow",
    "SweepRecordRow",
    "SweepRow",
    "UTCDateTime",
    "UserRow",
    "WatchedPageRow",
]
