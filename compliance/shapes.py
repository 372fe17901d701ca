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
    ComplianceError ─► a problem-details document (RFC 9457): {type, title, status, detail}
    Case, CaseEvent, Notice, User, AuditEntry, ChainCheck, Recheck, PackCheck ─► the workflow's
                      documents (`cases show --json`, `notices show --json`, `audit verify --json`…)
    ComplianceError ─► a problem-details document (RFC 9457): {type, title, status, detail[, errors]}
    Article       ─► one of our articles: {id, url, title, dates, author, section, …, body}
    ApiKey        ─► {id, name, prefix, scopes, created_at, last_used_at, revoked_at}: never the key
    CheckJob      ─► {id, url, state, created_at, finished_at, result | problem}
    Finding list  ─► {items: findings without sightings, next_cursor}
    Site          ─► {id, name, seeds, domains, depth, page_limit, delay, schedule, fresh_days}
    ScanReport    ─► {sites, counts, failures, seconds, matches (each a Recorded + its url), alerts}
    alert digest  ─► {sent_at, min_severity, scans, count, findings (each a Recorded + url, site)}

DESIGN.md's "Contracts" pins these shapes; tests/test_shapes.py pins them here. Every value is a
plain dict, list, str, int, float, bool or None, ready for `json.dumps`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from compliance.errors import ComplianceError
from compliance.records import (
    ApiKey,
    Article,
    Attribution,
    AuditEntry,
    Capture,
    Case,
    CaseEvent,
    ChainCheck,
    CheckJob,
    CheckReport,
    Finding,
    IngestReport,
    Match,
    Notice,
    PackCheck,
    PageRef,
    Partner,
    Passage,
    Recheck,
    Recorded,
    ScanReport,
    Scores,
    Severity,
    Sighting,
    Site,
    SiteScan,
    User,
)

SCORE_DIGITS = 4  # scores are estimates: more digits would only make outputs differ in noise


def passage(found: Passage) -> dict[str, int]:
    """A reproduced passage: character offsets (end exclusive) into the article and the page."""
    return {
        "article_start": found.article_start,
        "article_end": found.article_end,
        "page_start": found.page_start,
        "page_end": found.page_end,
        "words": found.words,
    }


def match(found: Match) -> dict[str, Any]:
    """One article found in one page, as in DESIGN.md's `check --json` contract."""
    article = found.article
    return {
        "article": {"id": article.id, "url": article.url, "title": article.title},
        **scores(found.scores),
        "verdict": found.verdict.value,
        "passages": [passage(p) for p in found.passages],
    }


def scores(measured: Scores) -> dict[str, Any]:
    """How much of an article a page reproduces, rounded to SCORE_DIGITS."""
    return {
        "coverage": round(measured.coverage, SCORE_DIGITS),
        "similarity": round(measured.similarity, SCORE_DIGITS),
        "page_share": round(measured.page_share, SCORE_DIGITS),
        "reproduced_words": measured.reproduced_words,
        "longest_passage_words": measured.longest_passage_words,
    }


def capture(kept: Capture) -> dict[str, Any]:
    """The evidence of one fetch or one submitted file: where its WARC is and its SHA-256."""
    return {
        "id": kept.id,
        "sha256": kept.sha256,
        "final_url": kept.final_url,
        "fetched_at": kept.fetched_at.isoformat(),
        "warc_path": kept.warc_path,
    }


def check_result(
    matches: Iterable[Match],
    *,
    file: str | None = None,
    url: str | None = None,
    evidence: Capture | None = None,
) -> dict[str, Any]:
    """The matches of one checked input, best first, after its `url` or `file` and its capture."""
    document: dict[str, Any] = {}
    if url is not None:
        document["url"] = url
    if file is not None:
        document["file"] = file
    if evidence is not None:
        document["capture"] = capture(evidence)
    document["matches"] = [match(m) for m in matches]
    return document


def recorded(kept: Recorded) -> dict[str, Any]:
    """A match as a check keeps it: the policy's verdict, the finding it went to, and why."""
    decision = kept.judged.decision
    document = match(kept.judged.match)
    document.update(
        coverage=round(decision.coverage, SCORE_DIGITS),
        verdict=decision.verdict.value,
        finding=kept.finding_id,
        new=kept.new,
        sighting=kept.status.value,
        severity=severity(decision.severity),
        attribution=attribution(decision.attribution),
        notice=decision.notice.value,
        reasons=list(decision.reasons),
        rules=decision.rules,
    )
    return document


def check_report(report: CheckReport, *, file: str | None = None, url: str | None = None) -> dict[str, Any]:
    """One checked input as kept: the page, its capture, the matches as findings, the findings gone."""
    document: dict[str, Any] = {}
    if url is not None:
        document["url"] = url
    if file is not None:
        document["file"] = file
    document["page"] = page(report.page)
    if report.capture is not None:
        document["capture"] = capture(report.capture)
    document["matches"] = [recorded(r) for r in report.recorded]
    document["gone"] = list(report.gone)
    return document


