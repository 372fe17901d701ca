"""A number of seconds in, one wall-clock deadline for a whole fetch out, enforced on its sockets.

Per-operation timeouts cannot stop a server that sends its status line, headers or body one byte
at a time, each byte well within the read timeout. A `Deadline` covers the whole exchange:
connecting, the status line, the headers, the body and every redirect. While it is active
(`with deadline:`), the connections transport.py opens or reuses register their sockets
(`watch_socket`); when the time is up, a timer thread shuts every registered socket down, which
wakes whatever read is blocked on it. A read cut off that way may look complete (headers ended
early, a body ended early), so callers ask `expired()` after every step and throw the result away.

Each watched socket is kept as a duplicate file descriptor owned here, closed when the deadline
ends: shutting a duplicate down ends the connection, and a descriptor the kernel has already
given to another socket can never be touched by mistake.

Plain `socket` and `threading`: no HTTP library here.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import socket
import threading
import time
from types import TracebackType

from compliance.errors import FetchFailed

_ACTIVE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("fetch_deadline", default=None)


class Deadline:
    """`seconds` from now for everything a fetch does; its sockets are shut down when they pass."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._ends = time.monotonic() + seconds
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self._passed = False
        self._timer: threading.Timer | None = None
        self._token: contextvars.Token[Deadline | None] | None = None

    def __enter__(self) -> Deadline:
        self._timer = threading.Timer(self.remaining(), self._expire)
        self._timer.daemon = True
        self._timer.start()
        self._token = _ACTIVE.set(self)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)
        if self._timer is not None:
            self._timer.cancel()
        with self._lock:
            watched, self._sockets = self._sockets, []
        for duplicate in watched:
            duplicate.close()

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self._ends - time.monotonic())

    def expired(self) -> bool:
        """Whether the deadline has passed (whatever a cut-off read seemed to return)."""
        return self._passed or time.monotonic() >= self._ends

    def error(self, url: str) -> FetchFailed:
        """The error of a fetch that ran out of time while at `url`."""
        return FetchFailed(f"timed out: {url} took longer than the fetch deadline of {self.seconds:g}s")

    def check(self, url: str) -> None:
        """FetchFailed if the deadline has passed."""
        if self.expired():
            raise self.error(url)

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes (at once if it already has)."""
        try:
            duplicate = socket.socket(sock.family, sock.type, sock.proto, fileno=os.dup(sock.fileno()))
        except OSError:
            return  # already closed: nothing left to cut off
        with self._lock:
            self._sockets.append(duplicate)
            passed = self._passed
        if passed:
            _shut(duplicate)

    def _expire(self) -> None:
        with self._lock:
            self._passed = True
            watched = list(self._sockets)
        for duplicate in watched:
            _shut(duplicate)


def watch_socket(sock: socket.socket) -> None:
    """Put `sock` under the active deadline, if a fetch is running one in this context."""
    deadline = _ACTIVE.get()
    if deadline is not None:
        deadline.watch(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already, or never connected
        sock.shutdown(socket.SHUT_RDWR)
