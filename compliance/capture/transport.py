"""A URL in, one vetted GET and its `Exchange` out: the requests and urllib3 side of fetching.

`prepare` builds the GET for a URL and vets what requests will send (compliance.capture.vet);
`send` sends it through `PinnedAdapter`, which connects to the address `vet` approved, never to a
fresh DNS answer, while the Host header and the TLS server name and certificate check stay on the
URL's host. The body is read as sent (the content coding is kept, for the evidence) and cut off as
soon as it exceeds `max_bytes`. Every socket a fetch opens or reuses is watched by its `Deadline`
(deadline.py), so a server dripping its status line, headers or body is cut off when the whole
fetch runs out of time, not only when one read waits too long. Redirects are not followed here:
fetch.py follows them hop by hop.

FetchRefused for a header section or a body over the limit, or a request that was not vetted;
FetchFailed for timeouts (the deadline included) and TLS errors, and its subclass
`ConnectionFailed` for a connection refused or broken, the one failure worth an immediate retry.

This is the only module that imports requests and urllib3.
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3.connection
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from compliance.capture.deadline import Deadline, watch_socket
from compliance.capture.vet import Resolver, Target, locate, vet
from compliance.errors import FetchError, FetchFailed, FetchRefused
from compliance.settings import Settings

Session = requests.Session
PreparedRequest = requests.PreparedRequest

CHUNK = 64 * 1024
# A response's status line and headers, at most (Chromium's limit too). http.client alone stops
# at 100 headers of 64 KiB each: 6.5 MB of headers to keep as evidence.
MAX_HEAD_BYTES = 256 * 1024
ACCEPT = "text/html,application/xhtml+xml,application/pdf;q=0.9,text/plain;q=0.8,*/*;q=0.5"
_TARGET = "_compliance_target"  # the attribute a vetted PreparedRequest carries


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


class ConnectionFailed(FetchFailed):
    """A connection refused, reset or broken: worth one more try."""


# --- the connection -------------------------------------------------------------------------------


class _WatchedConnection(urllib3.connection.HTTPConnection):
    """A connection whose socket the running fetch's `Deadline` can cut off."""

    def _new_conn(self) -> socket.socket:
        sock = super()._new_conn()
        watch_socket(sock)  # before the TLS handshake, which a server can drip too
        return sock

    def request(self, *args: Any, **kwargs: Any) -> None:
        if self.sock is not None:  # a kept-alive connection, reused by another hop
            watch_socket(self.sock)
        super().request(*args, **kwargs)


class _WatchedTLSConnection(_WatchedConnection, urllib3.connection.HTTPSConnection):
    pass


class _WatchedPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedConnection


class _WatchedTLSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedTLSConnection


