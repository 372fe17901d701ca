"""The documents of a check: the pages, matches, findings and sightings it prints and keeps.

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
(with their parts: page, severity, attribution, sighting, partner)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compliance.records import (
    Attribution,
    Capture,
    CheckReport,
    Finding,
    IndexDrift,
    IngestReport,
    Match,
    PageRef,
    Partner,
    Passage,
    Recorded,
    Scores,
    Severity,
    Sighting,
)

from .common import SCORE_DIGITS


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


def index_drift(drift: IndexDrift) -> dict[str, Any]:
    """How the passage index differs from the stored fingerprints (`compliance index check --json`)."""
    return {
        "folder": drift.folder or None,
        "drift": drift.drifted,
        "params_match": drift.params_match,
        "indexed": drift.indexed,
        "stored": drift.stored,
        "missing": list(drift.missing),
        "stale": [{"fingerprint": fingerprint, "article": article} for fingerprint, article in drift.stale],
    }
