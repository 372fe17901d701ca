"""Fixture sites for the fetch, evidence and documents tests, served on 127.0.0.1 only.

`serve()` starts a threaded HTTP(S) server on 127.0.0.1 (port 0) that serves `fixtures/sites/`
plus dynamic routes (redirect chains and loops, slow and huge bodies, wrong charsets, errors,
flaky 503s, a redirect to a private address…) and records every request it receives.
`NetworkGuard` makes any connection or name lookup that could leave the machine fail the test.
`make_pdf` and `make_png` build the small binary fixtures stored in `fixtures/sites/`.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import socketserver
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sites"
OURS = FIXTURES.parent / "archive" / "html"  # our own article pages, served under /ours/

# A sentence of the text reproduced in fixtures/sites/copy.html.
COPY_SENTENCE = (
    "Faute de pluie depuis la mi-janvier, les jeunes pousses de blé dur jaunissent "
    "avant même d’avoir atteint la montaison"
)
LATIN1_TEXT = (
    "Les céréaliers des Hauts Plateaux redoutent une récolte perdue : à Sétif, "
    "l'hiver sec a déjà coûté la moitié des semis de blé dur, et les coopératives "
    "réclament un report des échéances."
)
PDF_LINES = (
    "Revue de presse du 12 mars 2024",
    "Sécheresse : les céréaliers des Hauts Plateaux craignent une récolte perdue.",
    "Faute de pluie depuis la mi-janvier, les jeunes pousses de blé dur jaunissent.",
)
PDF_LINK = "https://journal.example/economie/secheresse-hauts-plateaux"
SLOW_SECONDS = 1.5
DRIP_SECONDS = 1.0  # between two bytes of /drip-head: far within any read timeout, yet never done
HUGE_BYTES = 2 * 1024 * 1024
# A NUL byte past the first 8 KB, where sniffing no longer looks for binary data.
NUL_LATE = b"Texte de remplissage sans importance. " * 300 + b"\x00 fin"


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]


@dataclass
class SiteServer:
    """A running fixture server: its base URL and the requests it has seen."""

    url: str
    host: str
    port: int
    seen: list[Seen] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def hits(self, path: str) -> int:
        """How many requests reached `path` (without query)."""
        return sum(1 for seen in self.seen if seen.path.split("?")[0] == path)

    def _count(self, path: str) -> int:
        with self.lock:
            self.counts[path] = self.counts.get(path, 0) + 1
            return self.counts[path]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    site: SiteServer

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        with self.site.lock:
            self.site.seen.append(Seen(self.path, dict(self.headers.items())))
        path = urlsplit(self.path).path
        route = ROUTES.get(path)
        if route is None and path.startswith("/chain/"):
            route = _chain
        if route is None and path.startswith("/slow-chain/"):
            route = _slow_chain
        if route is not None:
            route(self)
        else:
            _static(self, path)

    def send(
        self,
        status: int,
        body: bytes,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str, status: int = 302) -> None:
        self.send(status, b"", headers={"Location": location})


def _static(handler: _Handler, path: str) -> None:
    folder, name = (
        (OURS, path.removeprefix("/ours/")) if path.startswith("/ours/") else (FIXTURES, path.lstrip("/"))
    )
    file = (folder / name).resolve()
    if not name or folder.resolve() not in file.parents or not file.is_file():
        handler.send(404, b"<h1>Not Found</h1>")
        return
    types = {
        ".html": "text/html; charset=utf-8",
        ".pdf": "application/pdf",
        ".png": "image/png",
        ".txt": "text/plain; charset=utf-8",
    }
    handler.send(200, file.read_bytes(), types.get(file.suffix, "application/octet-stream"))


def _chain(handler: _Handler) -> None:
    """/chain/N redirects to /chain/N-1 … /chain/0, which redirects to /copy.html."""
    step = int(handler.path.rsplit("/", 1)[1])
    handler.redirect(f"/chain/{step - 1}" if step > 0 else "/copy.html")


def _slow_chain(handler: _Handler) -> None:
    """/slow-chain/N waits 0.3 s, then redirects to /slow-chain/N-1 … /slow-chain/0, then /copy.html."""
    time.sleep(0.3)
    step = int(handler.path.rsplit("/", 1)[1])
    handler.redirect(f"/slow-chain/{step - 1}" if step > 0 else "/copy.html")


def _slow(handler: _Handler) -> None:
    time.sleep(SLOW_SECONDS)
    handler.send(200, b"<p>enfin</p>")


def _drip(handler: _Handler) -> None:
    """A body sent one byte at a time, each well within the read timeout, for a long time."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Content-Length", "100")
    handler.end_headers()
    for _ in range(100):
        handler.wfile.write(b"x")
        handler.wfile.flush()
        time.sleep(0.05)


