"""Tests of compliance.capture.fetch against fixture sites on 127.0.0.1; nothing here leaves the machine.

Every test runs under a NetworkGuard: a connection outside 127.0.0.0/8 and ::1, or a system
DNS lookup, fails the test before any packet is sent. The SSRF tests also prove that refused
URLs were refused before any connection at all.
"""

from __future__ import annotations

import gzip
import shutil
import socket
import ssl
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from sites import (
    COPY_SENTENCE,
    FIXTURES,
    LATIN1_TEXT,
    PDF_LINK,
    NetworkGuard,
    SiteServer,
    serve,
)

import compliance.capture.fetch as fetch_module
from compliance.capture.documents import page_from_fetch
from compliance.capture.fetch import fetch
from compliance.capture.transport import Exchange, new_session
from compliance.capture.vet import Resolver, vet
from compliance.errors import ConfigurationError, FetchError, FetchFailed, FetchRefused
from compliance.settings import Settings


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fetch_module, "RETRY_DELAY", 0.01)


@pytest.fixture
def allowed(site: SiteServer) -> Settings:
    """Settings that allow the fixture server, with small limits."""
    return Settings(
        fetch_allow_hosts=(f"127.0.0.1:{site.port}",),
        connect_timeout=2.0,
        read_timeout=0.5,
        max_bytes=100_000,
        max_redirects=5,
    )


def no_resolver(host: str, port: int) -> list[str]:
    raise AssertionError(f"the resolver must not be consulted for {host}")


class Table:
    """A resolver answering from a table, that records its calls."""

    def __init__(self, names: dict[str, list[str]]) -> None:
        self.names = names
        self.calls: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append((host, port))
        return self.names[host]


# --- what a successful fetch returns ------------------------------------------------------------


def test_fetch_returns_the_page_and_how_it_was_fetched(site: SiteServer, allowed: Settings) -> None:
    before = datetime.now(UTC)
    result = fetch(f"{site.url}/copy.html", allowed)
    assert result.requested_url == result.final_url == f"{site.url}/copy.html"
    assert result.redirects == ()
    assert (result.status, result.content_type, result.charset) == (200, "text/html", "utf-8")
    assert result.body == (FIXTURES / "copy.html").read_bytes()
    assert result.server_ip == "127.0.0.1"
    assert result.http_version == "HTTP/1.1"
    assert result.fetched_at.tzinfo == UTC
    assert before <= result.fetched_at <= datetime.now(UTC)
    assert result.headers["Content-Type"] == "text/html; charset=utf-8"
    assert ("Content-Length", str(len(result.body))) in result.raw_headers
    assert result.request_headers["User-Agent"] == allowed.user_agent
    text, metadata = page_from_fetch(result)
    assert COPY_SENTENCE in text
    assert metadata["site_name"] == "Le Relais Info"
    assert "https://journal.example/economie/secheresse-hauts-plateaux" in metadata["links"]


def test_user_agent_and_host_header_reach_the_server(site: SiteServer, allowed: Settings) -> None:
    fetch(f"{site.url}/echo", allowed.replace(user_agent="veille-test/2.0"))
    (seen,) = site.seen
    assert seen.headers["User-Agent"] == "veille-test/2.0"
    assert seen.headers["Host"] == f"127.0.0.1:{site.port}"


def test_redirect_chain_is_followed_and_recorded(site: SiteServer, allowed: Settings) -> None:
    result = fetch(f"{site.url}/redirect/1", allowed)
    assert result.final_url == f"{site.url}/copy.html"
    assert result.redirects == (f"{site.url}/redirect/2", f"{site.url}/copy.html")
    assert [e.status for e in result.exchanges] == [302, 301, 200]
    assert [e.url for e in result.exchanges] == [f"{site.url}/redirect/1", *result.redirects]
    assert dict(result.exchanges[0].raw_headers)["Location"] == "/redirect/2"
    assert [s.path for s in site.seen] == ["/redirect/1", "/redirect/2", "/copy.html"]


