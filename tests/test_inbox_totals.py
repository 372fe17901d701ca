"""The inbox's totals and review-state filter on SQLite and PostgreSQL: the totals come with the
page's sites (a window over the grouping) or, past the last page, from a query of their own, and
the state filter (a subquery on the reviews, not a join) keeps exactly the findings in that state."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import Dismissal, DismissReason, InboxFilter, InboxSort, ReviewState
from compliance.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
SUSPECTS = ("full_copy_boilerplate.txt", "short_quotation.txt", "arabic_excerpt.txt")


@pytest.fixture
def archive(database_url: str, tmp_path: Path) -> Iterator[Archive]:
    """An archive of the fixture articles with the findings of three submitted suspect texts."""
    with Archive(Settings(database_url=database_url, evidence_dir=str(tmp_path / "evidence"))) as opened:
        opened.ingest(read_paths([FIXTURES / "archive"], opened.settings))
        for name in SUSPECTS:
            opened.record_text((FIXTURES / "suspects" / name).read_text(encoding="utf-8"), name=name)
        yield opened


def totals(archive: Archive, wanted: InboxFilter, page: int = 1) -> tuple[int, int, int]:
    """Sites on the page, sites and findings in all."""
    found = archive.inbox(wanted, InboxSort.SEVERITY, page, 1)
    return len(found.sites), found.total_sites, found.total_findings


def test_totals_on_a_page_and_past_the_last(archive: Archive) -> None:
    everything = archive.store.finding_lines(InboxFilter(state=None))
    assert len(everything) >= len(SUSPECTS)
    assert totals(archive, InboxFilter(state=None)) == (1, 1, len(everything))
    assert totals(archive, InboxFilter(state=None), page=2) == (0, 1, len(everything))
    assert totals(archive, InboxFilter(article_id=10**9)) == (0, 0, 0)
    assert totals(archive, InboxFilter(article_id=10**9), page=3) == (0, 0, 0)


def test_state_filter_keeps_the_findings_in_that_state(archive: Archive) -> None:
    everything = archive.store.finding_lines(InboxFilter(state=None))
    set_aside = everything[0].id
    archive.dismiss(Dismissal((set_aside,), DismissReason.QUOTATION, "lea", "cited"))
    open_lines = archive.store.finding_lines(InboxFilter(state=ReviewState.OPEN))
    assert set_aside not in {line.id for line in open_lines}
    assert len(open_lines) == len(everything) - 1
    assert totals(archive, InboxFilter(state=ReviewState.OPEN)) == (1, 1, len(everything) - 1)
    assert totals(archive, InboxFilter(state=ReviewState.DISMISSED)) == (1, 1, 1)
    [dismissed] = archive.store.finding_lines(InboxFilter(state=ReviewState.DISMISSED))
    assert (dismissed.id, dismissed.state) == (set_aside, ReviewState.DISMISSED)
    assert dismissed.reason == DismissReason.QUOTATION
    assert archive.inbox(InboxFilter(state=ReviewState.DISMISSED)).sites[0].findings == 1
    assert archive.store.site_finding_ids(None, InboxFilter(state=ReviewState.DISMISSED)) == [set_aside]
    assert totals(archive, InboxFilter(state=None)) == (1, 1, len(everything))
