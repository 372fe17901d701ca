"""One suspect URL in, a `FetchResult` out: the bytes, the headers and the redirect chain.

A URL given by a user is untrusted (DESIGN.md, "Safety rules"). Before any connection, `vet`
checks the scheme, refuses credentials, resolves the host once and refuses loopback, private,
link-local, multicast, reserved, shared and metadata addresses (IP literals in any notation
too), unless the host is in `settings.fetch_allow_hosts`. The request then goes to the vetted
address itself (`PinnedAdapter`), so a second DNS answer can never redirect it (DNS rebinding);
the Host header and the TLS server name and certificate check stay on the URL's host. Redirects
are followed by hand and vetted hop by hop. Size, time and redirects are bounded; only HTML,
plain text and PDF are accepted. A failed fetch raises `FetchError` and yields nothing to keep.

This is the only module that imports requests.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
import time
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from compliance.errors import FetchError
from compliance.settings import Settings

log = logging.getLogger(__name__)

Resolver = Callable[[str, int], list[str]]
Address = ipaddress.IPv4Address | ipaddress.IPv6Address

RETRY_STATUSES = frozenset({502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_DELAY = 0.2  # seconds before the one retry; tests lower it
BODY_TIME_FACTOR = 4  # a body must arrive within this many read timeouts (slow-drip servers)
CHUNK = 64 * 1024
DEFAULT_PORTS = {"http": 80, "https": 443}
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"

_METADATA = frozenset(ipaddress.ip_address(a) for a in ("169.254.169.254", "fd00:ec2::254"))
_SHARED = ipaddress.ip_network("100.64.0.0/10")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# What inet_aton reads as IPv4: "2130706433", "0x7f.1", "017700000001", "127.1".
_NUMERIC_HOST = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}\.?")
_TARGET = "_compliance_target"  # the attribute a vetted PreparedRequest carries


@dataclass(frozen=True)
class Target:
    """A vetted URL: where it points and the one address the request may connect to."""

    url: str
    scheme: str
    hostname: str  # as in the URL (IDNA, lower case; an IP literal in canonical form)
    port: int
    ip: str
    host_header: str


@dataclass(frozen=True)
class Exchange:
    """One request and its response, as evidence.py writes them into the WARC."""

    url: str
    server_ip: str
    method: str
    request_target: str  # path and query, as on the request line
    request_headers: tuple[tuple[str, str], ...]
    http_version: str  # "HTTP/1.1"
    status: int
    reason: str
    raw_headers: tuple[tuple[str, str], ...]  # in the order and case received, repeats kept
    raw_body: bytes  # transfer coding removed, content coding (gzip…) kept as received
    fetched_at: datetime  # UTC, when the request was sent


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


# --- vetting ----------------------------------------------------------------------------------


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver, in its order, without repeats."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]).split("%")[0] for info in infos))


def ip_literal(host: str) -> Address | None:
    """The address a host written as an IP literal means, in any notation inet_aton accepts."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if not _NUMERIC_HOST.fullmatch(host):
        return None
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except OSError:
        raise FetchError(f"refused: {host} is not a valid IP address") from None


