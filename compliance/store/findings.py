"""Finding repository: checked pages, findings (one per article and page) and their sightings.

In: an open Session, a `records.PageRef` with the text as checked, and the `records.Judged`
matches of one check. Out: `records.Recorded` (finding id, new or not, what was seen) and
`records.Finding` values with their sightings. A check never duplicates a finding: checking a page
again adds a sighting to each of its findings (still there, changed, back) and marks the ones
it no longer shows as gone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from compliance.records import (
    Attribution,
    Finding,
    Judged,
    NoticeStatus,
    PageKind,
    PageRef,
    Passage,
    Recorded,
    Scores,
    Severity,
    SeverityLevel,
    Sighting,
    SightingStatus,
    Verdict,
)
from compliance.store.tables import FindingRow, PageRow, SightingRow

# Verdicts that say nothing against the site: they do not make it a repeat offender.
HARMLESS = (Verdict.OWN_SITE, Verdict.LICENSED, Verdict.THIRD_PARTY)


def save_page(session: Session, page: PageRef, text: str, at: datetime) -> PageRef:
    """Insert the page or refresh its text and check time; the page with its id."""
    row = session.scalars(select(PageRow).where(PageRow.key == page.key)).one_or_none()
    if row is None:
        row = PageRow(key=page.key, kind=page.kind, url=page.url, domain=page.domain, name=page.name)
        row.sha256, row.first_seen = page.sha256, at
        session.add(row)
    row.text, row.last_checked = text, at
    session.flush()
    return page_value(row)


def record(
    session: Session, page: PageRef, judged: list[Judged], capture_id: int | None, at: datetime
) -> tuple[list[Recorded], list[int]]:
    """Store one check's judged matches on `page` (which has an id); (recorded, findings gone)."""
    rows = {r.article_id: r for r in session.scalars(select(FindingRow).where(FindingRow.page_id == page.id))}
    recorded = [_record_one(session, rows.get(j.match.article.id), page, j, capture_id, at) for j in judged]
    seen = {j.match.article.id for j in judged}
    gone = [row for article_id, row in rows.items() if article_id not in seen and row.present]
    for row in gone:
        row.present = False
        session.add(_sighting_row(row.id, at, SightingStatus.GONE, capture_id, None))
    session.flush()
    return recorded, [row.id for row in gone]


def _record_one(
    session: Session,
    row: FindingRow | None,
    page: PageRef,
    judged: Judged,
    capture_id: int | None,
    at: datetime,
) -> Recorded:
    passages = _passages_json(judged.match.passages)
    if row is None:
        row = FindingRow(
            article_id=judged.match.article.id, page_id=page.id, domain=page.domain, first_seen=at
        )
        status, new = SightingStatus.NEW, True
        session.add(row)
    else:
        status, new = _status(row, passages), False
    _judge_row(row, judged, passages, capture_id, at)
    session.flush()
    session.add(_sighting_row(row.id, at, status, capture_id, judged, passages))
    return Recorded(judged, row.id, new, status)


def _status(row: FindingRow, passages: list[list[int]]) -> SightingStatus:
    if not row.present:
        return SightingStatus.BACK
    return SightingStatus.STILL_THERE if row.passages == passages else SightingStatus.CHANGED


def _judge_row(
    row: FindingRow, judged: Judged, passages: list[list[int]], capture_id: int | None, at: datetime
) -> None:
    """Write the latest judgement into the finding's row (its history lives in the sightings)."""
    decision, scores = judged.decision, judged.match.scores
    row.capture_id, row.last_seen, row.present = capture_id, at, True
    row.verdict, row.reasons, row.passages = decision.verdict, list(decision.reasons), passages
    row.coverage, row.similarity, row.page_share = decision.coverage, scores.similarity, scores.page_share
    row.reproduced_words, row.longest_passage_words = scores.reproduced_words, scores.longest_passage_words
    row.attribution = _attribution_json(decision.attribution)
    row.notice, row.rules = decision.notice, decision.rules
    row.severity_level, row.severity_score = decision.severity.level, decision.severity.score
    row.severity_parts = dict(decision.severity.parts)