def _drip_head(handler: _Handler) -> None:
    """The status line at once, then the headers one byte per second (a minute of them)."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\n")
    handler.wfile.flush()
    head = (
        b"Content-Type: text/plain; charset=utf-8\r\nX-Lent: "
        + b"z" * 20
        + b"\r\nContent-Length: 2\r\n\r\nok"
    )
    for byte in head:
        time.sleep(DRIP_SECONDS)
        handler.wfile.write(bytes([byte]))
        handler.wfile.flush()
    handler.close_connection = True


def _head(handler: _Handler, headers: list[tuple[str, str]]) -> None:
    """A 200 with these extra headers and a two-byte body."""
    handler.send_response(200)
    for name, value in headers:
        handler.send_header(name, value)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Content-Length", "2")
    handler.end_headers()
    handler.wfile.write(b"ok")


def _superscript_length(handler: _Handler) -> None:
    """A Content-Length of "²", a digit to str.isdigit(), not to int(); the body ends the connection."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Content-Length", "\u00b2")
    handler.end_headers()
    handler.wfile.write(b"ok")
    handler.close_connection = True


def _huge(handler: _Handler, chunked: bool) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    if chunked:
        handler.send_header("Transfer-Encoding", "chunked")
    else:
        handler.send_header("Content-Length", str(HUGE_BYTES))
    handler.end_headers()
    block = b"a" * 8192
    for _ in range(HUGE_BYTES // len(block)):
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(block), block) if chunked else block)
    if chunked:
        handler.wfile.write(b"0\r\n\r\n")


def _gzip(handler: _Handler) -> None:
    """copy.html gzip-encoded whatever the client accepts (some servers do that)."""
    body = gzip.compress((FIXTURES / "copy.html").read_bytes(), mtime=0)
    handler.send(200, body, headers={"Content-Encoding": "gzip"})


def _flaky(handler: _Handler) -> None:
    """503 on the first request, the page afterwards."""
    if handler.site._count("/flaky") == 1:
        handler.send(503, b"<h1>Service Unavailable</h1>")
    else:
        _static(handler, "/copy.html")


def _reset(handler: _Handler) -> None:
    """The first connection is dropped without an answer, the page afterwards."""
    if handler.site._count("/reset") == 1:
        handler.close_connection = True
        handler.connection.shutdown(socket.SHUT_RDWR)
    else:
        _static(handler, "/copy.html")


def _echo(handler: _Handler) -> None:
    lines = "".join(f"{k}: {v}\n" for k, v in handler.headers.items())
    handler.send(200, lines.encode("utf-8"), "text/plain; charset=utf-8")