def unsafe_reason(ip: Address) -> str | None:
    """Why connecting to `ip` is refused ("private", "loopback"…), or None for a public one."""
    if ip in _METADATA:
        return "cloud metadata"
    if isinstance(ip, ipaddress.IPv6Address):
        for inner in _embedded_ipv4(ip):
            if reason := unsafe_reason(inner):
                return f"{reason}, embeds {inner}"
    checks = (
        ("loopback", ip.is_loopback),
        ("unspecified", ip.is_unspecified),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("shared", ip in _SHARED),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 one carries: mapped, 6to4, Teredo, NAT64."""
    found = [ip.ipv4_mapped, ip.sixtofour, *(ip.teredo or ())]
    if ip in _NAT64:
        found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return [inner for inner in found if inner is not None]


def vet(url: str, settings: Settings, resolver: Resolver | None = None) -> Target:
    """Check `url` and resolve its host once; FetchError unless it may be fetched. No connection."""
    scheme, host, port, literal = _locate(url, settings)
    addresses = [host] if literal else _resolve(resolver or system_resolver, host, port)
    if not literal and not _allowed(host, port, settings):
        for address in addresses:
            if reason := _address_reason(address):
                raise FetchError(
                    f"refused {url}: {host} resolves to {address}, which is not a public address ({reason})"
                )
    shown = f"[{host}]" if ":" in host else host
    return Target(
        url=url,
        scheme=scheme,
        hostname=host,
        port=port,
        ip=addresses[0],
        host_header=shown if port == DEFAULT_PORTS[scheme] else f"{shown}:{port}",
    )


def _locate(url: str, settings: Settings) -> tuple[str, str, int, bool]:
    """(scheme, host, port, is an IP literal) of a URL that may be fetched, before any lookup."""
    parts = _split(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise FetchError(
            f"refused {url}: only http and https URLs are fetched, not "
            f"{scheme + ':' if scheme else 'a URL without scheme'}"
        )
    if "@" in parts.netloc:
        raise FetchError("refused: URLs with credentials (user:password@host) are not fetched")
    if not parts.hostname:
        raise FetchError(f"refused {url}: the URL has no host")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise FetchError(f"refused {url}: invalid port") from None
    literal = ip_literal(parts.hostname)
    if literal is None:
        return scheme, parts.hostname.lower().rstrip("."), port, False
    host = str(literal)
    if not _allowed(host, port, settings) and (reason := unsafe_reason(literal)):
        raise FetchError(f"refused {url}: {host} is not a public address ({reason})")
    return scheme, host, port, True


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url.strip())
        _ = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise FetchError(f"refused {url!r}: malformed URL ({exc})") from None
    return parts


def _resolve(resolver: Resolver, host: str, port: int) -> list[str]:
    try:
        addresses = resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}") from None
    if not addresses:
        raise FetchError(f"cannot resolve {host}: no address")
    return addresses


def _address_reason(address: str) -> str | None:
    try:
        return unsafe_reason(ipaddress.ip_address(address.split("%")[0]))
    except ValueError:
        return "malformed"


def _allowed(host: str, port: int, settings: Settings) -> bool:
    """Whether `host` or `host:port` is in fetch_allow_hosts (IPv6 with or without brackets)."""
    shown = f"[{host}]" if ":" in host else host
    names = {host, shown, f"{shown}:{port}"}
    return any(entry.strip().lower() in names for entry in settings.fetch_allow_hosts)


# --- the connection -----------------------------------------------------------------------------


class PinnedAdapter(HTTPAdapter):
    """Connects to the address `vet` approved for the request, never to a fresh DNS answer.

    The pool is keyed on the vetted IP; for https the TLS server name (SNI) and the certificate
    check use the URL's host. A request that was not vetted is refused.
    """

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        target = getattr(request, _TARGET, None)
        if not isinstance(target, Target) or target.url != request.url:
            raise FetchError(f"refused {request.url}: the request was not vetted")
        host_params["host"] = target.ip
        host_params["port"] = target.port
        if target.scheme == "https":
            pool_kwargs["server_hostname"] = target.hostname
            pool_kwargs["assert_hostname"] = target.hostname
        return host_params, pool_kwargs


def new_session() -> requests.Session:
    """A session that only connects through `PinnedAdapter`, with no proxy, netrc or env."""
    session = requests.Session()
    _make_safe(session)
    return session


def _make_safe(session: requests.Session) -> None:
    session.trust_env = False  # no proxies from the environment, no ~/.netrc credentials
    for prefix in ("http://", "https://"):
        if not isinstance(session.adapters.get(prefix), PinnedAdapter):
            session.mount(prefix, PinnedAdapter(max_retries=0))


# --- fetching -----------------------------------------------------------------------------------


def fetch(
    url: str, settings: Settings, *, resolver: Resolver | None = None, session: requests.Session | None = None
) -> FetchResult:
    """Fetch `url` safely, following redirects; FetchError when refused or failed.

    A given `session` is made safe first (pinned adapters mounted, environment ignored); its
    cookies and `verify` (a CA bundle, for tests) are used.
    """
    own = session is None
    active = session if session is not None else new_session()
    _make_safe(active)
    try:
        return _follow(url, settings, resolver, active)
    finally:
        if own:
            active.close()


def _follow(
    url: str, settings: Settings, resolver: Resolver | None, session: requests.Session
) -> FetchResult:
    exchanges: list[Exchange] = []
    redirects: list[str] = []
    seen = {_without_fragment(url)}
    current = url
    while True:
        prepared = _prepare(session, current, settings, resolver)
        exchange, headers = _exchange_with_retry(session, prepared, settings)
        exchanges.append(exchange)
        if exchange.status not in REDIRECT_STATUSES:
            break
        location = headers.get("Location", "").strip()
        if not location:
            raise FetchError(f"HTTP {exchange.status} without Location from {current}")
        following = urljoin(current, location)
        if _without_fragment(following) in seen:
            raise FetchError(f"redirect loop at {following} (from {url})")
        if len(redirects) >= settings.max_redirects:
            raise FetchError(f"too many redirects from {url}: more than {settings.max_redirects}")
        seen.add(_without_fragment(following))
        redirects.append(following)
        current = following
    if not 200 <= exchange.status < 300:
        raise FetchError(f"HTTP {exchange.status} {exchange.reason} from {current}".strip())
    return _result(url, current, tuple(redirects), exchanges, headers, settings)


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def _prepare(
    session: requests.Session, url: str, settings: Settings, resolver: Resolver | None
) -> requests.PreparedRequest:
    """The GET request for `url`, vetted, carrying its `Target` for `PinnedAdapter`."""
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": ACCEPT,
        "Accept-Language": "fr,en;q=0.5",
        "Accept-Encoding": "identity",
    }
    _locate(url, settings)  # refuse bad schemes, credentials and unsafe IPs before requests parses
    try:
        prepared = session.prepare_request(requests.Request("GET", url, headers=headers))
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise FetchError(f"refused {url!r}: {_short(exc)}") from None
    # Vet what requests will send (IDNA-encoded, normalised), not what the user typed.
    target = vet(prepared.url or url, settings, resolver)
    prepared.headers["Host"] = target.host_header
    setattr(prepared, _TARGET, target)
    return prepared


def _exchange_with_retry(
    session: requests.Session, prepared: requests.PreparedRequest, settings: Settings
) -> tuple[Exchange, Mapping[str, str]]:
    """One GET, retried once after a connection error or a 502/503/504 (GET is idempotent)."""
    try:
        exchange, headers = _exchange(session, prepared, settings)
    except _Retryable as exc:
        log.info("retrying after: %s", exc)
    else:
        if exchange.status not in RETRY_STATUSES:
            return exchange, headers
        log.info("retrying %s after HTTP %s", exchange.url, exchange.status)
    time.sleep(RETRY_DELAY)
    return _exchange(session, prepared, settings)


class _Retryable(FetchError):
    """A connection refused, reset or broken: worth one more try."""


def _exchange(
    session: requests.Session, prepared: requests.PreparedRequest, settings: Settings
) -> tuple[Exchange, Mapping[str, str]]:
    target: Target = getattr(prepared, _TARGET)
    fetched_at = datetime.now(UTC)
    try:
        response = session.send(
            prepared,
            stream=True,
            allow_redirects=False,
            proxies={},
            timeout=(settings.connect_timeout, settings.read_timeout),
            verify=session.verify,
            cert=session.cert,
        )
    except requests.exceptions.ConnectTimeout:
        raise FetchError(
            f"timed out after {settings.connect_timeout:g}s connecting to {target.url}"
        ) from None
    except requests.exceptions.ReadTimeout:
        raise FetchError(f"timed out after {settings.read_timeout:g}s waiting for {target.url}") from None
    except requests.exceptions.SSLError as exc:
        raise FetchError(f"TLS error from {target.url}: {_short(exc)}") from None
    except requests.exceptions.ConnectionError as exc:
        raise _Retryable(f"cannot connect to {target.url}: {_short(exc)}") from None
    except requests.exceptions.RequestException as exc:
        raise FetchError(f"cannot fetch {target.url}: {_short(exc)}") from None
    with response:
        raw_body = _read_body(response, target.url, settings)
        exchange = Exchange(
            url=target.url,
            server_ip=target.ip,
            method="GET",
            request_target=prepared.path_url,
            request_headers=tuple((str(k), str(v)) for k, v in prepared.headers.items()),
            http_version=_http_version(response),
            status=response.status_code,
            reason=response.reason or "",
            raw_headers=_raw_headers(response),
            raw_body=raw_body,
            fetched_at=fetched_at,
        )
        return exchange, response.headers


def _short(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, on one line."""
    reason = exc
    while True:
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((arg for arg in reason.args if isinstance(arg, BaseException)), None)
        if inner is None or inner is reason:
            break
        reason = inner
    text = " ".join(str(reason).split()) or type(reason).__name__
    return text[:300]


def _http_version(response: requests.Response) -> str:
    version = getattr(response.raw, "version", 11)
    return {9: "HTTP/0.9", 10: "HTTP/1.0", 11: "HTTP/1.1", 20: "HTTP/2"}.get(version, "HTTP/1.1")


def _raw_headers(response: requests.Response) -> tuple[tuple[str, str], ...]:
    """The response headers as http.client parsed them: order, case and repeats kept."""
    original = getattr(response.raw, "_original_response", None)
    message = getattr(original, "msg", None)
    if message is not None:
        return tuple((str(k), str(v)) for k, v in message.items())
    return tuple(response.raw.headers.items())


def _read_body(response: requests.Response, url: str, settings: Settings) -> bytes:
    """The body as sent, stopping as soon as it exceeds max_bytes or takes too long."""
    limit = settings.max_bytes
    declared = response.headers.get("Content-Length", "").strip()
    if declared.isdigit() and int(declared) > limit:
        raise FetchError(f"{url} is too large: Content-Length {declared} exceeds the limit of {limit} bytes")
    budget = BODY_TIME_FACTOR * settings.read_timeout
    deadline = time.monotonic() + budget
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.raw.read1(CHUNK, decode_content=False):
            size += len(chunk)
            if size > limit:
                raise FetchError(f"{url} is too large: more than the limit of {limit} bytes")
            if time.monotonic() > deadline:
                raise FetchError(f"timed out after {budget:g}s reading {url}")
            chunks.append(chunk)
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
        raise FetchError(f"timed out after {settings.read_timeout:g}s reading {url}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise _Retryable(f"connection broken while reading {url}: {_short(exc)}") from None
    return b"".join(chunks)


# --- the result ---------------------------------------------------------------------------------


def _result(
    requested: str,
    final: str,
    redirects: tuple[str, ...],
    exchanges: list[Exchange],
    headers: Mapping[str, str],
    settings: Settings,
) -> FetchResult:
    last = exchanges[-1]
    body = _decode_content(last.raw_body, headers.get("Content-Encoding", ""), final, settings.max_bytes)
    mime, charset = _declared_type(headers.get("Content-Type", ""))
    return FetchResult(
        requested_url=requested,
        final_url=final,
        redirects=redirects,
        status=last.status,
        headers=dict(headers),
        body=body,
        server_ip=last.server_ip,
        content_type=content_type(mime, body),
        charset=charset,
        fetched_at=last.fetched_at,
        request_headers=dict(last.request_headers),
        http_version=last.http_version,
        exchanges=tuple(exchanges),
    )


def _decode_content(raw: bytes, encoding: str, url: str, limit: int) -> bytes:
    """The body without its content coding (gzip, deflate), never more than `limit` bytes."""
    data = raw
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise FetchError(f"unsupported content encoding {coding} from {url}")
        # 47: a gzip or zlib header, detected; deflate is sometimes sent raw (-15).
        for wbits in (47, -15) if coding == "deflate" else (47,):
            try:
                data = zlib.decompressobj(wbits).decompress(data, limit + 1)
                break
            except zlib.error:
                continue
        else:
            raise FetchError(f"corrupt {coding} body from {url}")
        if len(data) > limit:
            raise FetchError(f"{url} is too large once decompressed: more than {limit} bytes")
    return data


def _declared_type(header: str) -> tuple[str, str | None]:
    """A Content-Type header to its media type and charset parameter."""
    mime, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip("\"'"):
            charset = value.strip().strip("\"'")
    return mime.strip().lower(), charset


_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"%!PS", "application/postscript"),
)
_HTML_STARTS = (
    "<!doctype html",
    "<html",
    "<head",
    "<body",
    "<!--",
    "<title",
    "<meta",
    "<div",
    "<p>",
    "<p ",
    "<h1",
    "<script",
    "<table",
    "<?xml",
)
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