def page(checked: PageRef) -> dict[str, Any]:
    """A checked page: a URL and its site, or a submitted file or text by its SHA-256."""
    return {
        "id": checked.id,
        "kind": checked.kind.value,
        "url": checked.url,
        "domain": checked.domain,
        "name": checked.name,
        "sha256": checked.sha256,
    }


def severity(level: Severity) -> dict[str, Any]:
    """An ordered level, a score out of 100 and the parts that make it up."""
    return {"level": level.level.value, "score": level.score, "parts": dict(level.parts)}


def attribution(found: Attribution) -> dict[str, Any]:
    """Whether the page credits us by name and links to us, with the proof of each."""
    return {
        "credited": found.credited,
        "credit": found.credit,
        "linked": found.linked,
        "link": found.link,
        "links_to_article": found.links_to_article,
    }


def finding(kept: Finding) -> dict[str, Any]:
    """A stored finding: the latest judgement (with the rules then in force) and every sighting."""
    return {
        "id": kept.id,
        "article_id": kept.article_id,
        "page": page(kept.page),
        "first_seen": kept.first_seen.isoformat(),
        "last_seen": kept.last_seen.isoformat(),
        "present": kept.present,
        "verdict": kept.verdict.value,
        "reasons": list(kept.reasons),
        **scores(kept.scores),
        "passages": [passage(p) for p in kept.passages],
        "attribution": attribution(kept.attribution),
        "notice": kept.notice.value,
        "severity": severity(kept.severity),
        "rules": kept.rules,
        "capture_id": kept.capture_id,
        "sightings": [sighting(s) for s in kept.sightings],
    }


def sighting(seen: Sighting) -> dict[str, Any]:
    """One check of a finding's page."""
    return {
        "seen_at": seen.seen_at.isoformat(),
        "status": seen.status.value,
        "capture_id": seen.capture_id,
        "verdict": seen.verdict.value if seen.verdict else None,
        "coverage": round(seen.coverage, SCORE_DIGITS) if seen.coverage is not None else None,
        "reproduced_words": seen.reproduced_words,
        "passages": [passage(p) for p in seen.passages],
    }


def partner(licensee: Partner) -> dict[str, Any]:
    """A partner and the scope of its licence."""
    dates = ("published_from", "published_until", "valid_from", "valid_until")
    document: dict[str, Any] = {name: getattr(licensee, name) for name in Partner.__dataclass_fields__}
    document.update({name: document[name].isoformat() if document[name] else None for name in dates})
    document["domains"], document["sections"] = list(licensee.domains), list(licensee.sections)
    return document


def align_result(passages: Iterable[Passage]) -> dict[str, Any]:
    """The passages of an article that a page reproduces, as `align --json` prints them."""
    return {"passages": [passage(p) for p in passages]}


def ingest_report(report: IngestReport) -> dict[str, Any]:
    """What one ingest run did: counts, and why each failed record failed."""
    return {
        "ingested": report.ingested,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "failed": report.failed,
        "errors": list(report.errors),
    }


def site(watched: Site) -> dict[str, Any]:
    """A watched site and its settings."""
    return {
        "id": watched.id,
        "name": watched.name,
        "seeds": list(watched.seeds),
        "domains": list(watched.domains),
        "depth": watched.depth,
        "page_limit": watched.page_limit,
        "delay": watched.delay,
        "schedule": watched.schedule,
        "fresh_days": watched.fresh_days,
    }


def site_scan(done: SiteScan) -> dict[str, Any]:
    """One site's part of a scan: its state, counts per page status, failures, new findings."""
    return {
        "site": done.site,
        "scan": done.scan_id,
        "state": done.state.value,
        "reason": done.reason,
        "resumed": done.resumed,
        "counts": dict(done.counts),
        "failures": [{"url": url, "reason": reason} for url, reason in done.failures],
        "new_findings": list(done.new_findings),
        "seconds": round(done.seconds, 3),
    }


def scan_report(report: ScanReport) -> dict[str, Any]:
    """A scan record: each site's part, the counts added up, and the matches found for the first time."""
    totals: dict[str, int] = {}
    for done in report.sites:
        for status, count in done.counts.items():
            totals[status] = totals.get(status, 0) + count
    return {
        "sites": [site_scan(done) for done in report.sites],
        "counts": totals,
        "failures": [
            {"site": done.site, "url": url, "reason": reason}
            for done in report.sites
            for url, reason in done.failures
        ],
        "seconds": round(report.seconds, 3),
        "matches": [{"url": url, **recorded(kept)} for url, kept in report.matches],
        "alerts": list(report.alerts),
    }


def alert_digest(
    report: ScanReport, found: Iterable[tuple[str, Recorded]], min_severity: str, sent_at: datetime
) -> dict[str, Any]:
    """The alert sent after a scan: its new findings at or above `min_severity`."""
    findings = [{"url": url, **recorded(kept)} for url, kept in found]
    return {
        "sent_at": sent_at.isoformat(),
        "min_severity": min_severity,
        "scans": [done.scan_id for done in report.sites if done.scan_id is not None],
        "count": len(findings),
        "findings": findings,
    }


