"""A site as a user typed it in, a checked `records.Site` out; and when a site is due.

Every rule about a site's settings lives here: seeds are absolute http(s) URLs, domains default
to the seeds' hosts, the schedule is `daily@HH:MM` (UTC) or `every:Nh`. A bad value raises
InputError naming the field and the value: nothing is stored.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from compliance.errors import InputError
from compliance.records import Site

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
DOMAIN = re.compile(r"(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*")
DAILY = re.compile(r"daily(?:@([01]?\d|2[0-3]):([0-5]\d))?")
EVERY = re.compile(r"(?:every[: ]?)?(\d{1,3})\s*h")
MAX_DEPTH = 5


def checked_site(site: Site) -> Site:
    """`site` with its values checked and put in canonical form (InputError if one is wrong)."""
    if not NAME.fullmatch(site.name):
        raise InputError(f"site name {site.name!r}: use letters, digits, '.', '_' or '-' (64 at most)")
    if not site.seeds:
        raise InputError(f"site {site.name!r} needs at least one --seed URL")
    seeds = tuple(dict.fromkeys(checked_url(seed) for seed in site.seeds))
    domains = tuple(dict.fromkeys(checked_domain(d) for d in site.domains)) or tuple(
        dict.fromkeys(host(seed) for seed in seeds)
    )
    if not 0 <= site.depth <= MAX_DEPTH:
        raise InputError(f"depth must lie between 0 and {MAX_DEPTH}, got {site.depth}")
    if site.page_limit < 1:
        raise InputError(f"page limit must be at least 1, got {site.page_limit}")
    if not 0 <= site.delay <= 3600:
        raise InputError(f"delay must lie between 0 and 3600 seconds, got {site.delay:g}")
    if site.fresh_days is not None and site.fresh_days < 1:
        raise InputError(f"freshness must be at least 1 day, got {site.fresh_days}")
    return replace(site, seeds=seeds, domains=domains, schedule=checked_schedule(site.schedule))


def checked_url(url: str) -> str:
    """An absolute http(s) URL with a host, as given; InputError otherwise."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"invalid URL {url!r}: give an absolute http:// or https:// URL")
    return url.strip()


def checked_domain(domain: str) -> str:
    """A host name or IP address in lower case; InputError otherwise."""
    value = domain.strip().lower().rstrip(".")
    if not DOMAIN.fullmatch(value):
        raise InputError(f"invalid domain {domain!r}")
    return value


def checked_schedule(text: str) -> str:
    """`daily@HH:MM` or `every:Nh` (also `daily`, `hourly`, `every 6h`, `6h`); InputError otherwise."""
    value = text.strip().lower()
    if value == "hourly":
        return "every:1h"
    if daily := DAILY.fullmatch(value):
        hour, minute = (int(daily[1]), int(daily[2])) if daily[1] else (0, 0)
        return f"daily@{hour:02d}:{minute:02d}"
    if (every := EVERY.fullmatch(value)) and 1 <= int(every[1]) <= 168:
        return f"every:{int(every[1])}h"
    raise InputError(f"invalid schedule {text!r}: use daily@HH:MM (UTC) or every:Nh (1 to 168 hours)")


def host(url: str) -> str:
    """The host of a URL, in lower case, without its port."""
    return (urlsplit(url).hostname or "").lower()


def on_site(url: str, domains: tuple[str, ...]) -> bool:
    """Whether `url` lies on one of the site's domains (a subdomain counts)."""
    name = host(url)
    return any(name == d or name.endswith("." + d) for d in domains)


def last_due(schedule: str, at: datetime) -> datetime | None:
    """The latest time at or before `at` when a daily schedule fell due; None for an interval."""
    daily = DAILY.fullmatch(schedule)
    if not daily:
        return None
    hour, minute = (int(daily[1]), int(daily[2])) if daily[1] else (0, 0)
    today = at.astimezone(UTC).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return today if today <= at else today - timedelta(days=1)


def is_due(site: Site, last_started: datetime | None, at: datetime) -> bool:
    """Whether the site's schedule calls for a scan at `at`, given when its last scan started."""
    if last_started is None:
        return True
    since = last_due(site.schedule, at)
    if since is not None:
        return last_started < since
    hours = int(EVERY.fullmatch(site.schedule)[1])  # type: ignore[index]  # checked when stored
    return at - last_started >= timedelta(hours=hours)