def test_redirect_loop_is_refused(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(FetchError, match=r"^redirect loop at http://127\.0\.0\.1:\d+/loop/a"):
        fetch(f"{site.url}/loop/a", allowed)
    assert [s.path for s in site.seen] == ["/loop/a", "/loop/b"]


def test_max_redirects_is_the_limit(site: SiteServer, allowed: Settings) -> None:
    settings = allowed.replace(max_redirects=3)
    # /chain/2 → /chain/1 → /chain/0 → /copy.html: three redirects
    assert len(fetch(f"{site.url}/chain/2", settings).redirects) == 3
    with pytest.raises(FetchError, match=r"^too many redirects from .*/chain/3: more than 3$"):
        fetch(f"{site.url}/chain/3", settings)
    assert site.hits("/copy.html") == 1  # only from the first, allowed, chain


def test_redirect_without_location_fails(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(FetchError, match="HTTP 302 without Location"):
        fetch(f"{site.url}/no-location", allowed)


@pytest.mark.parametrize("path", ["/to-control", "/to-nul"])
def test_a_location_with_control_characters_is_refused(
    site: SiteServer, allowed: Settings, path: str
) -> None:
    """Followed, it would fetch a percent-encoded URL while the evidence names another (and a NUL
    byte in a stored URL breaks PostgreSQL)."""
    with pytest.raises(FetchRefused, match=r"^refused '.*': the URL contains control characters$"):
        fetch(f"{site.url}{path}", allowed)
    assert [s.path for s in site.seen] == [path]


# --- limits ---------------------------------------------------------------------------------------


def test_read_timeout(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(FetchError, match=r"^timed out after 0\.3s waiting for .*/slow$"):
        fetch(f"{site.url}/slow", allowed.replace(read_timeout=0.3))
    assert site.hits("/slow") == 1  # a timeout is not retried


def test_a_slow_drip_is_cut_off(site: SiteServer, allowed: Settings) -> None:
    """Each byte of the body comes within the read timeout, but the whole fetch takes far too long."""
    with pytest.raises(
        FetchFailed, match=r"^timed out: .*/drip took longer than the fetch deadline of 0\.8s$"
    ):
        fetch(f"{site.url}/drip", allowed.replace(read_timeout=0.2, fetch_deadline=0.8))


def test_headers_dripped_one_byte_a_second_are_cut_off_at_the_deadline(
    site: SiteServer, allowed: Settings
) -> None:
    """The status line at once, then a byte of header per second: no read ever waits 5 seconds."""
    settings = allowed.replace(read_timeout=5.0, fetch_deadline=0.5)
    with pytest.raises(FetchFailed, match=r"^timed out: .*/drip-head took longer than the fetch deadline"):
        fetch(f"{site.url}/drip-head", settings)
    assert site.hits("/drip-head") == 1  # the deadline is not retried


def test_the_deadline_covers_every_redirect(site: SiteServer, allowed: Settings) -> None:
    """Three hops of 0.3 s each: every one within a deadline of 0.5 s, not the three together."""
    with pytest.raises(
        FetchFailed, match=r"^timed out: .*/slow-chain/\d took longer than the fetch deadline"
    ):
        fetch(f"{site.url}/slow-chain/3", allowed.replace(fetch_deadline=0.5))
    assert site.hits("/copy.html") == 0


@pytest.mark.parametrize("value", [0, -1.0, float("inf"), float("nan")])
def test_the_fetch_deadline_is_a_positive_number_of_seconds(value: float) -> None:
    with pytest.raises(ConfigurationError, match="fetch_deadline must be a positive number of seconds"):
        Settings(fetch_deadline=value)
    assert Settings.from_env({"COMPLIANCE_FETCH_DEADLINE": "12.5"}).fetch_deadline == 12.5


def test_content_length_over_the_limit_is_refused_before_reading(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(
        FetchError,
        match=r"too large: Content-Length 2097152 exceeds the limit "
        r"of 100000 bytes",
    ):
        fetch(f"{site.url}/huge", allowed)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/many-headers", "got more than 100 headers"),
        ("/long-header", "got more than 65536 bytes when reading header line"),
        ("/big-head", "more than the limit of 262144 bytes"),
    ],
)
def test_an_enormous_header_section_is_refused(
    site: SiteServer, allowed: Settings, path: str, reason: str
) -> None:
    with pytest.raises(FetchRefused) as refused:
        fetch(f"{site.url}{path}", allowed)
    assert str(refused.value) == f"{site.url}{path} sent too large a header section: {reason}"
    assert site.hits(path) == 1  # not retried as a broken connection


def test_a_content_length_of_non_ascii_digits_is_ignored(site: SiteServer, allowed: Settings) -> None:
    """ "²".isdigit() is true but int("²") raises: the body is read to the end of the connection."""
    assert fetch(f"{site.url}/superscript-length", allowed).body == b"ok"


def test_streamed_body_over_the_limit_is_cut_off(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(
        FetchError,
        match=r"huge-chunked is too large: more than the limit of "
        r"100000 bytes",
    ):
        fetch(f"{site.url}/huge-chunked", allowed)


def test_a_body_at_the_limit_is_accepted(site: SiteServer, allowed: Settings) -> None:
    size = len((FIXTURES / "copy.html").read_bytes())
    assert fetch(f"{site.url}/copy.html", allowed.replace(max_bytes=size)).body
    with pytest.raises(FetchError, match="too large"):
        fetch(f"{site.url}/copy.html", allowed.replace(max_bytes=size - 1))


def test_gzip_body_is_decoded_and_kept_raw_for_the_evidence(site: SiteServer, allowed: Settings) -> None:
    result = fetch(f"{site.url}/gzip.html", allowed)
    assert result.body == (FIXTURES / "copy.html").read_bytes()
    assert gzip.decompress(result.exchanges[-1].raw_body) == result.body


def test_decompressed_size_is_limited_too(site: SiteServer, allowed: Settings) -> None:
    plain = (FIXTURES / "copy.html").read_bytes()
    limit = (len(gzip.compress(plain)) + len(plain)) // 2  # the raw body fits, not the page
    with pytest.raises(FetchError, match="too large once decompressed"):
        fetch(f"{site.url}/gzip.html", allowed.replace(max_bytes=limit))


# --- statuses and retries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/404", "HTTP 404 Not Found from http://127.0.0.1:{port}/404"),
        ("/500", "HTTP 500 Internal Server Error from http://127.0.0.1:{port}/500"),
    ],
)
def test_http_errors_fail_without_retry(site: SiteServer, allowed: Settings, path: str, message: str) -> None:
    with pytest.raises(FetchError) as failure:
        fetch(f"{site.url}{path}", allowed)
    assert str(failure.value) == message.format(port=site.port)
    assert site.hits(path) == 1


def test_503_is_retried_once(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(FetchError, match="HTTP 503 Service Unavailable"):
        fetch(f"{site.url}/503", allowed)
    assert site.hits("/503") == 2


def test_a_transient_503_is_recovered(site: SiteServer, allowed: Settings) -> None:
    result = fetch(f"{site.url}/flaky", allowed)
    assert result.status == 200 and site.hits("/flaky") == 2
    assert len(result.exchanges) == 1  # the failed attempt is not evidence of the page


def test_a_dropped_connection_is_retried_once(site: SiteServer, allowed: Settings) -> None:
    assert fetch(f"{site.url}/reset", allowed).status == 200
    assert site.hits("/reset") == 2


def test_unreachable_port_fails_with_a_clear_message(allowed: Settings) -> None:
    with serve() as closed:
        port = closed.port
    settings = allowed.replace(fetch_allow_hosts=(f"127.0.0.1:{port}",))
    with pytest.raises(FetchError, match=rf"^cannot connect to http://127\.0\.0\.1:{port}/: "):
        fetch(f"http://127.0.0.1:{port}/", settings)


# --- content types and charsets -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/image.png", "unsupported content type image/png"),
        ("/png-as-html", r"unsupported content type image/png \(declared text/html\)"),
        ("/octet", "unsupported content type application/octet-stream"),
    ],
)
def test_unsupported_content_is_refused(site: SiteServer, allowed: Settings, path: str, message: str) -> None:
    with pytest.raises(FetchError, match=f"^{message}$"):
        fetch(f"{site.url}{path}", allowed)


