"""Scan leads in the store: the database decides who visits a page (store/leads.py), on SQLite and
PostgreSQL. A claim is taken by one owner at a time, lapses when its owner dies, and a completion
by an owner who lost the claim stores nothing; the scan completes once, when no lead is open."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from compliance.errors import ClaimLost
from compliance.records import LeadDone, LeadState, PageStatus, ScanPage, ScanState, ScanStep, Site
from compliance.settings import Settings
from compliance.store import Store


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store(Settings(database_url=database_url)) as opened:
        yield opened


def started_scan(store: Store, urls: list[str]) -> tuple[int, int]:
    """A site and its running scan with `urls` as leads; (site id, scan id)."""
    site = store.add_site(Site("copies", ("http://copies.example/",), ("copies.example",)))
    assert site.id is not None
    scan, resumed = store.open_scan(site.id)
    assert not resumed and not scan.leads_ready
    store.add_leads(scan.id, [(url, None) for url in urls])
    return site.id, scan.id


def test_a_lead_is_held_by_one_owner_until_its_claim_lapses(store: Store) -> None:
    _, scan_id = started_scan(store, ["http://copies.example/a"])
    [lead_id] = store.open_leads(scan_id)
    held = store.claim_lead(lead_id, "a", 0.5, page_limit=10)
    assert held is not None and held.state == LeadState.CLAIMED
    assert store.claim_lead(lead_id, "b", 60, page_limit=10) is None  # a holds it
    assert store.claim_lead(lead_id, "a", 0.5, page_limit=10) is not None  # a retried task: still a's
    assert store.claim_next_lead(scan_id, "b", 60, page_limit=10) is None
    time.sleep(0.6)  # a died: its claim lapses
    assert store.claim_next_lead(scan_id, "b", 60, page_limit=10) is not None


def test_a_completion_by_an_owner_who_lost_the_claim_stores_nothing(store: Store) -> None:
    site_id, scan_id = started_scan(store, ["http://copies.example/a"])
    [lead_id] = store.open_leads(scan_id)
    assert store.claim_lead(lead_id, "a", 0.2, page_limit=10) is not None
    time.sleep(0.3)
    assert store.claim_lead(lead_id, "b", 60, page_limit=10) is not None  # took it over
    page = ScanPage("http://copies.example/a", PageStatus.FETCHED)
    late = ScanStep(scan_id, site_id, page, LeadDone(lead_id, "a", ("http://copies.example/b",), 2))
    with pytest.raises(ClaimLost):
        store.save_scan_page(late)
    assert store.scan_pages(scan_id) == [] and store.open_leads(scan_id) == [lead_id]  # nothing stored

    store.save_scan_page(
        ScanStep(scan_id, site_id, page, LeadDone(lead_id, "b", ("http://copies.example/b",), 2))
    )
    [stored] = store.scan_pages(scan_id)
    assert stored.url == page.url
    [link] = store.open_leads(scan_id)  # the page's link, stored as a lead in the same transaction
    found = store.lead(link)
    assert found is not None and found.url == "http://copies.example/b" and found.depth == 2


def test_the_scan_completes_once_when_no_lead_is_open(store: Store) -> None:
    site_id, scan_id = started_scan(store, ["http://copies.example/a", "http://copies.example/a"])
    [lead_id] = store.open_leads(scan_id)  # one lead per URL
    assert store.finish_scan_if_done(scan_id) is False
    assert store.claim_lead(lead_id, "a", 60, page_limit=10) is not None
    page = ScanPage("http://copies.example/a", PageStatus.FETCHED)
    store.save_scan_page(ScanStep(scan_id, site_id, page, LeadDone(lead_id, "a")))
    assert store.finish_scan_if_done(scan_id) is True
    assert store.finish_scan_if_done(scan_id) is False  # the second worker to look does nothing
    scan = store.get_scan(scan_id)
    assert scan is not None and scan.state == ScanState.COMPLETE and scan.discovered == 1


def test_past_the_page_limit_the_remaining_leads_are_dropped(store: Store) -> None:
    site_id, scan_id = started_scan(store, [f"http://copies.example/{i}" for i in range(3)])
    first = store.claim_next_lead(scan_id, "a", 60, page_limit=1)
    assert first is not None
    page = ScanPage(first.url, PageStatus.FETCHED)
    store.save_scan_page(ScanStep(scan_id, site_id, page, LeadDone(first.id, "a")))
    assert store.claim_next_lead(scan_id, "a", 60, page_limit=1) is None
    assert store.lead_counts(scan_id) == {"pending": 0, "claimed": 0, "done": 1, "dropped": 2}
    assert store.finish_scan_if_done(scan_id) is True


def test_a_claimed_lead_given_back_is_claimable_again(store: Store) -> None:
    _, scan_id = started_scan(store, ["http://copies.example/a"])
    lead = store.claim_next_lead(scan_id, "a", 60, page_limit=10)
    assert lead is not None
    assert store.lead_claimed_until(lead.id) is not None
    until = store.lead_claimed_until(lead.id)
    assert until is not None and until > datetime.now(UTC) + timedelta(seconds=50)
    store.release_lead(lead.id, "a")
    assert store.lead_claimed_until(lead.id) is None
    assert store.claim_next_lead(scan_id, "b", 60, page_limit=10) is not None
