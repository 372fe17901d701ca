"""Inbox repository: findings grouped by site, filtered, sorted and paged, and the legal team's reviews.

In: an open Session, a `records.InboxFilter`, a `records.InboxSort` and a page number; a
`records.Dismissal`. Out: `records.InboxPage` (one `InboxSite` a line), `records.FindingLine`
values (a finding without its passages and sightings, with its article's title and its review),
and the counts the overview draws. Two queries a page at most: the sites (with the totals of the
whole inbox as window columns, so findings are grouped once), then the verdicts of the sites on
that page; a site's findings are read only when its line is opened. The review state is matched
with one `IN (subquery)` on the few reviews rather than a join per finding, so that the grouping
reads only `ix_findings_inbox`, which covers it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, TypeVar, cast

from sqlalchemy import CursorResult, Select, case, delete, false, func, or_, select
from sqlalchemy.orm import Session

from compliance.records import (
    Dismissal,
    DismissReason,
    FindingLine,
    InboxFilter,
    InboxPage,
    InboxSite,
    InboxSort,
    NoticeStatus,
    ReviewState,
    SeverityLevel,
    SightingStatus,
    Verdict,
)
from compliance.store.shared import chunks
from compliance.store.tables import ArticleRow, FindingRow, PageRow, ReviewRow, SightingRow

LEVEL_RANK = case({level.value: level.rank for level in SeverityLevel}, value=FindingRow.severity_level)
state_or_open = func.coalesce(ReviewRow.state, ReviewState.OPEN.value)
MAX_PER_PAGE = 200
Q = TypeVar("Q", bound=Select)  # any select on findings


def filtered(query: Q, wanted: InboxFilter) -> Q:
    """`query` (on findings, reviews outer-joined or not) narrowed to what `wanted` asks for."""
    if wanted.verdicts:
        query = query.where(FindingRow.verdict.in_([v.value for v in wanted.verdicts]))
    if wanted.severities:
        query = query.where(FindingRow.severity_level.in_([s.value for s in wanted.severities]))
    if wanted.state is not None:
        query = query.where(_in_state(wanted.state))
    if wanted.site:
        query = query.where(FindingRow.domain.contains(wanted.site.strip().lower(), autoescape=True))
    if wanted.seen_from is not None:
        query = query.where(FindingRow.last_seen >= wanted.seen_from)
    if wanted.seen_until is not None:
        query = query.where(FindingRow.last_seen < wanted.seen_until)
    if wanted.article_id is not None:
        query = query.where(FindingRow.article_id == wanted.article_id)
    if wanted.section:
        sections = select(ArticleRow.id).where(ArticleRow.section == wanted.section)
        query = query.where(FindingRow.article_id.in_(sections))
    return query


def _in_state(state: ReviewState) -> Any:
    """Findings in `state` (no review: open), as `state_or_open == state` but without a join."""
    if state is ReviewState.OPEN:
        others = select(ReviewRow.finding_id).where(ReviewRow.state != ReviewState.OPEN.value)
        return FindingRow.id.not_in(others)
    return FindingRow.id.in_(select(ReviewRow.finding_id).where(ReviewRow.state == state.value))


def _reviewed(query: Q) -> Q:
    return query.select_from(FindingRow).outerjoin(ReviewRow, ReviewRow.finding_id == FindingRow.id)


_ORDER = {
    InboxSort.SEVERITY: ("worst_score", "findings"),
    InboxSort.FINDINGS: ("findings", "worst_score"),
    InboxSort.RECENT: ("last_seen", "worst_score"),
}


def sites(session: Session, wanted: InboxFilter, sort: InboxSort, page: int, per_page: int) -> InboxPage:
    """One page of sites with their counts, and how many sites and findings match in all."""
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    page = max(1, page)
    columns = (
        FindingRow.domain.label("domain"),
        func.count().label("findings"),
        func.count(func.distinct(FindingRow.article_id)).label("articles"),
        func.sum(case((FindingRow.present, 1), else_=0)).label("present"),
        func.max(FindingRow.severity_score).label("worst_score"),
        func.max(LEVEL_RANK).label("worst_rank"),
        func.min(FindingRow.first_seen).label("first_seen"),
        func.max(FindingRow.last_seen).label("last_seen"),
        func.count().over().label("all_sites"),
        func.sum(func.count()).over().label("all_findings"),
    )
    grouped = filtered(select(*columns), wanted).group_by(FindingRow.domain).subquery()
    order = [grouped.c[name].desc() for name in _ORDER.get(sort, ())] + [grouped.c.domain]
    rows = session.execute(
        select(grouped).order_by(*order).limit(per_page).offset((page - 1) * per_page)
    ).all()
    totals = (rows[0].all_sites, rows[0].all_findings) if rows else _totals(session, grouped, page)
    verdicts = _verdicts_of(session, wanted, [row.domain for row in rows])
    lines = tuple(_site(row, verdicts.get(row.domain, {})) for row in rows)
    return InboxPage(lines, int(totals[0]), int(totals[1] or 0), page, per_page)


def _totals(session: Session, grouped: Any, page: int) -> tuple[int, int]:
    """Sites and findings in all, for a page past the last (the first one empty: nothing matches)."""
    if page == 1:
        return 0, 0
    found = session.execute(select(func.count(), func.coalesce(func.sum(grouped.c.findings), 0))).one()
    return int(found[0]), int(found[1])


def _verdicts_of(session: Session, wanted: InboxFilter, domains: list[str | None]) -> dict[Any, dict]:
    """Findings per verdict of each of `domains` (None: submitted pages), under the same filter."""
    found: dict[Any, dict[str, int]] = {}
    if not domains:
        return found
    named = [d for d in domains if d is not None]
    where = or_(FindingRow.domain.in_(named), FindingRow.domain.is_(None) if None in domains else false())
    query = select(FindingRow.domain, FindingRow.verdict, func.count())
    query = filtered(query, wanted).where(where).group_by(FindingRow.domain, FindingRow.verdict)
    for domain, verdict, count in session.execute(query):
        found.setdefault(domain, {})[verdict] = count
    return found


def _site(row: Any, verdicts: dict[str, int]) -> InboxSite:
    ranked = sorted(verdicts.items(), key=lambda item: (-item[1], item[0]))
    return InboxSite(
        domain=row.domain,
        findings=row.findings,
        articles=row.articles,
        present=int(row.present or 0),
        worst_score=row.worst_score,
        worst_level=list(SeverityLevel)[row.worst_rank],
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        verdicts=dict(ranked),
    )


_LINE_COLUMNS = (
    FindingRow.id,
    FindingRow.article_id,
    ArticleRow.title,
    ArticleRow.url,
    PageRow.url,
    PageRow.name,
    FindingRow.domain,
    FindingRow.verdict,
    FindingRow.coverage,
    FindingRow.reproduced_words,
    FindingRow.severity_level,
    FindingRow.severity_score,
    FindingRow.notice,
    FindingRow.first_seen,
    FindingRow.last_seen,
    FindingRow.present,
    state_or_open,
    ReviewRow.reason,
)


def lines(
    session: Session, wanted: InboxFilter, limit: int = 500, offset: int = 0, domain: Any = ...
) -> list[FindingLine]:
    """Findings under `wanted` (and of one site when `domain` is given: None for submitted pages)."""
    query = filtered(_reviewed(select(*_LINE_COLUMNS)), wanted)
    query = query.join(ArticleRow, ArticleRow.id == FindingRow.article_id)
    query = query.join(PageRow, PageRow.id == FindingRow.page_id)
    if domain is not ...:
        query = query.where(FindingRow.domain.is_(None) if domain is None else FindingRow.domain == domain)
    order = (FindingRow.severity_score.desc(), FindingRow.last_seen.desc(), FindingRow.id)
    return [_line(row) for row in session.execute(query.order_by(*order).limit(limit).offset(offset))]


def lines_of(session: Session, ids: Iterable[int]) -> list[FindingLine]:
    """The findings with these ids, by id (missing ones left out)."""
    found: list[FindingLine] = []
    for part in chunks(sorted(set(ids))):
        query = _reviewed(select(*_LINE_COLUMNS)).where(FindingRow.id.in_(part))
        query = query.join(ArticleRow, ArticleRow.id == FindingRow.article_id)
        query = query.join(PageRow, PageRow.id == FindingRow.page_id)
        found += [_line(row) for row in session.execute(query.order_by(FindingRow.id))]
    return found


def _line(row: Any) -> FindingLine:
    (ident, article_id, title, article_url, page_url, name, domain, verdict, coverage, words) = row[:10]
    level, score, notice, first_seen, last_seen, present, state, reason = row[10:]
    return FindingLine(
        id=ident,
        article_id=article_id,
        article_title=title,
        article_url=article_url,
        page_url=page_url,
        page_name=name,
        domain=domain,
        verdict=Verdict(verdict),
        coverage=coverage,
        reproduced_words=words,
        severity=SeverityLevel(level),
        severity_score=score,
        notice=NoticeStatus(notice),
        first_seen=first_seen,
        last_seen=last_seen,
        present=present,
        state=ReviewState(state),
        reason=DismissReason(reason) if reason else None,
    )


def dismiss(session: Session, dismissal: Dismissal, at: datetime) -> list[int]:
    """Set the findings aside (a second dismissal replaces the first); the ids that exist."""
    ids = sorted(set(dismissal.finding_ids))
    exists = (select(FindingRow.id).where(FindingRow.id.in_(part)) for part in chunks(ids))
    known = [i for query in exists for i in session.scalars(query)]
    for finding_id in known:
        session.merge(
            ReviewRow(
                finding_id=finding_id,
                state=ReviewState.DISMISSED.value,
                reason=dismissal.reason.value,
                by=dismissal.by,
                note=dismissal.note,
                at=at,
            )
        )
    return known


def reopen(session: Session, ids: Iterable[int]) -> int:
    """Put findings back in the inbox; how many were set aside."""
    reopened = 0
    for part in chunks(sorted(set(ids))):
        query = delete(ReviewRow).where(ReviewRow.finding_id.in_(part))
        result = cast(CursorResult[Any], session.execute(query))
        reopened += result.rowcount or 0
    return reopened


def ids_of_site(session: Session, domain: str | None, wanted: InboxFilter) -> list[int]:
    """The ids of a site's findings under `wanted` (None: submitted pages)."""
    query = filtered(select(FindingRow.id), wanted)
    query = query.where(FindingRow.domain.is_(None) if domain is None else FindingRow.domain == domain)
    return list(session.scalars(query.order_by(FindingRow.id)))