@pytest.mark.parametrize("path", ["/doc.pdf", "/pdf-as-octet"])
def test_pdf_text_is_extracted(site: SiteServer, allowed: Settings, path: str) -> None:
    result = fetch(f"{site.url}{path}", allowed)
    assert result.content_type == "application/pdf"
    text, metadata = page_from_fetch(result)
    assert "les jeunes pousses de blé dur jaunissent." in text
    assert metadata["links"] == [PDF_LINK]


@pytest.mark.parametrize("path", ["/latin1.html", "/latin1.txt", "/utf8-as-latin1.txt", "/charset-base64"])
def test_a_wrong_charset_header_is_survived(site: SiteServer, allowed: Settings, path: str) -> None:
    result = fetch(f"{site.url}{path}", allowed)
    text, _ = page_from_fetch(result)
    assert text == LATIN1_TEXT


def test_a_codec_that_is_no_charset_is_survived(site: SiteServer, allowed: Settings) -> None:
    """text/html; charset=rot13 once raised LookupError from deep inside the decoding."""
    text, _ = page_from_fetch(fetch(f"{site.url}/charset-rot13", allowed))
    assert text == "été"


# --- SSRF: refusals before any connection -------------------------------------------------------


REFUSED_LITERALS = [
    ("http://10.0.0.1/", "10.0.0.1", "private"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.169.254", "cloud metadata"),
    ("http://[::1]:{port}/copy.html", "::1", "loopback"),
    ("http://2130706433/", "127.0.0.1", "loopback"),
    ("http://0x7f.1:{port}/", "127.0.0.1", "loopback"),
    ("http://017700000001/", "127.0.0.1", "loopback"),
    ("http://127.1/", "127.0.0.1", "loopback"),
    ("http://0/", "0.0.0.0", "unspecified"),
    ("http://100.64.0.1/", "100.64.0.1", "shared"),
    ("http://224.0.0.1/", "224.0.0.1", "multicast"),
    ("http://192.168.1.5/", "192.168.1.5", "private"),
    ("http://[fd00:ec2::254]/", "fd00:ec2::254", "cloud metadata"),
    ("http://[::ffff:10.0.0.1]/", "::ffff:a00:1", "private, embeds 10.0.0.1"),
    ("http://[2002:a00:1::]/", "2002:a00:1::", "private, embeds 10.0.0.1"),
    ("http://[64:ff9b::a9fe:a9fe]/", "64:ff9b::a9fe:a9fe", "cloud metadata, embeds 169.254.169.254"),
    ("http://[fe80::1%25eth0]/", "fe80::1%25eth0", "link-local"),
    ("https://[::]/", "::", "unspecified"),
]


@pytest.mark.parametrize(("url", "address", "reason"), REFUSED_LITERALS)
def test_unsafe_ip_literals_are_refused_before_connecting(
    site: SiteServer, guard: NetworkGuard, url: str, address: str, reason: str
) -> None:
    url = url.format(port=site.port)
    with pytest.raises(FetchError) as failure:
        fetch(url, Settings(), resolver=no_resolver)
    assert str(failure.value).endswith(f": {address} is not a public address ({reason})")
    assert guard.connections == []
    assert site.seen == []


def test_the_fixture_server_itself_is_refused_unless_allowed(site: SiteServer, guard: NetworkGuard) -> None:
    other_port = Settings(fetch_allow_hosts=(f"127.0.0.1:{site.port + 1}",))
    for settings in (Settings(), other_port):
        with pytest.raises(
            FetchError,
            match=rf"^refused {site.url}/copy\.html: 127\.0\.0\.1 is "
            r"not a public address \(loopback\)$",
        ):
            fetch(f"{site.url}/copy.html", settings)
    assert guard.connections == []
    assert fetch(f"{site.url}/copy.html", Settings(fetch_allow_hosts=("127.0.0.1",))).status == 200


@pytest.mark.parametrize(
    ("addresses", "bad"),
    [
        (["192.168.1.5"], "192.168.1.5, which is not a public address (private)"),
        (["93.184.216.34", "10.0.0.1"], "10.0.0.1, which is not a public address (private)"),
        (["::1"], "::1, which is not a public address (loopback)"),
        (
            ["::ffff:169.254.169.254"],
            "::ffff:169.254.169.254, which is not a public address (cloud metadata, embeds 169.254.169.254)",
        ),
    ],
)
def test_hostnames_resolving_to_unsafe_addresses_are_refused(
    guard: NetworkGuard, addresses: list[str], bad: str
) -> None:
    """Any unsafe address among the answers refuses the host, even after a public one."""
    resolver = Table({"intranet.test": addresses})
    with pytest.raises(FetchError) as failure:
        fetch("http://Intranet.test/", Settings(), resolver=resolver)
    assert str(failure.value) == f"refused http://intranet.test/: intranet.test resolves to {bad}"
    assert resolver.calls == [("intranet.test", 80)]
    assert guard.connections == []


@pytest.mark.parametrize("path", ["/to-private", "/to-metadata"])
def test_a_redirect_to_a_private_address_is_refused(
    site: SiteServer, allowed: Settings, guard: NetworkGuard, path: str
) -> None:
    with pytest.raises(
        FetchError,
        match=r"^refused http://(10\.0\.0\.1|169\.254\.169\.254)/.*: "
        r"\S+ is not a public address \((private|cloud metadata)\)$",
    ):
        fetch(f"{site.url}{path}", allowed, resolver=no_resolver)
    assert site.hits(path) == 1
    assert {address[0] for address in guard.connections} == {"127.0.0.1"}


def test_a_redirect_to_another_scheme_is_refused(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(FetchError, match=r"^refused file:///etc/passwd: only http and https"):
        fetch(f"{site.url}/to-file", allowed)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.test/article.txt",
        "file:///etc/passwd",
        "gopher://example.test/",
        "javascript:alert(1)",
        "example.test/no-scheme",
        "//example.test/no-scheme",
    ],
)
def test_other_schemes_are_refused(guard: NetworkGuard, url: str) -> None:
    with pytest.raises(FetchError, match="only http and https URLs are fetched"):
        fetch(url, Settings(), resolver=no_resolver)
    assert guard.connections == []


