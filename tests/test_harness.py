"""Tests of the test harness itself (tests/conftest.py): the network guard on every test, the
outside services, and the rule that CI fails where a laptop skips."""

from __future__ import annotations

import os
import socket
import socketserver
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import postgres_problem, redis_problem, unavailable, under_ci
from sites import NetworkGuard

ROOT = Path(__file__).resolve().parent.parent


# --- the network guard, on every test -------------------------------------------------------------


def test_every_test_is_guarded_without_asking(request: pytest.FixtureRequest) -> None:
    with pytest.raises(AssertionError, match="tried to connect"):
        socket.create_connection(("192.0.2.1", 80), timeout=0.01)
    with pytest.raises(AssertionError, match="tried to resolve"):
        socket.getaddrinfo("journal.example", 443)
    guard: NetworkGuard = request.getfixturevalue("guard")  # the autouse instance
    assert len(guard.violations) == 2
    guard.violations.clear()  # provoked on purpose


def test_loopback_is_allowed_and_recorded(guard: NetworkGuard) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = server.getsockname()
        with socket.create_connection(address, timeout=1):
            pass
    assert set(guard.connections) == {address} and guard.violations == []


# --- skipped on a laptop, failed under CI ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", False), ("0", False), ("false", False), ("No", False), ("1", True), ("true", True), ("yes", True)],
)
def test_ci_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, expected: bool) -> None:
    monkeypatch.setenv("CI", value)
    assert under_ci() is expected


def test_unavailable_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"^Redis: set it$"):
        unavailable("Redis: set it")


def test_unavailable_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"^Redis: set it \(CI is set: a missing service"):
        unavailable("Redis: set it")


def run_one_test(test: str, **environ: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", f"tests/test_harness.py::{test}"],
        cwd=ROOT,
        env={**os.environ, **environ},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("ci", "returncode", "outcome"),
    [("", 0, "1 skipped"), ("1", 1, "1 error")],
)
def test_a_missing_postgres_url_skips_or_fails_the_run(ci: str, returncode: int, outcome: str) -> None:
    done = run_one_test("test_the_postgres_server_answers", CI=ci, COMPLIANCE_TEST_POSTGRES_URL="")
    assert (done.returncode, outcome in done.stdout) == (returncode, True), done.stdout
    assert "PostgreSQL: set COMPLIANCE_TEST_POSTGRES_URL to run these tests on it" in done.stdout
    assert "Traceback" not in done.stdout


# --- the services -----------------------------------------------------------------------------------


def test_the_postgres_server_answers(postgres_url: str) -> None:
    assert postgres_problem(postgres_url) is None


def test_an_unreachable_postgres_is_explained() -> None:
    problem = postgres_problem(f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test")
    assert problem is not None and "127.0.0.1" in problem and "\n" not in problem


def test_the_redis_server_answers(redis_url: str) -> None:
    assert redis_problem(redis_url) is None


class _FakeRedis(socketserver.StreamRequestHandler):
    """Reads RESP commands and answers each from `replies`; records the bytes it received."""

    replies: ClassVar[dict[bytes, bytes]]
    received: ClassVar[list[bytes]]

    def handle(self) -> None:
        while header := self.rfile.readline():
            lines = [header]
            for _ in range(int(header[1:])):
                lines += [self.rfile.readline(), self.rfile.readline()]
            self.received.append(b"".join(lines))
            self.wfile.write(self.replies[lines[2].strip()])


@pytest.fixture
def fake_redis() -> Iterator[tuple[str, list[bytes], dict[bytes, bytes]]]:
    """A TCP server on 127.0.0.1 that answers AUTH and PING as Redis does (replies can be changed)."""
    received: list[bytes] = []
    replies = {b"AUTH": b"+OK\r\n", b"PING": b"+PONG\r\n"}
    handler = type("Handler", (_FakeRedis,), {"received": received, "replies": replies})
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        yield f"redis://127.0.0.1:{server.server_address[1]}/0", received, replies
        server.shutdown()
        thread.join(5)


def test_redis_ping_is_sent_raw(fake_redis: tuple[str, list[bytes], dict[bytes, bytes]]) -> None:
    url, received, _ = fake_redis
    assert redis_problem(url) is None
    assert b"".join(received) == b"*1\r\n$4\r\nPING\r\n"


def test_redis_password_is_sent_first(fake_redis: tuple[str, list[bytes], dict[bytes, bytes]]) -> None:
    url, received, _ = fake_redis
    assert redis_problem(url.replace("//", "//:s%40cret@")) is None
    assert b"".join(received) == b"*2\r\n$4\r\nAUTH\r\n$6\r\ns@cret\r\n*1\r\n$4\r\nPING\r\n"
    assert redis_problem(url.replace("//", "//worker:pw@")) is None
    assert received[-2] == b"*3\r\n$4\r\nAUTH\r\n$6\r\nworker\r\n$2\r\npw\r\n"


def test_a_wrong_redis_reply_is_a_problem(fake_redis: tuple[str, list[bytes], dict[bytes, bytes]]) -> None:
    url, _, replies = fake_redis
    replies[b"PING"] = b"-NOAUTH Authentication required.\r\n"
    assert redis_problem(url) == "unexpected reply b'-NOAUTH Authentication required.\\r\\n'"


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("rediss://127.0.0.1:6379/0", "only redis:// URLs are checked, got rediss scheme"),
        ("http://127.0.0.1:6379/", "only redis:// URLs are checked, got http scheme"),
    ],
)
def test_other_redis_schemes_are_refused(url: str, problem: str) -> None:
    assert redis_problem(url) == problem


def test_a_closed_redis_port_is_a_problem() -> None:
    problem = redis_problem(f"redis://127.0.0.1:{free_port()}/0", timeout=1)
    assert problem is not None and problem.startswith("no answer (")


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
