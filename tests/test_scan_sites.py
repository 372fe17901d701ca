"""Sites and their settings (`compliance sites …`), schedules, discovery of page URLs from feeds and
sitemaps, and the in-process scheduler's jobs."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from watched import rss, sitemap, sitemap_index

from compliance.cli import main
from compliance.errors import FetchRefused, InputError
from compliance.pipeline import Archive
from compliance.records import Site
from compliance.scans.discovery import is_fresh, normal, read_seed
from compliance.scans.sites import checked_schedule, checked_site, is_due
from compliance.settings import Settings

AT = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


# --- sites on the command line --------------------------------------------------------------------


def test_sites_add_list_show_edit_remove(env: dict[str, str], runner: CliRunner) -> None:
    added = runner.invoke(
        main,
        ["sites", "add", "agreg", "--seed", "https://agreg.example/feed.xml", "--seed", "https://agreg.example/",
         "--schedule", "every 6h", "--delay", "2", "--json"],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    site = json.loads(added.output)
    assert site["domains"] == ["agreg.example"] and site["schedule"] == "every:6h" and site["delay"] == 2.0
    edited = runner.invoke(
        main, ["sites", "edit", "agreg", "--page-limit", "50", "--fresh-days", "3", "--json"]
    )
    assert json.loads(edited.output)["page_limit"] == 50 and json.loads(edited.output)["fresh_days"] == 3
    assert "agreg  every:6h" in runner.invoke(main, ["sites", "list"]).output
    assert "page limit: 50" in runner.invoke(main, ["sites", "show", "agreg"]).output
    assert runner.invoke(main, ["sites", "remove", "agreg"]).exit_code == 0
    assert runner.invoke(main, ["sites", "list"]).output.strip() == "no site"


def test_every_site_change_is_audited_and_the_chain_verifies(env: dict[str, str], runner: CliRunner) -> None:
    assert runner.invoke(main, ["sites", "add", "agreg", "--seed", "https://agreg.example/"]).exit_code == 0
    assert runner.invoke(main, ["sites", "add", "agreg", "--seed", "https://agreg.example/"]).exit_code == 2
    assert runner.invoke(main, ["sites", "edit", "agreg", "--rename", "agr", "--depth", "2"]).exit_code == 0
    assert runner.invoke(main, ["sites", "remove", "agr"]).exit_code == 0
    with Archive(Settings.from_env()) as archive:
        operator = archive.users.actor(None)
        entries = archive.audit.entries(operator)
    assert [(e.action, e.subject) for e in entries] == [
        ("site.add", "site:agreg"),
        ("site.update", "site:agreg"),
        ("site.remove", "site:agr"),
    ]  # the refused second add left nothing
    assert {e.actor for e in entries} == {operator.name} and operator.name.startswith("local:")
    assert json.loads(entries[1].details)["name"] == "agr" and json.loads(entries[1].details)["depth"] == 2
    verified = runner.invoke(main, ["audit", "verify"])
    assert verified.exit_code == 0 and "audit log intact: 3 entries" in verified.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sites", "add", "x", "--seed", "ftp://agreg.example/"], "invalid URL 'ftp://agreg.example/'"),
        (["sites", "add", "x", "--seed", "/relative"], "invalid URL '/relative'"),
        (["sites", "add", "x"], "needs at least one --seed URL"),
        (
            ["sites", "add", "x", "--seed", "https://a.example/", "--schedule", "weekly"],
            "invalid schedule 'weekly'",
        ),
        (["sites", "add", "x", "--seed", "https://a.example/", "--depth", "deep"], "--depth: not a number"),
        (["sites", "add", "x y", "--seed", "https://a.example/"], "site name 'x y'"),
        (["sites", "add", "x", "--seed", "https://a.example/", "--domain", "a b"], "invalid domain 'a b'"),
        (["sites", "show", "nowhere"], "no site called 'nowhere'"),
        (["sites", "edit", "nowhere", "--delay", "1"], "no site called 'nowhere'"),
        (["sites", "remove", "nowhere"], "no site called 'nowhere'"),
        (["scan", "--site", "nowhere"], "no site called 'nowhere'"),
        (["scan"], "no watched site"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_stored(
    env: dict[str, str], runner: CliRunner, args: list[str], message: str
) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.output.count("\n") == 1 and message in result.output
    with Archive(Settings.from_env()) as archive:
        assert archive.sites() == []


def test_a_taken_name_is_refused(env: dict[str, str], runner: CliRunner) -> None:
    args = ["sites", "add", "x", "--seed", "https://a.example/"]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, [*args[:-1], "https://b.example/"])
    assert again.exit_code == 2 and "already exists" in again.output
    with Archive(Settings.from_env()) as archive:
        assert archive.site("x").seeds == ("https://a.example/",)


# --- schedules ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [("daily", "daily@00:00"), ("daily@2:05", "daily@02:05"), ("hourly", "every:1h"),
     ("every:6h", "every:6h"), ("every 12h", "every:12h"), ("3h", "every:3h")],
)  # fmt: skip
def test_schedules_in_canonical_form(given: str, stored: str) -> None:
    assert checked_schedule(given) == stored


@pytest.mark.parametrize("given", ["daily@24:00", "every:0h", "every:200h", "weekly", "", "daily@7"])
def test_bad_schedules(given: str) -> None:
    with pytest.raises(InputError, match="invalid schedule"):
        checked_schedule(given)


@pytest.mark.parametrize(
    ("schedule", "last", "due"),
    [
        ("daily@02:00", None, True),
        ("daily@02:00", AT - timedelta(hours=9), False),  # 03:00 today: after today's 02:00
        ("daily@02:00", AT - timedelta(hours=11), True),  # 01:00 today: before it
        ("daily@13:00", AT - timedelta(hours=20), False),  # yesterday 16:00: after yesterday's 13:00
        ("every:6h", AT - timedelta(hours=5), False),
        ("every:6h", AT - timedelta(hours=6), True),
    ],
)
def test_is_due(schedule: str, last: datetime | None, due: bool) -> None:
    site = checked_site(Site("s", ("https://a.example/",), schedule=schedule))
    assert is_due(site, last, AT) is due


def test_scan_due_scans_only_what_is_due(env: dict[str, str], runner: CliRunner) -> None:
    with Archive(Settings.from_env()) as archive:
        site = archive.add_site(Site("s", ("http://127.0.0.1:9/",), schedule="every:6h"))
        assert site.id is not None
        scan, _ = archive.store.open_scan(site.id)
        archive.store.finish_scan(scan.id, scan.state.COMPLETE, None, 0)  # scanned just now
    record = json.loads(runner.invoke(main, ["scan", "--due", "--json"]).output)
    assert record["sites"] == [] and record["matches"] == []


# --- discovery --------------------------------------------------------------------------------------

BASE = "https://copies.example"


def test_a_feed_lists_its_entries_with_their_dates() -> None:
    listing = read_seed(BASE + "/rss", rss(BASE, [("/a?utm_source=x#top", AT), ("/b", AT)]).encode(), 10**6)
    assert listing.kind == "feed"
    assert [(lead.url, lead.published) for lead in listing.leads] == [(BASE + "/a", AT), (BASE + "/b", AT)]


def test_sitemaps_index_news_and_gzipped() -> None:
    index = read_seed(BASE + "/i.xml", sitemap_index(BASE, ["/s1.xml", "/s2.xml.gz"]).encode(), 10**6)
    assert index.kind == "sitemapindex" and index.sitemaps == (BASE + "/s1.xml", BASE + "/s2.xml.gz")
    news = read_seed(BASE + "/s1.xml", sitemap(BASE, ["/n"], news=True).encode(), 10**6)
    assert [lead.url for lead in news.leads] == [BASE + "/n"] and news.leads[0].published is not None
    zipped = read_seed(BASE + "/s2.xml.gz", gzip.compress(sitemap(BASE, ["/x", "/y", "/x"]).encode()), 10**6)
    assert [lead.url for lead in zipped.leads] == [BASE + "/x", BASE + "/y"]


def test_a_gzip_bomb_and_an_entity_bomb_are_refused() -> None:
    with pytest.raises(FetchRefused, match="too large once decompressed"):
        read_seed(BASE + "/b.xml.gz", gzip.compress(b"<urlset>" + b" " * 3_000_000), 10**6)
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE urlset [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        b"<urlset><url><loc>&b;</loc></url></urlset>"
    )
    with pytest.raises(Exception, match="unreadable sitemap"):
        read_seed(BASE + "/e.xml", laughs, 10**6)


def test_html_seed_links_and_freshness() -> None:
    page = b'<html><body><a href="/a#x">a</a><a href="/a">a</a><a href="https://ailleurs.example/z">z</a></body></html>'
    assert [lead.url for lead in read_seed(BASE + "/", page, 10**6).leads] == [
        BASE + "/a",
        "https://ailleurs.example/z",
    ]
    assert is_fresh(None, 2, AT) and is_fresh(AT - timedelta(days=1), 2, AT)
    assert not is_fresh(AT - timedelta(days=3), 2, AT) and is_fresh(AT - timedelta(days=300), None, AT)
    assert normal("HTTP://Copies.Example/a/?b=2&a=1#frag") == "http://copies.example/a/?a=1&b=2"


# --- the scheduler ----------------------------------------------------------------------------------


def test_the_scheduler_holds_one_job_per_site_on_its_schedule(env: dict[str, str]) -> None:
    from compliance.scans.schedule import scheduler_for, sync_jobs

    with Archive(Settings.from_env()) as archive:
        archive.add_site(Site("nuit", ("https://a.example/",), schedule="daily@02:30"))
        archive.add_site(Site("agreg", ("https://b.example/",), schedule="every:1h"))
        scheduler = scheduler_for(archive, background=True)
        jobs = {job.id: str(job.trigger) for job in scheduler.get_jobs()}
        assert jobs["site:nuit"] == "cron[hour='2', minute='30']"
        assert jobs["site:agreg"] == "interval[1:00:00]"
        archive.remove_site("agreg")
        archive.update_site("nuit", Site("nuit", ("https://a.example/",), schedule="every:2h"))
        sync_jobs(scheduler, archive)
        jobs = {job.id: str(job.trigger) for job in scheduler.get_jobs()}
        assert "site:agreg" not in jobs and jobs["site:nuit"] == "interval[2:00:00]"


def test_the_scheduler_runs_the_cases_rechecks(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    from compliance.scans.schedule import RECHECK_MINUTES, scheduler_for

    with Archive(Settings.from_env()) as archive:
        job = scheduler_for(archive, background=True).get_job("recheck")
        assert job is not None and str(job.trigger) == f"interval[{timedelta(minutes=RECHECK_MINUTES)}]"
        calls: list[datetime | None] = []
        monkeypatch.setattr(archive, "recheck_due", lambda now=None, actor=None: calls.append(now) or [])
        job.func(*job.args)
        assert len(calls) == 1 and calls[0] is not None and calls[0].tzinfo is not None
