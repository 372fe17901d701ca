"""A URL in, one vetted GET and its `Exchange` out: the requests and urllib3 side of fetching.

`prepare` builds the GET for a URL and vets what requests will send (compliance.capture.vet);
`send` sends it through `PinnedAdapter`, which connects to the address `vet` approved, never to a
fresh DNS answer, while the Host header and the TLS server name and certificate check stay on the
URL's host. The body is read as sent (the content coding is kept, for the evidence) and cut off as
soon as it exceeds `max_bytes` or takes too long. Redirects are not followed here: fetch.py
follows them hop by hop.

FetchRefused for a body over the limit or a request that was not vetted; FetchFailed for
timeouts and TLS errors, and its subclass `ConnectionFailed` for a connection refused or broken,
the one failure worth an immediate retry.

This is the only module that imports requests and urllib3.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3.exceptions
from requests.adapters import HTTPAdapter

from compliance.capture.vet import Resolver, Target, locate, vet
from compliance.errors import FetchFailed, FetchRefused
from compliance.settings import Settings

Session = requests.Session
PreparedRequest = requests.PreparedRequest

BODY_TIME_FACTOR = 4  # a body must arrive within this many read timeouts (slow-drip servers)
CHUNK = 64 * 1024
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
    session: requests.Session, prepared: requests.PreparedRequest, settings: Settings
) -> tuple[Exchange, Mapping[str, str]]:
    """Send a prepared request once, without following redirects: the exchange and the response headers."""
    target: Target = getattr(prepared, _TARGET)
    fetched_at = datetime.now(UTC)
    response = _response(session, prepared, target, settings)
    with response:
        raw_body = _read_body(response, target.url, settings)
        exchange = Exchange(
            url=target.url,
            server_ip=target.ip,
            method=prepared.method or "GET",
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


def _response(
    session: requests.Session, prepared: requests.PreparedRequest, target: Target, settings: Settings
) -> requests.Response:
    """The streamed response, its body not read yet; requests' errors as FetchFailed."""
    try:
        return session.send(
            prepared,
            stream=True,
            allow_redirects=False,
            proxies={},
            timeout=(settings.connect_timeout, settings.read_timeout),
            verify=session.verify,
            cert=session.cert,
        )
    except requests.exceptions.ConnectTimeout:
        raise FetchFailed(
            f"timed out after {settings.connect_timeout:g}s connecting to {target.url}"
        ) from None
    except requests.exceptions.ReadTimeout:
        raise FetchFailed(f"timed out after {settings.read_timeout:g}s waiting for {target.url}") from None
    except requests.exceptions.SSLError as exc:  # a certificate may be fixed: not a refusal
        raise FetchFailed(f"TLS error from {target.url}: {_short(exc)}") from None
    except requests.exceptions.ConnectionError as exc:
        raise ConnectionFailed(f"cannot connect to {target.url}: {_short(exc)}") from None
    except requests.exceptions.RequestException as exc:
        raise FetchFailed(f"cannot fetch {target.url}: {_short(exc)}") from None


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
        raise FetchRefused(
            f"{url} is too large: Content-Length {declared} exceeds the limit of {limit} bytes"
        )
    budget = BODY_TIME_FACTOR * settings.read_timeout
    deadline = time.monotonic() + budget
    chunks: list[bytes] = []
    size = 0
    try:
        while chunk := response.raw.read1(CHUNK, decode_content=False):
            size += len(chunk)
            if size > limit:
                raise FetchRefused(f"{url} is too large: more than the limit of {limit} bytes")
            if time.monotonic() > deadline:
                raise FetchFailed(f"timed out after {budget:g}s reading {url}")
            chunks.append(chunk)
    except (urllib3.exceptions.ReadTimeoutError, TimeoutError):
        raise FetchFailed(f"timed out after {settings.read_timeout:g}s reading {url}") from None
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ConnectionFailed(f"connection broken while reading {url}: {_short(exc)}") from None
    return b"".join(chunks)


# --- one outgoing POST (webhook calls) ------------------------------------------------------------


def post(url: str, body: bytes, headers: Mapping[str, str], settings: Settings) -> int:
    """POST `body` to a vetted `url` once, redirects not followed; the response status.

    The same rules as a fetch: only http(s), no unsafe address (checked after resolution), the
    connection pinned to the vetted address, bounded time.
    """
    locate(url, settings)
    session = new_session()
    with session:
        try:
            prepared = session.prepare_request(
                requests.Request("POST", url, data=body, headers=dict(headers))
            )
        except (requests.exceptions.RequestException, ValueError) as exc:
            raise FetchRefused(f"refused {url!r}: {_short(exc)}") from None
        target = vet(prepared.url or url, settings)
        prepared.headers["Host"] = target.host_header
        setattr(prepared, _TARGET, target)
        with _response(session, prepared, target, settings) as response:
            return response.status_code
