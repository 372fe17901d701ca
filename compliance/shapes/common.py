"""What the shape modules share: how scores are rounded and how dates are written."""

from __future__ import annotations

from datetime import date, datetime

SCORE_DIGITS = 4  # scores are estimates: more digits would only make outputs differ in noise


def when(value: datetime | date | None) -> str | None:
    """A date or time in ISO 8601, or None."""
    return value.isoformat() if value is not None else None