class PinnedAdapter(HTTPAdapter):
    """Connects to the address `vet` approved for the request, never to a fresh DNS answer.

    The pool is keyed on the vetted IP; for https the TLS server name (SNI) and the certificate
    check use the URL's host. A request that was not vetted is refused. Its connections are
    watched by the running fetch's deadline.
    """

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _WatchedPool, "https": _WatchedTLSPool}

    def build_connection_pool_key_attributes(
        self, request: requests.PreparedRequest, verify: Any, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        target = getattr(request, _TARGET, None)
        if not isinstance(target, Target) or target.url != request.url:
            raise FetchRefused(f"refused {request.url}: the request was not vetted")
        host_params["host"] = target.ip
        host_params["port"] = target.port
        if target.scheme == "https":
            pool_kwargs["server_hostname"] = target.hostname
            pool_kwargs["assert_hostname"] = target.hostname
        return host_params, pool_kwargs


def new_session() -> requests.Session:
    """A session that only connects through `PinnedAdapter`, with no proxy, netrc or env."""
    session = requests.Session()
    make_safe(session)
    return session


def make_safe(session: requests.Session) -> None:
    """Mount `PinnedAdapter` on a session (unless already there) and make it ignore the environment."""
    session.trust_env = False  # no proxies from the environment, no ~/.netrc credentials
    for prefix in ("http://", "https://"):
        if not isinstance(session.adapters.get(prefix), PinnedAdapter):
            session.mount(prefix, PinnedAdapter(max_retries=0))


# --- one exchange ---------------------------------------------------------------------------------


def prepare(
    session: requests.Session,
    url: str,
    settings: Settings,
    resolver: Resolver | None,
    extra: Mapping[str, str] | None = None,
    body: bytes | None = None,
) -> requests.PreparedRequest:
    """The GET request (a POST with `body`) for `url`, vetted, carrying its `Target` for `PinnedAdapter`.

    `extra` headers are added to ours: conditional ones for scans (If-None-Match…), a
    webhook's signature.
    """
    headers = {
        "User-Agent": settings.user_agent,
        "Accept": ACCEPT,
        "Accept-Language": "fr,en;q=0.5",
        "Accept-Encoding": "identity",
        **(extra or {}),
    }
    method = "GET" if body is None else "POST"
    locate(url, settings)  # refuse bad schemes, credentials and unsafe IPs before requests parses
    try:
        prepared = session.prepare_request(requests.Request(method, url, headers=headers, data=body))
    except (requests.exceptions.RequestException, ValueError) as exc:
        raise FetchRefused(f"refused {url!r}: {_short(exc)}") from None
    # Vet what requests will send (IDNA-encoded, normalised), not what the user typed.
    target = vet(prepared.url or url, settings, resolver)
    prepared.headers["Host"] = target.host_header
    setattr(prepared, _TARGET, target)
    return prepared


def send(
    session: requests.Session, prepared: requests.PreparedRequest, settings: Settings, deadline: Deadline
) -> tuple[Exchange, Mapping[str, str]]:
    """Send a prepared request once, without following redirects, within `deadline` (entered by the
    caller): the exchange and the response headers."""
    target: Target = getattr(prepared, _TARGET)
    deadline.check(target.url)
    fetched_at = datetime.now(UTC)
    try:
        left = max(deadline.remaining(), 0.01)  # no single wait may outlast the deadline either
        timeouts = (min(settings.connect_timeout, left), min(settings.read_timeout, left))
        response = _response(session, prepared, target, timeouts)
        with response:
            raw_headers = _raw_headers(response)
            _check_head_size(response, raw_headers, target.url)
            raw_body = _read_body(response, target.url, settings.max_bytes, timeouts[1], deadline)
    except FetchError:
        deadline.check(target.url)  # a connection cut off by the deadline reads as broken
        raise
    deadline.check(target.url)  # a read cut off by the deadline may look complete
    exchange = Exchange(
        url=target.url,
        server_ip=target.ip,
        method=prepared.method or "GET",
        request_target=prepared.path_url,
        request_headers=tuple((str(k), str(v)) for k, v in prepared.headers.items()),
        http_version=_http_version(response),
        status=response.status_code,
        reason=response.reason or "",
        raw_headers=raw_headers,
        raw_body=raw_body,
        fetched_at=fetched_at,
    )
    return exchange, response.headers


def _response(
    session: requests.Session,
    prepared: requests.PreparedRequest,
    target: Target,
    timeouts: tuple[float, float],
) -> requests.Response:
    """The streamed response, its body not read yet; requests' errors as FetchFailed."""
    try:
        return session.send(
            prepared,
            stream=True,
            allow_redirects=False,
            proxies={},
            timeout=timeouts,
            verify=session.verify,
            cert=session.cert,
        )
    except requests.exceptions.ConnectTimeout:
        raise FetchFailed(f"timed out after {timeouts[0]:g}s connecting to {target.url}") from None
    except requests.exceptions.ReadTimeout:
        raise FetchFailed(f"timed out after {timeouts[1]:g}s waiting for {target.url}") from None
    except requests.exceptions.SSLError as exc:  # a certificate may be fixed: not a refusal
        raise FetchFailed(f"TLS error from {target.url}: {_short(exc)}") from None
    except requests.exceptions.ConnectionError as exc:
        if _head_too_large(exc):  # http.client's limits: 100 header lines of 64 KiB
            raise FetchRefused(f"{target.url} sent too large a header section: {_short(exc)}") from None
        raise ConnectionFailed(f"cannot connect to {target.url}: {_short(exc)}") from None
    except requests.exceptions.RequestException as exc:
        raise FetchFailed(f"cannot fetch {target.url}: {_short(exc)}") from None


def _innermost(exc: BaseException) -> BaseException:
    """The innermost reason of a requests/urllib3 error."""
    reason = exc
    while True:
        inner = getattr(reason, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((arg for arg in reason.args if isinstance(arg, BaseException)), None)
        if inner is None or inner is reason:
            return reason
        reason = inner


def _short(exc: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, on one line."""
    reason = _innermost(exc)
    text = " ".join(str(reason).split()) or type(reason).__name__
    return text[:300]


def _head_too_large(exc: BaseException) -> bool:
    """Whether http.client gave up on a status line or headers too long or too many."""
    reason = _innermost(exc)
    return isinstance(reason, http.client.LineTooLong) or (
        type(reason) is http.client.HTTPException and str(reason).startswith("got more than")
    )


def _check_head_size(response: requests.Response, headers: tuple[tuple[str, str], ...], url: str) -> None:
    """FetchRefused when the status line and headers together exceed MAX_HEAD_BYTES."""
    size = len(response.reason or "") + sum(len(name) + len(value) + 4 for name, value in headers)
    if size > MAX_HEAD_BYTES:
        raise FetchRefused(
            f"{url} sent too large a header section: more than the limit of {MAX_HEAD_BYTES} bytes"
        )


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


def _read_body(
    response: requests.Response, url: str, limit: int, read_timeout: float, deadline: Deadline
) -> bytes:
    """The body as sent, stopping as soon as it exceeds `limit` bytes or the deadline passes."""
    declared = response.headers.get("Content-Length", "").strip().lstrip("0") or "0"
    # ASCII digits only ("²".isdigit() too); no int() of thousands of digits, which raises.
    if declared.isascii() and declared.isdigit() and (len(declared) > 20 or int(declared) > limit):
        shown = declared if len(declared) <= 20 else declared[:20] + "…"
        raise FetchRefused(f"{url} is too large: Content-Length {shown} exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.raw.read1(CHUNK, decode_content=False):
            size += len(chunk)
            if size > limit:
                raise FetchRefused(f"{url} is too large: more than the limit of {limit} bytes")
            deadline.check(url)
            chunks.append(chunk)
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
        raise FetchFailed(f"timed out after {read_timeout:g}s reading {url}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ConnectionFailed(f"connection broken while reading {url}: {_short(exc)}") from None
    return b"".join(chunks)