ROUTES: dict[str, Callable[[_Handler], None]] = {
    "/redirect/1": lambda h: h.redirect("/redirect/2"),
    "/redirect/2": lambda h: h.redirect(f"http://{h.site.host}:{h.site.port}/copy.html", 301),
    "/loop/a": lambda h: h.redirect("/loop/b"),
    "/loop/b": lambda h: h.redirect("/loop/a"),
    "/slow": _slow,
    "/drip": _drip,
    "/drip-head": _drip_head,
    "/huge": lambda h: _huge(h, chunked=False),
    "/huge-chunked": lambda h: _huge(h, chunked=True),
    "/latin1.html": lambda h: h.send(
        200,
        f"<html><body><article><p>{LATIN1_TEXT}</p></article></body></html>".encode("iso-8859-1"),
        "text/html; charset=utf-8",
    ),
    "/latin1.txt": lambda h: h.send(200, LATIN1_TEXT.encode("iso-8859-1"), "text/plain; charset=utf-8"),
    "/utf8-as-latin1.txt": lambda h: h.send(
        200, LATIN1_TEXT.encode("utf-8"), "text/plain; charset=iso-8859-1"
    ),
    "/404": lambda h: h.send(404, b"<h1>Not Found</h1>"),
    "/500": lambda h: h.send(500, b"<h1>Internal Server Error</h1>"),
    "/503": lambda h: h.send(503, b"<h1>Service Unavailable</h1>"),
    "/flaky": _flaky,
    "/reset": _reset,
    "/png-as-html": lambda h: h.send(200, make_png(), "text/html"),
    "/octet": lambda h: h.send(200, b"\x00\x01\x02binary\x00" * 10, "application/octet-stream"),
    "/pdf-as-octet": lambda h: h.send(200, (FIXTURES / "doc.pdf").read_bytes(), "application/octet-stream"),
    "/gzip.html": _gzip,
    "/echo": _echo,
    "/latin1-header": lambda h: h.send(
        200, b"<p>en-t\xc3\xaate</p>", headers={"X-Titre": "Sécheresse à Sétif"}
    ),
    "/to-private": lambda h: h.redirect("http://10.0.0.1/"),
    "/to-metadata": lambda h: h.redirect("http://169.254.169.254/latest/meta-data/"),
    "/to-file": lambda h: h.redirect("file:///etc/passwd"),
    "/to-drip-head": lambda h: h.redirect("/drip-head"),
    "/to-control": lambda h: h.redirect("/copy\x01.html"),
    "/to-nul": lambda h: h.redirect("/copy.html\x00"),
    "/many-headers": lambda h: _head(h, [(f"X-Numero-{i}", "un") for i in range(150)]),
    "/long-header": lambda h: _head(h, [("X-Long", "l" * 70_000)]),
    "/big-head": lambda h: _head(h, [(f"X-Gros-{i}", "g" * 30_000) for i in range(10)]),
    "/superscript-length": _superscript_length,
    "/superscript-retry": lambda h: h.send(429, b"", headers={"Retry-After": "\u00b2"}),
    "/nul-late.txt": lambda h: h.send(200, NUL_LATE, "text/plain; charset=utf-8"),
    "/charset-base64": lambda h: h.send(200, LATIN1_TEXT.encode("iso-8859-1"), "text/plain; charset=base64"),
    "/charset-rot13": lambda h: h.send(200, b"<p>\xe9t\xe9</p>", "text/html; charset=rot13"),
    "/no-location": lambda h: h.send(302, b""),
}


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn, a reverse lookup that may query DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up (timeouts, size limits) is expected here


