"""Alerts after a scan: a signed JSON digest to a local webhook receiver, an e-mail digest to a
local SMTP server (aiosmtpd), both on 127.0.0.1; a private webhook address refused unless allowed."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from factories import excerpt, fixture_bodies
from sites import LoopbackServer
from test_scans import add_site, cli, prepare
from watched import WatchedSite, copy_page, planted_site, serve_watched

from compliance.webhooks import SIGNATURE_HEADER, sign, verify

SECRET = "s3cret-partagé"


class Receiver:
    """A webhook receiver on 127.0.0.1 that keeps each body with whether its signature verifies."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str, bool]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                signature = self.headers.get(SIGNATURE_HEADER, "")
                receiver.received.append((body, signature, verify(body, SECRET, signature)))
                self.send_response(204)
                self.end_headers()

        self.server = LoopbackServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def watched() -> Iterator[WatchedSite]:
    with serve_watched() as site:
        yield site


def test_a_webhook_receiver_gets_one_signed_digest_per_scan(
    watched: WatchedSite, env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Receiver() as receiver:
        prepare(monkeypatch, env, watched)
        allowed = f"{env['COMPLIANCE_FETCH_ALLOW_HOSTS']},127.0.0.1:{receiver.port}"
        monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", allowed)
        monkeypatch.setenv("COMPLIANCE_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{receiver.port}/hook")
        monkeypatch.setenv("COMPLIANCE_ALERT_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("COMPLIANCE_ALERT_MIN_SEVERITY", "none")
        planted = planted_site(watched, count=4)
        add_site(runner, "copies", watched.url, "--delay", "0", "--depth", "2")
        first = cli(runner, "scan", "--site", "copies", "--json")
        second = cli(runner, "scan", "--site", "copies", "--json")  # nothing new: nothing to alert

    assert [line.split(":")[0] for line in first["alerts"]] == ["webhook sent"] and second["alerts"] == []
    [(body, signature, verified)] = receiver.received
    assert verified and signature == sign(body, SECRET)
    digest = json.loads(body)
    assert digest["count"] == len(planted) == len(digest["findings"])
    assert {f["finding"] for f in digest["findings"]} == {m["finding"] for m in first["matches"]}
    # A body changed on the way, or signed with another key, does not verify.
    assert not verify(body.replace(b'"count"', b'"Count"'), SECRET, signature)
    assert not verify(body, "another secret", signature)


def test_only_findings_at_or_above_the_alert_severity_are_sent(
    watched: WatchedSite, env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Receiver() as receiver:
        prepare(monkeypatch, env, watched)
        allowed = f"{env['COMPLIANCE_FETCH_ALLOW_HOSTS']},127.0.0.1:{receiver.port}"
        monkeypatch.setenv("COMPLIANCE_FETCH_ALLOW_HOSTS", allowed)
        monkeypatch.setenv("COMPLIANCE_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{receiver.port}/hook")
        monkeypatch.setenv("COMPLIANCE_ALERT_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("COMPLIANCE_ALERT_MIN_SEVERITY", "critical")
        watched.page("/", copy_page("Accueil", "Les nouvelles du jour.", ("/full.html", "/quote.html")))
        watched.page("/full.html", copy_page("Copie", fixture_bodies()[1]))
        quoted = f"Comme l’écrit la Gazette du Littoral : « {excerpt(fixture_bodies()[2], 45, 10)} »."
        watched.page("/quote.html", copy_page("Revue", quoted))
        add_site(runner, "copies", watched.url, "--delay", "0", seeds=("/",))
        record = cli(runner, "scan", "--site", "copies", "--json")
    critical = {m["finding"] for m in record["matches"] if m["severity"]["level"] == "critical"}
    assert critical and len(critical) < len(record["matches"])
    [(body, _signature, verified)] = receiver.received
    assert verified and {f["finding"] for f in json.loads(body)["findings"]} == critical


def test_a_webhook_on_a_private_address_is_refused_unless_allowed(
    watched: WatchedSite, env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Receiver() as receiver:
        prepare(monkeypatch, env, watched)  # the site is allowed, the receiver is not
        monkeypatch.setenv("COMPLIANCE_ALERT_WEBHOOK_URL", f"http://127.0.0.1:{receiver.port}/hook")
        monkeypatch.setenv("COMPLIANCE_ALERT_WEBHOOK_SECRET", SECRET)
        monkeypatch.setenv("COMPLIANCE_ALERT_MIN_SEVERITY", "none")
        planted_site(watched, count=2)
        add_site(runner, "copies", watched.url, "--delay", "0")
        record = cli(runner, "scan", "--site", "copies", "--json")
    assert receiver.received == []
    [line] = record["alerts"]
    assert line.startswith("webhook failed") and "not a public address" in line
    assert record["matches"]  # the findings are kept whatever happens to their alert


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_an_email_digest_goes_to_the_smtp_server(
    watched: WatchedSite, env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    try:
        prepare(monkeypatch, env, watched)
        monkeypatch.setenv("COMPLIANCE_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("COMPLIANCE_SMTP_PORT", str(port))
        monkeypatch.setenv("COMPLIANCE_ALERT_EMAIL_TO", "juridique@example.org,veille@example.org")
        monkeypatch.setenv("COMPLIANCE_ALERT_MIN_SEVERITY", "none")
        planted_site(watched, count=3)
        add_site(runner, "copies", watched.url, "--delay", "0")
        record = cli(runner, "scan", "--site", "copies", "--json")
    finally:
        controller.stop()
    [message] = inbox.messages
    assert message["To"] == "juridique@example.org, veille@example.org"
    assert f"{len(record['matches'])} new finding(s)" in message["Subject"]
    text, attachment = (part for part in message.walk() if not part.is_multipart())
    assert all(m["url"] in text.get_payload(decode=True).decode() for m in record["matches"])
    assert json.loads(attachment.get_payload(decode=True))["count"] == len(record["matches"])
