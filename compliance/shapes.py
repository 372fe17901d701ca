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

DESIGN.md's "Contracts" pins these shapes; tests/test_shapes.py pins them here. Every value is a
plain dict, list, str, int, float, bool or None, ready for `json.dumps`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from compliance.errors import ComplianceError
from compliance.records import (
    Attribution,
    AuditEntry,
    Capture,
    Case,
    CaseEvent,
    ChainCheck,
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
    Severity,
    Sighting,
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
    article, scores = found.article, found.scores
    return {
        "article": {"id": article.id, "url": article.url, "title": article.title},
        "coverage": round(scores.coverage, SCORE_DIGITS),
        "similarity": round(scores.similarity, SCORE_DIGITS),
        "page_share": round(scores.page_share, SCORE_DIGITS),
        "reproduced_words": scores.reproduced_words,
        "longest_passage_words": scores.longest_passage_words,
        "verdict": found.verdict.value,
        "passages": [passage(p) for p in found.passages],
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
    scores = kept.scores
    return {
        "id": kept.id,
        "article_id": kept.article_id,
        "page": page(kept.page),
        "first_seen": kept.first_seen.isoformat(),
        "last_seen": kept.last_seen.isoformat(),
        "present": kept.present,
        "verdict": kept.verdict.value,
        "reasons": list(kept.reasons),
        "coverage": round(scores.coverage, SCORE_DIGITS),
        "similarity": round(scores.similarity, SCORE_DIGITS),
        "page_share": round(scores.page_share, SCORE_DIGITS),
        "reproduced_words": scores.reproduced_words,
        "longest_passage_words": scores.longest_passage_words,
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


def problem(error: ComplianceError) -> dict[str, Any]:
    """An error as an RFC 9457 problem-details document, the one error shape of the API."""
    return {
        "type": error.problem_type(),
        "title": error.title,
        "status": error.http_status,
        "detail": str(error),
    }


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
