"""Who acts, for every workflow command: `--as USER`, or COMPLIANCE_USER.

--as NAME ─► Archive.users.actor ─► Actor (an active user; before the first user exists,
                                          the local operator, an admin)
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import click

from compliance.errors import InputError
from compliance.pipeline import Archive
from compliance.records import Actor


def as_option(command: Any) -> Any:
    """The `--as USER` option (default: COMPLIANCE_USER)."""
    return click.option(
        "--as",
        "acting",
        envvar="COMPLIANCE_USER",
        metavar="USER",
        help="Who acts (default: COMPLIANCE_USER).",
    )(command)


def actor(archive: Archive, name: str | None) -> Actor:
    """The actor named on the command line."""
    return archive.users.actor(name)


def parse_date(option: str, value: str) -> date:
    """A YYYY-MM-DD date, or one clear line naming the option."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not a date (YYYY-MM-DD): {value!r}") from None


def parse_time(option: str, value: str) -> datetime:
    """An ISO 8601 time with its timezone, or one clear line naming the option."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{option}: not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise InputError(f"{option}: give the timezone too (e.g. {value}+00:00)")
    return parsed