def _sighting_row(
    finding_id: int,
    at: datetime,
    status: SightingStatus,
    capture_id: int | None,
    judged: Judged | None,
    passages: list[list[int]] | None = None,
) -> SightingRow:
    return SightingRow(
        finding_id=finding_id,
        seen_at=at,
        status=status,
        capture_id=capture_id,
        verdict=judged.decision.verdict if judged else None,
        coverage=judged.decision.coverage if judged else None,
        reproduced_words=judged.match.scores.reproduced_words if judged else None,
        passages=passages or [],
    )


def site_article_ids(session: Session, domain: str | None, since: datetime) -> set[int]:
    """The articles of ours the site copied since `since` (harmless verdicts aside)."""
    if not domain:
        return set()
    query = select(FindingRow.article_id).where(
        FindingRow.domain == domain, FindingRow.last_seen >= since, FindingRow.verdict.not_in(HARMLESS)
    )
    return set(session.scalars(query.distinct()))


def get(session: Session, finding_id: int) -> Finding | None:
    """The finding with this id and its sightings, or None."""
    row = session.get(FindingRow, finding_id)
    if row is None:
        return None
    page = session.get(PageRow, row.page_id)
    sightings = session.scalars(
        select(SightingRow).where(SightingRow.finding_id == row.id).order_by(SightingRow.id)
    )
    return finding_value(row, page_value(page), tuple(_sighting(s) for s in sightings))


def page_text(session: Session, page_id: int) -> str | None:
    """The page's text as last checked: the findings' page offsets point into it."""
    row = session.get(PageRow, page_id)
    return row.text if row else None


# --- Rows ↔ values ------------------------------------------------------------------------------


def _passages_json(passages: tuple[Passage, ...]) -> list[list[int]]:
    return [[p.article_start, p.article_end, p.page_start, p.page_end, p.words] for p in passages]


def _passages(values: list[list[int]]) -> tuple[Passage, ...]:
    return tuple(Passage(*value) for value in values)


def _attribution_json(attribution: Attribution) -> dict[str, Any]:
    return {name: getattr(attribution, name) for name in Attribution.__dataclass_fields__}


def page_value(row: PageRow | None) -> PageRef:
    """A page row as a `PageRef` (findings_query.py reads pages too)."""
    assert row is not None  # a finding's page is deleted with it (ON DELETE CASCADE)
    return PageRef(PageKind(row.kind), row.key, row.url, row.domain, row.name, row.sha256, row.id)


def _sighting(row: SightingRow) -> Sighting:
    return Sighting(
        seen_at=row.seen_at,
        status=SightingStatus(row.status),
        capture_id=row.capture_id,
        verdict=Verdict(row.verdict) if row.verdict else None,
        coverage=row.coverage,
        reproduced_words=row.reproduced_words,
        passages=_passages(row.passages),
        id=row.id,
    )


def finding_value(row: FindingRow, page: PageRef, sightings: tuple[Sighting, ...]) -> Finding:
    """A finding row, its page and sightings as a `Finding` (findings_query.py lists them too)."""
    scores = Scores(
        row.coverage, row.similarity, row.page_share, row.reproduced_words, row.longest_passage_words
    )
    severity = Severity(SeverityLevel(row.severity_level), row.severity_score, dict(row.severity_parts))
    return Finding(
        id=row.id,
        article_id=row.article_id,
        page=page,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        present=row.present,
        verdict=Verdict(row.verdict),
        reasons=tuple(row.reasons),
        scores=scores,
        passages=_passages(row.passages),
        attribution=Attribution(**row.attribution),
        notice=NoticeStatus(row.notice),
        severity=severity,
        rules=dict(row.rules),
        capture_id=row.capture_id,
        sightings=sightings,
    )
