"""The demo's suspect sites: fixtures/demo-site/<host>/<page>.html served on 127.0.0.1.

One loopback server answers for every host name (by the Host header), and the demo's resolver
says each of those names is 127.0.0.1, so no DNS lookup and no packet leaves the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SITE = Path(__file__).resolve().parents[2] / "fixtures" / "demo-site"
# One port from run to run, so that checking the demo again sights the same pages (their URLs are
# their keys) instead of adding new ones; another free port if it is taken.
PORT = 5081


@dataclass(frozen=True)
class DemoSite:
    """A running demo site: its port, and the URL of every page."""

    port: int

    def hosts(self) -> list[str]:
        return sorted(p.name for p in SITE.iterdir() if p.is_dir())

    def urls(self) -> list[str]:
        return [
            f"http://{page.parent.name}:{self.port}/{page.name}" for page in sorted(SITE.glob("*/*.html"))
        ]

    def allow_hosts(self) -> tuple[str, ...]:
        """COMPLIANCE_FETCH_ALLOW_HOSTS for the demo: every demo host on this port, nothing else."""
        return tuple(f"{host}:{self.port}" for host in self.hosts())

    def resolve(self, host: str, port: int) -> list[str]:
        """Every demo host is this machine."""
        return ["127.0.0.1"] if host in self.hosts() else []


class _Pages(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        path = (SITE / host / self.path.lstrip("/").split("?")[0]).resolve()
        found = path.is_file() and path.is_relative_to(SITE)
        body = path.read_bytes() if found else b"<html><body><p>Page introuvable</p></body></html>"
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # quiet: the demo prints what matters
        pass


@contextmanager
def served(port: int = PORT) -> Iterator[DemoSite]:
    """The demo site on 127.0.0.1 (`port`, else a free one) while the block runs."""
    try:
        server = ThreadingHTTPServer(("127.0.0.1", port), _Pages)
    except OSError:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield DemoSite(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()