@pytest.mark.parametrize(
    "url",
    [
        "http://user:secret@example.test/",
        "http://user@example.test/",
        "https://:secret@example.test/",
        "http://{host}@example.test/",
    ],
)
def test_urls_with_credentials_are_refused(
    site: SiteServer, allowed: Settings, guard: NetworkGuard, url: str
) -> None:
    with pytest.raises(FetchError) as failure:
        fetch(url.format(host=f"127.0.0.1:{site.port}"), allowed, resolver=no_resolver)
    assert "credentials" in str(failure.value) and "secret" not in str(failure.value)
    assert guard.connections == []


@pytest.mark.parametrize("url", ["http:///copy.html", "http://:80/", "https://"])
def test_urls_without_host_are_refused(guard: NetworkGuard, url: str) -> None:
    with pytest.raises(FetchError, match="has no host"):
        fetch(url, Settings(), resolver=no_resolver)
    assert guard.connections == []


def test_vet_resolves_once_and_pins_without_connecting(guard: NetworkGuard) -> None:
    resolver = Table({"www.example.test": ["93.184.216.34", "2606:2800:220:1::"]})
    target = vet("https://WWW.Example.test:8443/a?b=c", Settings(), resolver)
    assert (target.ip, target.port, target.hostname) == ("93.184.216.34", 8443, "www.example.test")
    assert target.host_header == "www.example.test:8443"
    assert resolver.calls == [("www.example.test", 8443)]
    assert guard.connections == []