def content_type(declared: str, body: bytes) -> str:
    """The body's type from the declared one and its first bytes: HTML, text or PDF, or
    FetchError."""
    sniffed = sniff(body[:1024])
    if sniffed == "application/pdf" or (
        declared in ("application/pdf", "application/octet-stream", "") and b"%PDF-" in body[:1024]
    ):  # PDF allows junk before its header
        return "application/pdf"
    if sniffed is not None and sniffed != "text/html":
        also = f" (declared {declared})" if declared and declared != sniffed else ""
        raise FetchError(f"unsupported content type {sniffed}{also}")
    if declared == "application/pdf":
        raise FetchError("unsupported content: declared application/pdf but not a PDF")
    if declared in ("text/html", "application/xhtml+xml") or sniffed == "text/html":
        return "text/html"
    if declared.startswith("text/") or declared in ("", "application/octet-stream"):
        return "text/plain"
    raise FetchError(f"unsupported content type {declared}")


def sniff(head: bytes) -> str | None:
    """What the first bytes say: PDF, HTML, an image or another binary type, or None (text)."""
    if head.lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    codec = "latin-1"
    for bom, bom_codec in _BOMS:
        if head.startswith(bom):
            head, codec = head[len(bom) :], bom_codec
            break
    else:
        if b"\x00" in head:
            return "application/octet-stream"
    text = head.decode(codec, errors="ignore").lstrip().lower()
    return "text/html" if text.startswith(_HTML_STARTS) else None