def daily_verdicts(session: Session, since: datetime) -> list[tuple[date, str, int]]:
    """Findings first seen each day since `since`, per verdict."""
    day = func.date(FindingRow.first_seen)
    query = select(day, FindingRow.verdict, func.count()).where(FindingRow.first_seen >= since)
    rows = session.execute(query.group_by(day, FindingRow.verdict))
    return [(_as_date(d), verdict, count) for d, verdict, count in rows]


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def findings_per_article(session: Session, ids: Iterable[int]) -> dict[int, int]:
    """How many findings each of these articles has."""
    counts: dict[int, int] = {}
    for part in chunks(sorted(set(ids))):
        query = select(FindingRow.article_id, func.count()).where(FindingRow.article_id.in_(part))
        counts.update(
            {article: count for article, count in session.execute(query.group_by(FindingRow.article_id))}
        )
    return counts


def sections(session: Session) -> list[str]:
    """The sections our articles are filed under, by name."""
    query = select(ArticleRow.section).where(ArticleRow.section.is_not(None)).distinct()
    return sorted(s for s in session.scalars(query) if s)


def removal_delays(session: Session) -> list[float]:
    """Days from first sight to the first check that found each finding gone."""
    gone = (
        select(SightingRow.finding_id, func.min(SightingRow.seen_at).label("gone_at"))
        .where(SightingRow.status == SightingStatus.GONE.value)
        .group_by(SightingRow.finding_id)
        .subquery()
    )
    query = select(FindingRow.first_seen, gone.c.gone_at).join(gone, gone.c.finding_id == FindingRow.id)
    return [(gone_at - first).total_seconds() / 86400 for first, gone_at in session.execute(query)]
