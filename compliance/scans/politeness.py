"""How a scan behaves towards the sites it reads: robots.txt, delays, back-off.

    Hosts   one pace per host (and port), shared by every site scanned at once: a request to a host waits
            until the host's delay (the site's minimum, or robots.txt's Crawl-delay if longer)
            has passed since the previous request started, and after a 429/503 until its
            Retry-After has passed; the wait happens before every request the fetcher sends,
            redirects and retries included.
    SharedHosts  the same, with the pace kept in the database: Celery workers in many processes
            (and hosts) book each request's start there, so a site sees one pace, not one per worker.
    Robots  robots.txt per origin (protego), fetched once a scan through the safe fetcher:
            a missing one (4xx) allows everything; one that cannot be read now (5xx, timeout,
            DNS) raises RobotsUnavailable: the pages of that origin are not fetched.

This is the only module that imports protego.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import urlsplit

from protego import Protego

from compliance.capture.fetch import fetch
from compliance.errors import FetchError, FetchFailed, FetchRefused
from compliance.settings import Settings

ROBOTS_BYTES = 500 * 1024  # RFC 9309: at least 500 KiB are read, the rest may be ignored


class RobotsUnavailable(FetchFailed):
    """robots.txt could not be read now: nothing of its origin may be fetched this scan."""


@dataclass
class _Gate:
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_at: float = 0.0
    last_at: float = -1e9  # when the latest request started
    delay: float = 0.0


class Hosts:
    """The pace of requests to each host: one at a time, at least the host's delay apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._gates: dict[str, _Gate] = {}

    def _gate(self, url: str) -> _Gate:
        # Keyed by host and port: two servers on one address are two hosts to be polite to.
        with self._lock:
            return self._gates.setdefault(_key(url), _Gate())

    def slow_down(self, url: str, delay: float) -> None:
        """Keep at least `delay` seconds between two requests to the host of `url`."""
        gate = self._gate(url)
        with gate.lock:  # a Crawl-delay read from robots.txt applies from that very request on
            gate.delay = max(gate.delay, delay)
            gate.next_at = max(gate.next_at, gate.last_at + gate.delay)

    def pace(self, url: str) -> None:
        """Wait until a request to the host of `url` may start, and book its start."""
        gate = self._gate(url)
        with gate.lock:
            wait = gate.next_at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            gate.last_at = time.monotonic()
            gate.next_at = gate.last_at + gate.delay

    def back_off(self, url: str, seconds: float) -> None:
        """No request to the host of `url` for `seconds` (a 429 or 503, its Retry-After)."""
        gate = self._gate(url)
        with gate.lock:
            gate.next_at = max(gate.next_at, time.monotonic() + seconds)


class PaceBook(Protocol):
    """Where the workers book their requests to each host (the Store)."""

    def book_host(self, host: str, delay: float) -> float: ...

    def hold_host(self, host: str, seconds: float) -> None: ...


class SharedHosts(Hosts):
    """One pace per host shared by every process that books through `book` (the database)."""

    def __init__(self, book: PaceBook) -> None:
        super().__init__()
        self.book = book

    def pace(self, url: str) -> None:
        """Wait until the host's next start booked for us, `delay` after the one before (any process)."""
        gate = self._gate(url)
        with gate.lock:
            wait = self.book.book_host(_key(url), gate.delay)
            if wait > 0:
                time.sleep(wait)
            gate.last_at = time.monotonic()

    def back_off(self, url: str, seconds: float) -> None:
        """No request to the host of `url` for `seconds`, from any process."""
        super().back_off(url, seconds)
        self.book.hold_host(_key(url), seconds)


def _key(url: str) -> str:
    return urlsplit(url).netloc.lower()[:255]


class Robots:
    """robots.txt rules for every origin a scan touches, read once each."""

    def __init__(self, settings: Settings, hosts: Hosts) -> None:
        self.settings = settings
        self.hosts = hosts
        self._lock = threading.Lock()
        self._rules: dict[str, Protego | RobotsUnavailable | None] = {}

    def allowed(self, url: str) -> bool:
        """Whether our user agent may fetch `url`; RobotsUnavailable if robots.txt cannot be read."""
        rules = self._for(url)
        return rules is None or rules.can_fetch(url, self.settings.user_agent)

    def crawl_delay(self, url: str) -> float:
        """The Crawl-delay robots.txt asks of us for the origin of `url` (0 if none)."""
        rules = self._for(url)
        delay = rules.crawl_delay(self.settings.user_agent) if rules is not None else None
        return float(delay or 0.0)

    def _for(self, url: str) -> Protego | None:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            if origin not in self._rules:
                self._rules[origin] = self._read(origin + "/robots.txt")
            rules = self._rules[origin]
        if isinstance(rules, RobotsUnavailable):
            raise rules
        return rules

    def _read(self, url: str) -> Protego | RobotsUnavailable | None:
        try:
            result = fetch(url, self.settings, pace=self.hosts.pace, any_type=True)
        except (FetchRefused, FetchFailed) as exc:
            if isinstance(exc, FetchRefused):
                return None  # the pages would be refused alike: nothing to obey
            return RobotsUnavailable(f"robots.txt unavailable: {exc}")
        except FetchError:
            return None  # 4xx: no robots.txt, everything is allowed (RFC 9309 2.3.1.3)
        return Protego.parse(result.body[:ROBOTS_BYTES].decode("utf-8", errors="replace"))
