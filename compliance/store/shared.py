"""What every repository module (articles, fingerprints, captures) shares: IN-list chunks, UTC
checks, the clock, and one-line driver messages.

In: Python values on their way into a query. Out: the same values checked (`utc`), split for
`IN (...)` (`chunks`), or an exception shortened to the line a user should see (`one_line`).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from compliance.errors import StorageError

IN_CHUNK = 500  # ids or urls per `IN (...)`: far below SQLite's bound-parameter limit
T = TypeVar("T")


def chunks(values: Sequence[T], size: int = IN_CHUNK) -> Iterator[Sequence[T]]:
    """`values` in consecutive slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def utc(value: datetime | None, what: str) -> datetime | None:
    """`value` in UTC; a naive datetime is refused, its zone would be a guess."""
    if value is None:
        return None
    if value.tzinfo is None or value.utcoffset() is None:
        raise StorageError(f"{what} must be a timezone-aware datetime, got {value.isoformat()}")
    return value.astimezone(UTC)


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def one_line(exc: BaseException) -> str:
    """The first line of the driver's message: SQLAlchemy appends SQL and a link below it."""
    cause = getattr(exc, "orig", None) or exc
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__