@contextmanager
def running(server: LoopbackServer) -> Iterator[LoopbackServer]:
    """`server` answering on its own thread for the block, then shut down and closed."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def local_server(handler: type[BaseHTTPRequestHandler]) -> LoopbackServer:
    """A server of `handler` on 127.0.0.1, on a free port (start it with `running`)."""
    return LoopbackServer(("127.0.0.1", 0), handler)


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[SiteServer]:
    """A fixture server on 127.0.0.1 (HTTPS with `tls`), stopped on exit."""
    server = local_server(_Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    scheme = "https" if tls is not None else "http"
    site = SiteServer(url=f"{scheme}://127.0.0.1:{port}", host="127.0.0.1", port=port)
    server.RequestHandlerClass = type("Handler", (_Handler,), {"site": site})
    with running(server):
        yield site


# --- the network guard ----------------------------------------------------------------------------


def _is_loopback(host: object) -> bool:
    try:
        return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
    except ValueError:
        return False


def _is_numeric(host: object) -> bool:
    try:
        ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False
    return True


class NetworkGuard:
    """Fails the test on any connection outside 127.0.0.0/8 and ::1 and on any DNS lookup.

    Installed before a test, it records every connection attempt (`connections`) and raises
    AssertionError, before the system call, for a non-loopback one; name lookups other than
    numeric addresses, and reverse lookups, raise too: a DNS query is a packet to the
    resolver, which is not on loopback here.
    """

    def __init__(self) -> None:
        self.connections: list[Any] = []
        self.violations: list[str] = []

    def _check_connect(self, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        self.connections.append(address)
        if not _is_loopback(host):
            self.violations.append(f"connection to {address!r}")
            raise AssertionError(f"the test tried to connect to {address!r}")

    def _check_lookup(self, host: Any) -> None:
        if host is not None and not _is_numeric(host if isinstance(host, str) else bytes(host).decode()):
            self.violations.append(f"name lookup of {host!r}")
            raise AssertionError(f"the test tried to resolve {host!r} with the system resolver")

    def install(self, monkeypatch: pytest.MonkeyPatch) -> NetworkGuard:
        connect, connect_ex = socket.socket.connect, socket.socket.connect_ex
        create_connection, getaddrinfo = socket.create_connection, socket.getaddrinfo
        gethostbyname = socket.gethostbyname
        guard = self

        def guarded_connect(sock: socket.socket, address: Any) -> None:
            guard._check_connect(address)
            connect(sock, address)

        def guarded_connect_ex(sock: socket.socket, address: Any) -> int:
            guard._check_connect(address)
            return connect_ex(sock, address)

        def guarded_create_connection(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
            guard._check_connect(address)
            return create_connection(address, *args, **kwargs)

        def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
            guard._check_lookup(host)
            return getaddrinfo(host, *args, **kwargs)

        def guarded_gethostbyname(host: str) -> str:
            guard._check_lookup(host)
            return gethostbyname(host)

        def refused_gethostbyaddr(address: str) -> Any:
            guard.violations.append(f"reverse lookup of {address!r}")
            raise AssertionError(f"the test tried a reverse DNS lookup of {address!r}")

        monkeypatch.setattr(socket.socket, "connect", guarded_connect)
        monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
        monkeypatch.setattr(socket, "create_connection", guarded_create_connection)
        monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
        monkeypatch.setattr(socket, "gethostbyname", guarded_gethostbyname)
        monkeypatch.setattr(socket, "gethostbyaddr", refused_gethostbyaddr)
        return self


@contextmanager
def guarded(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    """A NetworkGuard for the block; it also fails if a violation was swallowed somewhere."""
    guard = NetworkGuard().install(monkeypatch)
    yield guard
    assert guard.violations == [], guard.violations


# --- binary fixtures ------------------------------------------------------------------------------


def make_png() -> bytes:
    """A valid 1×1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def make_pdf(
    lines: tuple[str, ...] = PDF_LINES, link: str | None = PDF_LINK, title: str = "Revue de presse"
) -> bytes:
    """A small valid one-page PDF: `lines` in Helvetica (WinAnsi), a link annotation, a title."""

    def literal(text: str) -> bytes:
        raw = text.replace("’", "'").encode("cp1252")
        return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"

    stream = (
        b"BT /F1 11 Tf 50 780 Td 14 TL\n" + b"".join(literal(line) + b" Tj T*\n" for line in lines) + b"ET"
    )
    annots = b" /Annots [6 0 R]" if link else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >>" + annots + b" >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Annot /Subtype /Link /Rect [50 700 300 720] /Border [0 0 0]"
        b" /A << /S /URI /URI " + literal(link or "") + b" >> >>",
        b"<< /Title " + literal(title) + b" /Author (Le Relais Info) /CreationDate (D:20240312101500Z) >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 7 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


if __name__ == "__main__":  # regenerate the binary fixtures
    (FIXTURES / "doc.pdf").write_bytes(make_pdf())
    (FIXTURES / "image.png").write_bytes(make_png())
