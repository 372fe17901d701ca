"""Every JSON document the product prints, built in one place so the CLI, the API and scan records agree.

    Passage       ─► {article_start, article_end, page_start, page_end, words}
    Match         ─► {article {id, url, title}, coverage, similarity, page_share, reproduced_words,
                      longest_passage_words, verdict, passages}
    Recorded      ─► a match as kept: the policy's verdict, and {finding, new, sighting, severity,
                      attribution, notice, reasons, rules (thresholds, policy, partner in force)}
    CheckReport   ─► {[url | file,] page, [capture,] matches, gone}
    Finding       ─► a stored finding with its page, scores, decision and sightings
    Capture       ─► {id, sha256, final_url, fetched_at, warc_path}
    matches       ─► a check result: {[url | file,] [capture,] matches}, one per checked input
    passages      ─► an align result: {passages}
    IngestReport  ─► {ingested, updated, unchanged, failed, errors}
    IndexDrift    ─► {folder, drift, params_match, indexed, stored, missing, stale [{fingerprint, article}]}
    Case, CaseEvent, Notice, User, AuditEntry, ChainCheck, Recheck, PackCheck ─► the workflow's
                      documents (`cases show --json`, `notices show --json`, `audit verify --json`…)
    ComplianceError ─► a problem-details document (RFC 9457): {type, title, status, detail[, errors]}
    Article       ─► one of our articles: {id, url, title, dates, author, section, …, body}
    ApiKey        ─► {id, name, prefix, scopes, created_at, last_used_at, revoked_at}: never the key
    CheckJob      ─► {id, url, state, created_at, finished_at, result | problem}
    Finding list  ─► {items: findings without sightings, next_cursor}
    Site          ─► {id, name, seeds, domains, depth, page_limit, delay, schedule, fresh_days}
    ScanReport    ─► {sites, counts, failures, seconds, matches (each a Recorded + its url), alerts}
    ScanRecord    ─► {id, site, state, started_at, finished_at, reason, discovered, counts, failures, pages}
    alert digest  ─► {sent_at, min_severity, scans, count, findings (each a Recorded + url, site)}
    SweepReport   ─► {id, state, resumed, files, records, done, counts, failures, new_findings, …}

Each area has its module: checks (a check's pages, matches and findings), problems (errors),
workflow (cases, notices, users, audit), api (articles, API keys, check jobs, finding listings),
scans (sites and scans), sweeps (sweeps of WARC files); common holds SCORE_DIGITS and the date
helper they share.

DESIGN.md's "Contracts" pins these shapes; tests/test_shapes.py pins them here. Every value is a
plain dict, list, str, int, float, bool or None, ready for `json.dumps`.
"""

from __future__ import annotations

from .api import api_key, article, check_job, finding_summary, findings_page
from .checks import (
    align_result,
    attribution,
    capture,
    check_report,
    check_result,
    finding,
    index_drift,
    ingest_report,
    match,
    page,
    partner,
    passage,
    recorded,
    scores,
    severity,
    sighting,
)
from .common import SCORE_DIGITS
from .problems import problem
from .scans import alert_digest, scan_page, scan_record, scan_report, site, site_scan
from .sweeps import sweep_report
from .workflow import audit_entry, case, case_event, chain_check, notice, pack_check, recheck, user

__all__ = [
    "SCORE_DIGITS",
    "alert_digest",
    "align_result",
    "api_key",
    "article",
    "attribution",
    "audit_entry",
    "capture",
    "case",
    "case_event",
    "chain_check",
    "check_job",
    "check_report",
    "check_result",
    "finding",
    "finding_summary",
    "findings_page",
    "index_drift",
    "ingest_report",
    "match",
    "notice",
    "pack_check",
    "page",
    "partner",
    "passage",
    "problem",
    "recheck",
    "recorded",
    "scan_page",
    "scan_record",
    "scan_report",
    "scores",
    "severity",
    "sighting",
    "site",
    "site_scan",
    "sweep_report",
    "user",
]
