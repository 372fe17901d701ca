"""One suspect URL in, a `FetchResult` out: the bytes, the headers and the redirect chain.

    url ─► vet (vet.py: scheme, credentials, one DNS answer, public addresses only)
        ─► send (transport.py: pinned connection, bounded body), once more after a dropped
           connection or a 502/503/504
        ─► a redirect? its target is vetted and sent in turn, up to max_redirects, never a loop
        ─► content coding removed, type sniffed (content.py) ─► FetchResult

Size, time and redirects are bounded: every read and connection has its timeout, and the whole
fetch (connecting, status lines, headers, bodies, every redirect and the retry) has one deadline,
`settings.fetch_deadline` (deadline.py). Only HTML, plain text and PDF are accepted (any type with
`any_type`, for the feeds, sitemaps and robots.txt a scan reads). A scan also passes conditional
`headers` (a 304 answer then comes back as a result with an empty body, not an error), a `pace`
called before every request it sends (redirects included), and `retry=False` to back off on
its own terms. `deliver` POSTs a body (a webhook) under the same rules, without redirects. A failed fetch
yields nothing to keep, and its error says whether to try again:

    FetchRefused  never: unsafe address, scheme or host, bad URL (control characters too), header
                  section, body or decompressed size over the limit, refused content type,
                  too many redirects, a redirect loop
    FetchFailed   later: timeout or deadline passed, connection or TLS error, DNS failure, HTTP 5xx
                  (after the retry), 408 and 429 (with `retry_after` when the server says how long)
    FetchError    not as such: the server answered, but with something a retry will not mend
                  (another 4xx, a redirect without Location, a corrupt compressed body)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from compliance.capture.content import content_type, decode_content, media_type
from compliance.capture.deadline import Deadline
from compliance.capture.transport import (
    ConnectionFailed,
    Exchange,
    PreparedRequest,
    Session,
    make_safe,
    new_session,
    prepare,
    send,
)
from compliance.capture.vet import Resolver
from compliance.errors import FetchError, FetchFailed, FetchRefused
from compliance.settings import Settings

__all__ = ["Exchange", "FetchResult", "Pace", "Resolver", "deliver", "fetch"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
LATER_STATUSES = frozenset({408, 429})  # with 5xx: the server may answer later
RETRY_DELAY = 0.2  # seconds before the one retry; tests lower it
RETRY_AFTER_MAX = 7 * 24 * 3600.0  # a longer Retry-After is read as this: a week is "much later"
CONDITIONAL = ("If-None-Match", "If-Modified-Since")
Pace = Callable[[str], None]  # called with each URL just before it is sent


@dataclass(frozen=True)
class FetchResult:
    """A successful fetch: the final response, and every exchange of the redirect chain."""

    requested_url: str
    final_url: str
    redirects: tuple[str, ...]  # each redirect target followed, in order; the last is final_url
    status: int
    headers: dict[str, str]  # final response; repeated headers joined with ", "
    body: bytes  # content coding removed
    server_ip: str
    content_type: str  # "text/html", "text/plain" or "application/pdf"
    charset: str | None  # the charset the Content-Type header declared, if any
    fetched_at: datetime
    request_headers: dict[str, str]
    http_version: str
    exchanges: tuple[Exchange, ...]  # redirects first, the final exchange last

    @property
    def raw_headers(self) -> tuple[tuple[str, str], ...]:
        return self.exchanges[-1].raw_headers


@dataclass(frozen=True)
class _Options:
    headers: Mapping[str, str]
    pace: Pace | None
    retry: bool
    any_type: bool


def fetch(
    url: str,
    settings: Settings,
    *,
    resolver: Resolver | None = None,
    session: Session | None = None,
    headers: Mapping[str, str] | None = None,
    pace: Pace | None = None,
    retry: bool = True,
    any_type: bool = False,
) -> FetchResult:
    """Fetch `url` safely, following redirects; FetchError (or a subclass) when refused or failed.

    A given `session` is made safe first (pinned adapters mounted, environment ignored); its
    cookies and `verify` (a CA bundle, for tests) are used.
    """
    own = session is None
    active = session if session is not None else new_session()
    make_safe(active)
    options = _Options(headers or {}, pace, retry, any_type)
    try:
        with Deadline(settings.fetch_deadline) as deadline:
            return _follow(url, settings, resolver, active, options, deadline)
    finally:
        if own:
            active.close()


def deliver(
    url: str, body: bytes, headers: Mapping[str, str], settings: Settings, *, resolver: Resolver | None = None
) -> int:
    """POST `body` to `url` under the fetching rules (vetted address, bounded time); the 2xx status."""
    with new_session() as session, Deadline(settings.fetch_deadline) as deadline:
        prepared = prepare(session, url, settings, resolver, headers, body)
        exchange, answer = send(session, prepared, settings, deadline)
    if not 200 <= exchange.status < 300:
        raise _status_error(exchange, answer, url)
    return exchange.status


def _follow(
    url: str,
    settings: Settings,
    resolver: Resolver | None,
    session: Session,
    options: _Options,
    deadline: Deadline,
) -> FetchResult:
    """Send `url`, then each redirect target in turn, until a response that is not a redirect."""
    exchanges: list[Exchange] = []
    redirects: list[str] = []
    current = url
    while True:
        prepared = prepare(session, current, settings, resolver, options.headers)
        exchange, headers = _send_with_retry(session, prepared, settings, options, deadline)
        exchanges.append(exchange)
        if exchange.status not in REDIRECT_STATUSES:
            break
        current = _redirect_target(url, current, exchange.status, headers, redirects, settings)
        redirects.append(current)
    if exchange.status == 304 and any(name in options.headers for name in CONDITIONAL):
        return _result(url, current, tuple(redirects), exchanges, headers, settings, options)
    if not 200 <= exchange.status < 300:
        raise _status_error(exchange, headers, current)
    return _result(url, current, tuple(redirects), exchanges, headers, settings, options)


def _redirect_target(
    url: str, current: str, status: int, headers: Mapping[str, str], redirects: list[str], settings: Settings
) -> str:
    """Where a redirect from `current` leads; refused if already visited or one hop too many."""
    location = headers.get("Location", "").strip()
    if not location:
        raise FetchError(f"HTTP {status} without Location from {current}")
    following = urljoin(current, location)
    if _without_fragment(following) in {_without_fragment(seen) for seen in (url, *redirects)}:
        raise FetchRefused(f"redirect loop at {following} (from {url})")
    if len(redirects) >= settings.max_redirects:
        raise FetchRefused(f"too many redirects from {url}: more than {settings.max_redirects}")
    return following


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _send_with_retry(
    session: Session, prepared: PreparedRequest, settings: Settings, options: _Options, deadline: Deadline
) -> tuple[Exchange, Mapping[str, str]]:
    """One GET, retried once after a connection error or a 502/503/504 (GET is idempotent)."""
    if options.pace is not None:
        options.pace(prepared.url or "")
    try:
        exchange, headers = send(session, prepared, settings, deadline)
    except ConnectionFailed as exc:
        if not options.retry:
            raise
        log.info("retrying after: %s", exc)
    else:
        if exchange.status not in RETRY_STATUSES or not options.retry:
            return exchange, headers
        log.info("retrying %s after HTTP %s", exchange.url, exchange.status)
    time.sleep(min(RETRY_DELAY, deadline.remaining()))
    if options.pace is not None:
        options.pace(prepared.url or "")
    return send(session, prepared, settings, deadline)


def _status_error(exchange: Exchange, headers: Mapping[str, str], url: str) -> FetchError:
    """The error for a final status outside 2xx: FetchFailed if the server may answer later."""
    message = f"HTTP {exchange.status} {exchange.reason} from {url}".strip()
    if exchange.status < 500 and exchange.status not in LATER_STATUSES:
        refused = FetchError(message)
        refused.status = exchange.status  # a re-check reads 404 and 410 as "the copy is gone"
        return refused
    error = FetchFailed(message)
    error.status = exchange.status
    error.retry_after = _retry_after(headers.get("Retry-After", ""))
    error.status = exchange.status
    return error


def _retry_after(value: str) -> float | None:
    """The seconds a Retry-After header asks to wait (a number or an HTTP date), or None."""
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²", which float() refuses
        return min(float(value), RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo is not None else when.replace(tzinfo=UTC)  # HTTP dates are GMT
    return min(max(0.0, (when - datetime.now(UTC)).total_seconds()), RETRY_AFTER_MAX)


def _result(
    requested: str,
    final: str,
    redirects: tuple[str, ...],
    exchanges: list[Exchange],
    headers: Mapping[str, str],
    settings: Settings,
    options: _Options,
) -> FetchResult:
    last = exchanges[-1]
    body = decode_content(last.raw_body, headers.get("Content-Encoding", ""), final, settings.max_bytes)
    mime, charset = media_type(headers.get("Content-Type", ""))
    kind = mime if options.any_type or last.status == 304 else content_type(mime, body)
    return FetchResult(
        requested_url=requested,
        final_url=final,
        redirects=redirects,
        status=last.status,
        headers=dict(headers),
        body=body,
        server_ip=last.server_ip,
        content_type=kind,
        charset=charset,
        fetched_at=last.fetched_at,
        request_headers=dict(last.request_headers),
        http_version=last.http_version,
        exchanges=tuple(exchanges),
    )