def test_requests_that_were_not_vetted_are_refused_by_the_adapter(
    site: SiteServer, guard: NetworkGuard
) -> None:
    with new_session() as session, pytest.raises(FetchError, match="not vetted"):
        session.get(f"{site.url}/copy.html")
    assert guard.connections == []


# --- pinning: the vetted address is the one connected to ----------------------------------------


def test_connects_to_the_resolved_address_and_keeps_the_host_name(
    site: SiteServer, guard: NetworkGuard
) -> None:
    resolver = Table({"copies.test": ["127.0.0.1"]})
    settings = Settings(fetch_allow_hosts=(f"copies.test:{site.port}",))
    result = fetch(f"http://copies.test:{site.port}/echo", settings, resolver=resolver)
    assert f"Host: copies.test:{site.port}" in result.body.decode()
    assert result.server_ip == "127.0.0.1"
    assert resolver.calls == [("copies.test", site.port)]
    assert [address[:2] for address in guard.connections] == [("127.0.0.1", site.port)]


def test_proxy_variables_and_unsafe_sessions_are_ignored(
    site: SiteServer, allowed: Settings, guard: NetworkGuard, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.1:3128")
    monkeypatch.setenv("http_proxy", "http://10.0.0.1:3128")
    with requests.Session() as session:
        assert fetch(f"{site.url}/copy.html", allowed, session=session).status == 200
        assert session.trust_env is False
    assert {address[0] for address in guard.connections} == {"127.0.0.1"}


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_tls_checks_the_host_name_while_connecting_to_the_pinned_address(
    tmp_path: Path, guard: NetworkGuard
) -> None:
    cert, key = _certificate(tmp_path, "copies.test")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server_names: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: server_names.append(name)
    with serve(tls=context) as site, requests.Session() as session:
        session.verify = str(cert)
        resolver = Table({"copies.test": ["127.0.0.1"], "other.test": ["127.0.0.1"]})
        settings = Settings(fetch_allow_hosts=(f"copies.test:{site.port}", f"other.test:{site.port}"))
        result = fetch(
            f"https://copies.test:{site.port}/copy.html", settings, resolver=resolver, session=session
        )
        assert COPY_SENTENCE in page_from_fetch(result)[0]
        assert server_names == ["copies.test"]
        with pytest.raises(FetchFailed, match=r"^TLS error from https://other\.test"):
            fetch(f"https://other.test:{site.port}/copy.html", settings, resolver=resolver, session=session)
    assert {address[0] for address in guard.connections} == {"127.0.0.1"}


def test_fetched_at_is_the_request_time(site: SiteServer, allowed: Settings) -> None:
    result = fetch(f"{site.url}/redirect/1", allowed)
    times = [exchange.fetched_at for exchange in result.exchanges]
    assert times == sorted(times) and result.fetched_at == times[-1]
    assert times[-1] - times[0] < timedelta(seconds=30)


def test_the_guard_stops_outside_connections_and_lookups_before_they_happen(guard: NetworkGuard) -> None:
    """The proof the other tests rely on: nothing they could do leaves the machine unnoticed."""
    with pytest.raises(AssertionError, match="tried to connect"):
        socket.create_connection(("10.0.0.1", 80), timeout=0.01)
    with socket.socket() as sock, pytest.raises(AssertionError, match="tried to connect"):
        sock.connect(("93.184.216.34", 80))
    with pytest.raises(AssertionError, match="tried to resolve"):
        socket.getaddrinfo("example.test", 80)
    assert len(guard.violations) == 3
    guard.violations.clear()  # provoked on purpose


# --- which errors say "never retry" and which "try again later" ---------------------------------


def kind(error: FetchError) -> type[FetchError]:
    """The branch of the error tree: FetchRefused, FetchFailed, or FetchError itself."""
    return next(branch for branch in (FetchRefused, FetchFailed, FetchError) if isinstance(error, branch))


_PLAIN = (FIXTURES / "copy.html").read_bytes()
_GZIP_LIMIT = (len(gzip.compress(_PLAIN)) + len(_PLAIN)) // 2  # the raw body fits, not the page

ERROR_KINDS = [
    ("/loop/a", {}, FetchRefused),
    ("/chain/3", {"max_redirects": 2}, FetchRefused),
    ("/huge", {}, FetchRefused),
    ("/huge-chunked", {}, FetchRefused),
    ("/gzip.html", {"max_bytes": _GZIP_LIMIT}, FetchRefused),
    ("/image.png", {}, FetchRefused),
    ("/png-as-html", {}, FetchRefused),
    ("/octet", {}, FetchRefused),
    ("/to-private", {}, FetchRefused),
    ("/to-metadata", {}, FetchRefused),
    ("/to-file", {}, FetchRefused),
    ("/slow", {"read_timeout": 0.3}, FetchFailed),
    ("/drip", {"read_timeout": 0.2, "fetch_deadline": 0.8}, FetchFailed),
    ("/drip-head", {"read_timeout": 5.0, "fetch_deadline": 0.5}, FetchFailed),
    ("/many-headers", {}, FetchRefused),
    ("/long-header", {}, FetchRefused),
    ("/big-head", {}, FetchRefused),
    ("/to-control", {}, FetchRefused),
    ("/500", {}, FetchFailed),
    ("/503", {}, FetchFailed),
    ("/404", {}, FetchError),  # the server answered: a retry will not find the page
    ("/no-location", {}, FetchError),
]


@pytest.mark.parametrize(("path", "overrides", "expected"), ERROR_KINDS)
def test_each_failure_says_whether_to_retry(
    site: SiteServer, allowed: Settings, path: str, overrides: dict, expected: type[FetchError]
) -> None:
    with pytest.raises(FetchError) as failure:
        fetch(f"{site.url}{path}", allowed.replace(**overrides), resolver=no_resolver)
    assert kind(failure.value) is expected, str(failure.value)


def _refuse_name(host: str, port: int) -> list[str]:
    raise UnicodeError("label empty or too long")


def _no_answer(host: str, port: int) -> list[str]:
    raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")


@pytest.mark.parametrize(
    ("url", "resolver", "expected"),
    [
        ("http://user:secret@example.test/", no_resolver, FetchRefused),
        ("ftp://example.test/", no_resolver, FetchRefused),
        ("http://10.0.0.1/", no_resolver, FetchRefused),
        ("http://example.test:99999/", no_resolver, FetchRefused),
        ("http://intranet.test/", Table({"intranet.test": ["192.168.1.5"]}), FetchRefused),
        ("http://example.test/", _refuse_name, FetchRefused),
        ("http://example.test/", _no_answer, FetchFailed),
        ("http://example.test/", Table({"example.test": []}), FetchFailed),
    ],
)
def test_refusals_and_failures_before_connecting(
    guard: NetworkGuard, url: str, resolver: Resolver, expected: type[FetchError]
) -> None:
    with pytest.raises(FetchError) as failure:
        fetch(url, Settings(), resolver=resolver)
    assert kind(failure.value) is expected, str(failure.value)
    assert guard.connections == []


def test_an_unreachable_port_may_pass_later(allowed: Settings) -> None:
    with serve() as closed:
        port = closed.port
    settings = allowed.replace(fetch_allow_hosts=(f"127.0.0.1:{port}",))
    with pytest.raises(FetchFailed):
        fetch(f"http://127.0.0.1:{port}/", settings)


def _answer(status: int) -> Exchange:
    return Exchange(
        url="https://example.test/a",
        server_ip="93.184.216.34",
        method="GET",
        request_target="/a",
        request_headers=(),
        http_version="HTTP/1.1",
        status=status,
        reason="",
        raw_headers=(),
        raw_body=b"",
        fetched_at=datetime.now(UTC),
    )


@pytest.mark.parametrize(
    ("status", "retry_after", "expected", "seconds"),
    [
        (429, "120", FetchFailed, 120.0),
        (503, "7", FetchFailed, 7.0),
        (429, "", FetchFailed, None),
        (429, "soon", FetchFailed, None),
        (408, "", FetchFailed, None),
        (502, "", FetchFailed, None),
        (403, "", FetchError, None),
        (410, "", FetchError, None),
        (304, "", FetchError, None),
    ],
)
def test_status_errors_and_retry_after(
    status: int, retry_after: str, expected: type[FetchError], seconds: float | None
) -> None:
    """Statuses the fixture server does not serve: 429 and Retry-After, 408, other 4xx."""
    headers = {"Retry-After": retry_after} if retry_after else {}
    error = fetch_module._status_error(_answer(status), headers, "https://example.test/a")
    assert kind(error) is expected
    assert str(error).startswith(f"HTTP {status} ")
    assert getattr(error, "retry_after", None) == seconds


def test_a_retry_after_of_non_ascii_digits_is_no_delay(site: SiteServer, allowed: Settings) -> None:
    with pytest.raises(FetchFailed, match="HTTP 429") as failure:
        fetch(f"{site.url}/superscript-retry", allowed)
    assert failure.value.retry_after is None


def test_an_enormous_retry_after_is_capped() -> None:
    error = fetch_module._status_error(_answer(429), {"Retry-After": "9" * 400}, "https://example.test/a")
    assert error.retry_after == fetch_module.RETRY_AFTER_MAX  # type: ignore[attr-defined]


def test_retry_after_as_an_http_date() -> None:
    later = (datetime.now(UTC) + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    error = fetch_module._status_error(_answer(429), {"Retry-After": later}, "https://example.test/a")
    assert isinstance(error, FetchFailed) and error.retry_after is not None
    assert 80 <= error.retry_after <= 90
    past = "Wed, 21 Oct 2015 07:28:00 GMT"
    error = fetch_module._status_error(_answer(503), {"Retry-After": past}, "https://example.test/a")
    assert isinstance(error, FetchFailed) and error.retry_after == 0.0