def problem(error: ComplianceError, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error as an RFC 9457 problem-details document, the one error shape of the API.

    `errors`, for a request that failed validation: the messages by location and field.
    """
    document: dict[str, Any] = {
        "type": error.problem_type(),
        "title": error.title,
        "status": error.http_status,
        "detail": str(error),
    }
    if errors is not None:
        document["errors"] = errors
    return document


# --- Cases, notices, users and the audit log (compliance.cases) ---------------------------------


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def case(kept: Case) -> dict[str, Any]:
    """A case: its state, findings, assignment, deadline and (when read whole) its history."""
    return {
        "id": kept.id,
        "state": kept.state.value,
        "domain": kept.domain,
        "title": kept.title,
        "findings": list(kept.finding_ids),
        "assignee": kept.assignee,
        "deadline": _when(kept.deadline),
        "reason": kept.reason.value if kept.reason else None,
        "created_at": _when(kept.created_at),
        "created_by": kept.created_by,
        "modified_at": _when(kept.modified_at),
        "recheck_from": _when(kept.recheck_from),
        "rechecks_done": kept.rechecks_done,
        "history": [case_event(e) for e in kept.events],
    }


def case_event(event: CaseEvent) -> dict[str, Any]:
    """One entry of a case's history."""
    return {
        "at": _when(event.at),
        "actor": event.actor,
        "kind": event.kind.value,
        "from": event.from_state.value if event.from_state else None,
        "to": event.to_state.value if event.to_state else None,
        "text": event.text,
        "details": event.details,
    }


def notice(drafted: Notice) -> dict[str, Any]:
    """A notice: its text, the elements it names, what it lacks, who approved it, how it was sent."""
    sending = drafted.sending
    return {
        "id": drafted.id,
        "case": drafted.case_id,
        "kind": drafted.kind.value,
        "language": drafted.language,
        "state": drafted.state.value,
        "recipient": drafted.recipient,
        "missing": list(drafted.missing),
        "drafted_by": drafted.drafted_by,
        "drafted_at": _when(drafted.drafted_at),
        "approved_by": drafted.approved_by,
        "approved_at": _when(drafted.approved_at),
        "sent": None
        if sending is None
        else {
            "channel": sending.channel,
            "recipient": sending.recipient,
            "at": _when(sending.sent_at),
            "proof": sending.proof,
            "by": sending.by,
        },
        "elements": drafted.elements,
        "body": drafted.body,
    }


def user(account: User) -> dict[str, Any]:
    """A user: name, role, whether active (never the password hash)."""
    return {
        "id": account.id,
        "name": account.name,
        "role": account.role.value,
        "active": account.active,
        "created_at": _when(account.created_at),
    }


def audit_entry(entry: AuditEntry) -> dict[str, Any]:
    """One audit entry as stored: `details` is the canonical JSON text its hash covers."""
    return {
        "seq": entry.seq,
        "at": _when(entry.at),
        "actor": entry.actor,
        "action": entry.action,
        "subject": entry.subject,
        "details": entry.details,
        "prev_hash": entry.prev_hash,
        "hash": entry.hash,
    }


def chain_check(result: ChainCheck) -> dict[str, Any]:
    """The audit chain recomputed: ok, how many entries, the head, the first bad entry."""
    return {
        "ok": result.ok,
        "entries": result.entries,
        "head": result.head,
        "bad_entry": result.bad_seq,
        "problem": result.problem,
    }


def recheck(seen: Recheck) -> dict[str, Any]:
    """One re-check of one finding's page."""
    return {
        "case": seen.case_id,
        "finding": seen.finding_id,
        "url": seen.url,
        "status": seen.status.value if seen.status else None,
        "capture": seen.capture_id,
        "error": seen.error,
    }


def pack_check(result: PackCheck, path: str) -> dict[str, Any]:
    """An evidence pack checked against its manifest."""
    return {"pack": path, "ok": result.ok, "files": result.files, "problems": list(result.problems)}


def article(stored: Article) -> dict[str, Any]:
    """One of our articles as stored, body included; dates in ISO 8601."""
    document: dict[str, Any] = {name: getattr(stored, name) for name in Article.__dataclass_fields__}
    for name in ("published_at", "updated_at"):
        document[name] = document[name].isoformat() if document[name] else None
    return document


def finding_summary(kept: Finding) -> dict[str, Any]:
    """A finding as a listing shows it: its latest judgement, without the sightings."""
    document = finding(kept)
    del document["sightings"]
    return document


def findings_page(found: Iterable[Finding], next_cursor: int | None) -> dict[str, Any]:
    """One page of a finding listing, and the cursor of the next page (None on the last)."""
    return {"items": [finding_summary(f) for f in found], "next_cursor": next_cursor}


def api_key(key: ApiKey) -> dict[str, Any]:
    """An API key as stored: its first characters only, never the key."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": [scope.value for scope in key.scopes],
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def check_job(job: CheckJob) -> dict[str, Any]:
    """A background URL check: its state, then its check report or its problem once finished."""
    return {
        "id": job.id,
        "url": job.url,
        "state": job.state.value,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "result": job.result,
        "problem": job.problem,
    }
