"""A seed's fetched bytes in, the site's page URLs out (`Listing`), each with its date if known.

    RSS or Atom feed      ─► entry links, published (or updated) date        (feedparser)
    sitemap, news sitemap ─► <loc>, <lastmod> or <news:publication_date>     (defusedxml)
    sitemap index         ─► more sitemaps to read
    HTML page             ─► its links (followed up to the site's depth)
    gzipped (.xml.gz)     ─► unzipped first, never past the size limit (a gzip bomb is refused)

Nothing here fetches: the scan fetches every seed through the safe fetcher and hands the bytes
over. URLs are normalised and de-duplicated with courlan (fragment dropped, query sorted,
tracking parameters removed).

This is the only module that imports feedparser, defusedxml and courlan.
"""

from __future__ import annotations

import calendar
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urljoin

import courlan
import feedparser
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from compliance.capture.content import decode_content
from compliance.capture.html import links_of
from compliance.errors import ComplianceError, ExtractionError

log = logging.getLogger(__name__)

GZIP_MAGIC = b"\x1f\x8b"
SITEMAP_ROOT = re.compile(rb"<(?:[\w.-]+:)?(urlset|sitemapindex)\b")
FEED_ROOT = re.compile(rb"<(?:[\w.-]+:)?(rss|feed|rdf:RDF)\b")
SNIFF = 2048


@dataclass(frozen=True)
class Lead:
    """A page URL found by discovery, with its publication date when the seed gave one."""

    url: str
    published: datetime | None = None


@dataclass(frozen=True)
class Listing:
    """What one seed holds: page URLs, and more sitemaps to read (from a sitemap index)."""

    kind: str  # "feed", "sitemap", "sitemapindex" or "html"
    leads: tuple[Lead, ...]
    sitemaps: tuple[str, ...] = ()


def read_seed(url: str, body: bytes, limit: int) -> Listing:
    """The page URLs a fetched seed lists; ExtractionError if it is none of the known kinds."""
    if body.startswith(GZIP_MAGIC):
        body = decode_content(body, "gzip", url, limit)
    head = body[:SNIFF]
    if root := SITEMAP_ROOT.search(head):
        return _sitemap(url, body, "sitemapindex" if root[1] == b"sitemapindex" else "sitemap")
    if FEED_ROOT.search(head):
        return _feed(url, body)
    try:
        return Listing("html", tuple(Lead(link) for link in _normal_all(links_of(body, url))))
    except ComplianceError as exc:
        raise ExtractionError(f"{url}: neither a feed, a sitemap nor an HTML page ({exc})") from None


def normal(url: str) -> str | None:
    """`url` normalised for de-duplication (no fragment, sorted query, no tracking), or None if unusable."""
    try:
        return courlan.normalize_url(url.split("#", 1)[0].strip())
    except (ValueError, AttributeError):
        return None


def is_fresh(published: datetime | None, fresh_days: int | None, at: datetime) -> bool:
    """Whether a page published then lies in the freshness window (an unknown date is fresh)."""
    return published is None or fresh_days is None or published >= at - timedelta(days=fresh_days)


def parse_date(text: str | None) -> datetime | None:
    """An ISO 8601 date or datetime (a sitemap's, a page's own) in UTC, or None."""
    if not text:
        return None
    value = text.strip().replace("Z", "+00:00")
    try:
        found = datetime.fromisoformat(value) if "T" in value or " " in value else None
        found = found or datetime.combine(date.fromisoformat(value[:10]), datetime.min.time())
    except ValueError:
        return None
    return found.replace(tzinfo=UTC) if found.tzinfo is None else found.astimezone(UTC)


def _normal_all(urls: tuple[str, ...] | list[str]) -> list[str]:
    return list(dict.fromkeys(u for u in map(normal, urls) if u))


def _feed(url: str, body: bytes) -> Listing:
    parsed = feedparser.parse(body)
    leads: dict[str, Lead] = {}
    for entry in parsed.entries:
        link = normal(urljoin(url, entry.get("link", "")))
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        if link:
            stamp = datetime.fromtimestamp(calendar.timegm(when), UTC) if when else None
            leads.setdefault(link, Lead(link, stamp))
    if not leads and parsed.bozo:
        raise ExtractionError(f"{url}: unreadable feed ({parsed.get('bozo_exception')})")
    return Listing("feed", tuple(leads.values()))


def _sitemap(url: str, body: bytes, kind: str) -> Listing:
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise ExtractionError(f"{url}: unreadable sitemap ({exc})") from None
    entries = [_entry(url, element) for element in root if _local(element.tag) in ("url", "sitemap")]
    found = [(link, when) for link, when in entries if link]
    if kind == "sitemapindex":
        return Listing(kind, (), tuple(link for link, _ in found))
    leads: dict[str, Lead] = {}
    for link, when in found:
        leads.setdefault(link, Lead(link, when))  # the first of repeats wins
    return Listing(kind, tuple(leads.values()))


def _entry(url: str, element: ElementTree.Element) -> tuple[str | None, datetime | None]:
    """An <url> or <sitemap> element's location and date (a news sitemap's publication date first)."""
    texts = {_local(child.tag): (child.text or "").strip() for child in element.iter()}
    when = parse_date(texts.get("publication_date")) or parse_date(texts.get("lastmod"))
    return normal(urljoin(url, texts.get("loc", ""))) if texts.get("loc") else None, when


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1]
