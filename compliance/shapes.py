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
    Site          ─► {id, name, seeds, domains, depth, page_limit, delay, schedule, fresh_days}
    ScanReport    ─► {sites, counts, failures, seconds, matches (each a Recorded + its url), alerts}
    alert digest  ─► {sent_at, min_severity, scans, count, findings (each a Recorded + url, site)}
    ComplianceError ─► a problem-details document (RFC 9457): {type, title, status, detail}

DESIGN.md's "Contracts" pins these shapes; tests/test_shapes.py pins them here. Every value is a
plain dict, list, str, int, float, bool or None, ready for `json.dumps`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from compliance.errors import ComplianceError
from compliance.records import (
    Attribution,
    Capture,
    CheckReport,
    Finding,
    IngestReport,
    Match,
    PageRef,
    Partner,
    Passage,
    Recorded,
    ScanReport,
    Severity,
    Sighting,
    Site,
    SiteScan,
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


def problem(error: ComplianceError) -> dict[str, Any]:
    """An error as an RFC 9457 problem-details document, the one error shape of the API."""
    return {
        "type": error.problem_type(),
        "title": error.title,
        "status": error.http_status,
        "detail": str(error),
    }
