"""Finding listings: the stored findings that pass a `records.FindingQuery`, by id, a page at a time.

In: an open Session and a `FindingQuery` (verdicts, minimum severity, site, article, first-seen
range, cursor). Out: `records.Finding` values without their sightings (a listing shows the latest
judgement; one finding's history is read with `findings.get`).
"""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from compliance.records import Finding, FindingQuery, SeverityLevel
from compliance.store.findings import finding_value, page_value
from compliance.store.tables import FindingRow, PageRow


def listing(session: Session, query: FindingQuery) -> list[Finding]:
    """The findings passing `query` with an id above `query.after`, by id, at most `query.limit`."""
    statement = _filtered(select(FindingRow, PageRow).join(PageRow, FindingRow.page_id == PageRow.id), query)
    statement = statement.where(FindingRow.id > query.after).order_by(FindingRow.id).limit(query.limit)
    return [finding_value(row, page_value(page), ()) for row, page in session.execute(statement)]


def _filtered(statement: Select[FindingRow, PageRow], query: FindingQuery) -> Select[FindingRow, PageRow]:
    if query.verdicts:
        statement = statement.where(FindingRow.verdict.in_([v.value for v in query.verdicts]))
    if query.min_severity is not None:
        levels = [level.value for level in SeverityLevel if level.rank >= query.min_severity.rank]
        statement = statement.where(FindingRow.severity_level.in_(levels))
    if query.domain:
        statement = statement.where(FindingRow.domain == query.domain.lower())
    if query.article_id is not None:
        statement = statement.where(FindingRow.article_id == query.article_id)
    if query.since is not None:
        statement = statement.where(FindingRow.first_seen >= query.since)
    if query.until is not None:
        statement = statement.where(FindingRow.first_seen < query.until)
    return statement
