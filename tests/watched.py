"""A watched site for the scan tests, served on 127.0.0.1: copies of our fixture articles, a home
page, an RSS feed, a sitemap index with a news sitemap and a gzipped one, robots.txt rules, and
pages that fail (500, a redirect loop, a body over the size limit, a slow drip, a 429 with
Retry-After). Every request is logged with its time (`WatchedSite.log`), so tests read politeness
and conditional requests from what the server saw, never from the wall clock of the test.
"""

from __future__ import annotations

import gzip
import hashlib
import html
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import urlsplit

from factories import fixture_bodies
from sites import local_server, running

NOW = datetime.now(UTC)
LAST_MODIFIED = format_datetime(datetime(2024, 3, 12, 10, 0, tzinfo=UTC), usegmt=True)
OWN_WORDS = (
    "Notre revue du jour rassemble les nouvelles de la région, choisies par la rédaction pour ses "
    "lecteurs fidèles, avec les rendez-vous culturels et la météo des plages."
)


@dataclass
class Hit:
    """One request the site received: when (monotonic), what, with which headers, and the answer."""

    at: float
    path: str
    headers: dict[str, str]
    status: int = 0


@dataclass
class WatchedSite:
    """The site's content (path → body) and its request log."""

    url: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    pages: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # path → (body, content type)
    routes: dict[str, Callable[[Any], None]] = field(default_factory=dict)
    log: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def page(self, path: str, body: str | bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.pages[path] = (body.encode("utf-8") if isinstance(body, str) else body, content_type)

    def requested(self, path: str) -> list[Hit]:
        return [hit for hit in self.log if urlsplit(hit.path).path == path]

    def paths(self) -> set[str]:
        return {urlsplit(hit.path).path for hit in self.log}


def copy_page(title: str, body: str, links: tuple[str, ...] = ()) -> str:
    """A copy site's page reproducing `body` whole, with its own words around it."""
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in body.split("\n\n"))
    anchors = "".join(f'<a href="{link}">suite</a> ' for link in links)
    return (
        f"<html><head><title>{html.escape(title)}</title></head><body><nav>{anchors}</nav>"
        f"<article><h1>{html.escape(title)}</h1>{paragraphs}</article><footer><p>{OWN_WORDS}</p></footer>"
        "</body></html>"
    )


def rss(base: str, paths: list[tuple[str, datetime]]) -> str:
    items = "".join(
        f"<item><title>{p}</title><link>{base}{p}</link>"
        f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate></item>"
        for p, when in paths
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Copies</title>{items}</channel></rss>'


def sitemap(base: str, paths: list[str], news: bool = False) -> str:
    space = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    space += ' xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"' if news else ""
    date = NOW.isoformat()
    extra = f"<news:news><news:publication_date>{date}</news:publication_date></news:news>" if news else ""
    urls = "".join(f"<url><loc>{base}{p}</loc><lastmod>{date[:10]}</lastmod>{extra}</url>" for p in paths)
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {space}>{urls}</urlset>'


def sitemap_index(base: str, paths: list[str]) -> str:
    maps = "".join(f"<sitemap><loc>{base}{p}</loc></sitemap>" for p in paths)
    return f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{maps}</sitemapindex>'


def planted_site(site: WatchedSite, count: int = 8) -> dict[str, int]:
    """Fill `site` with `count` copies of fixture articles reached by every kind of seed.

    Returns planted path → index of the fixture article it copies. /private/ holds a copy too,
    which robots.txt forbids: it must never be requested.
    """
    bodies, base = fixture_bodies(), site.url
    planted = {f"/a/{i}.html": i for i in range(1, count)}
    planted["/deep/8.html"] = 8  # linked only from /a/2.html: found at depth 2
    for path, i in planted.items():
        links = ("/deep/8.html",) if path == "/a/2.html" else ()
        site.page(path, copy_page(f"Copie {i}", bodies[i], links))
    site.page("/private/9.html", copy_page("Copie privée", bodies[9]))
    site.page("/about.html", copy_page("À propos", OWN_WORDS))
    site.page("/robots.txt", "User-agent: *\nDisallow: /private/\n", "text/plain")
    home_links = ("/a/1.html", "/a/2.html", "/private/9.html", "/about.html")
    site.page("/", copy_page("Accueil", OWN_WORDS, home_links))
    site.page(
        "/feed.xml",
        rss(base, [("/a/3.html", NOW), ("/a/4.html", NOW - timedelta(hours=3))]),
        "application/rss+xml",
    )
    site.page(
        "/sitemap-index.xml",
        sitemap_index(base, ["/sitemap-news.xml", "/sitemap-more.xml.gz"]),
        "application/xml",
    )
    site.page("/sitemap-news.xml", sitemap(base, ["/a/5.html"], news=True), "application/xml")
    site.page(
        "/sitemap-more.xml.gz",
        gzip.compress(sitemap(base, ["/a/6.html", "/a/7.html"]).encode()),
        "application/gzip",
    )
    return planted


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: WatchedSite

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        hit = Hit(time.monotonic(), self.path, dict(self.headers.items()))
        with self.site.lock:
            self.site.log.append(hit)
        path = urlsplit(self.path).path
        if path in self.site.routes:
            self.site.routes[path](self)
            hit.status = -1
            return
        if path not in self.site.pages:
            hit.status = 404
            self.answer(404, b"<h1>Not Found</h1>")
            return
        body, kind = self.site.pages[path]
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED}
        if self.headers.get("If-None-Match") == etag:
            hit.status = 304
            self.answer(304, b"", kind, validators)
            return
        hit.status = 200
        self.answer(200, body, kind, validators)

    def answer(
        self,
        status: int,
        body: bytes,
        kind: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if status != 304:
            self.wfile.write(body)


@contextmanager
def serve_watched() -> Iterator[WatchedSite]:
    """A WatchedSite on 127.0.0.1 (empty: fill it with `planted_site` or `page`), stopped on exit."""
    server = local_server(_Handler)
    port = server.server_address[1]
    site = WatchedSite(url=f"http://127.0.0.1:{port}", port=port)
    server.RequestHandlerClass = type("Handler", (_Handler,), {"site": site})
    with running(server):
        yield site
