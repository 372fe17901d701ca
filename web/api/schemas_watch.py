"""Request and response bodies of the sites, scans and cases endpoints (marshmallow schemas), kept
apart from `schemas.py` (checks, findings, articles) so that each stays short; the same rules
apply: `compliance.shapes` builds the documents, these schemas describe them field for field.
"""

from __future__ import annotations

from apiflask import Schema
from apiflask.fields import Boolean, Dict, Float, Integer, List, Nested, String
from apiflask.validators import Length, Range, Regexp

from compliance.records import CaseState, DismissReason, EventKind, PageStatus, ScanState
from web.api.schemas import URL_MAX_CHARS, RecordedMatch, one_of

# --- sites and scans ----------------------------------------------------------------------------

SITE_NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"  # compliance.scans.sites.NAME, checked again there


class SiteIn(Schema):
    """A site to watch, with the fields and checks of `compliance sites add`."""

    name = String(required=True, validate=Regexp(SITE_NAME), metadata={"description": "unique"})
    seeds = List(
        String(validate=Length(min=1, max=URL_MAX_CHARS)),
        required=True,
        validate=Length(min=1, max=100),
        metadata={"description": "home or section pages, RSS/Atom feeds, sitemaps (http(s) URLs)"},
    )
    domains = List(
        String(validate=Length(min=1, max=255)),
        validate=Length(max=100),
        metadata={"description": "default: the seeds' hosts"},
    )
    depth = Integer(validate=Range(min=0, max=5), metadata={"description": "links followed (default 1)"})
    page_limit = Integer(validate=Range(min=1, max=1_000_000), metadata={"description": "default 500"})
    delay = Float(validate=Range(min=0, max=3600), metadata={"description": "seconds per host (default 1)"})
    schedule = String(
        validate=Length(min=1, max=64), metadata={"description": "daily@HH:MM (UTC) or every:Nh"}
    )
    fresh_days = Integer(
        allow_none=True, validate=Range(min=1, max=36_500), metadata={"description": "only recent pages"}
    )


class Site(Schema):
    """A watched site and its settings."""

    id = Integer(required=True)
    name = String(required=True)
    seeds = List(String(), required=True)
    domains = List(String(), required=True)
    depth = Integer(required=True)
    page_limit = Integer(required=True)
    delay = Float(required=True)
    schedule = String(required=True)
    fresh_days = Integer(required=True, allow_none=True)


class Sites(Schema):
    items = List(Nested(Site), required=True)


class ScanIn(Schema):
    """The sites to scan now: every watched site if none are named."""

    sites = List(String(validate=Length(min=1, max=64)), validate=Length(max=100))


class ScanFailure(Schema):
    url = String(required=True)
    reason = String(required=True)


class SiteScanOut(Schema):
    site = String(required=True)
    scan = Integer(required=True, allow_none=True)
    state = String(required=True, validate=one_of(ScanState))
    reason = String(required=True, allow_none=True)
    resumed = Boolean(required=True)
    counts = Dict(keys=String(), values=Integer(), required=True)
    failures = List(Nested(ScanFailure), required=True)
    new_findings = List(Integer(), required=True)
    seconds = Float(required=True)


class SiteFailure(ScanFailure):
    site = String(required=True)


class ScanMatch(RecordedMatch):
    url = String(required=True)


class ScanReport(Schema):
    """A scan run: each site's part, the counts added up, the matches found for the first time."""

    sites = List(Nested(SiteScanOut), required=True)
    counts = Dict(keys=String(), values=Integer(), required=True)
    failures = List(Nested(SiteFailure), required=True)
    seconds = Float(required=True)
    matches = List(Nested(ScanMatch), required=True)
    alerts = List(String(), required=True)


class ScanPageOut(Schema):
    url = String(required=True)
    status = String(required=True, validate=one_of(PageStatus))
    reason = String(required=True, allow_none=True)
    findings = List(Integer(), required=True)
    new_findings = List(Integer(), required=True)


class ScanRecord(Schema):
    """One stored scan of one site, with every page it looked at."""

    id = Integer(required=True)
    site = String(required=True)
    state = String(required=True, validate=one_of(ScanState))
    started_at = String(required=True)
    finished_at = String(required=True, allow_none=True)
    reason = String(required=True, allow_none=True)
    discovered = Integer(required=True)
    counts = Dict(keys=String(), values=Integer(), required=True)
    failures = List(Nested(ScanFailure), required=True)
    pages = List(Nested(ScanPageOut), required=True)


# --- cases ---------------------------------------------------------------------------------------


class CaseEventOut(Schema):
    at = String(required=True)
    actor = String(required=True)
    kind = String(required=True, validate=one_of(EventKind))
    from_ = String(required=True, allow_none=True, data_key="from")
    to = String(required=True, allow_none=True)
    text = String(required=True)
    details = Dict(required=True, allow_none=True)


class CaseSummary(Schema):
    """A case: its state, findings, assignment and deadline."""

    id = Integer(required=True)
    state = String(required=True, validate=one_of(CaseState))
    domain = String(required=True, allow_none=True)
    title = String(required=True)
    findings = List(Integer(), required=True)
    assignee = String(required=True, allow_none=True)
    deadline = String(required=True, allow_none=True)
    reason = String(required=True, allow_none=True, validate=one_of(DismissReason))
    created_at = String(required=True)
    created_by = String(required=True)
    modified_at = String(required=True)
    recheck_from = String(required=True, allow_none=True)
    rechecks_done = Integer(required=True)


class Case(CaseSummary):
    """A case with its history."""

    history = List(Nested(CaseEventOut), required=True)


class Cases(Schema):
    items = List(Nested(CaseSummary), required=True)
