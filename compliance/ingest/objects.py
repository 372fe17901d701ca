"""A parsed JSON object in, an `ArticleInput` out: the article input contract of DESIGN.md.

`url` and `body` are required non-empty strings; `title`, `author`, `section`, `language`,
`rights_notice` and `source` optional strings; `published_at` and `updated_at` optional ISO 8601
strings (a time without a zone is the publisher's local time); `paywalled` an optional boolean.
Other fields are ignored. Any other value raises `InputError` naming the first bad field; the
limits every record keeps besides (`limits.check_article`) are checked by the caller.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.errors import ConfigurationError, InputError
from compliance.ingest import limits
from compliance.records import ArticleInput
from compliance.settings import Settings

STRING_FIELDS = ("title", "author", "section", "language", "rights_notice", "source")


def article_from_json(value: Any, settings: Settings) -> ArticleInput:
    """One JSON object to an `ArticleInput`; InputError naming the first bad field."""
    if not isinstance(value, dict):
        raise InputError(f"expected a JSON object, got {json_kind(value)}")
    for name in ("url", "body"):
        if name not in value or value[name] is None:
            raise InputError(f"missing required field {name!r}")
        if not isinstance(value[name], str) or not value[name].strip():
            raise InputError(f"field {name!r} must be a non-empty string")
    fields: dict[str, Any] = {name: _optional_str(value, name) for name in STRING_FIELDS}
    zone = publisher_zone(settings.publisher_timezone)
    fields.update({name: _optional_date(value, name, zone) for name in limits.DATE_FIELDS})
    paywalled = value.get("paywalled")
    if paywalled is not None and not isinstance(paywalled, bool):
        raise InputError(f"field 'paywalled' must be true or false, got {json_kind(paywalled)}")
    return ArticleInput(url=value["url"].strip(), body=value["body"], paywalled=paywalled, **fields)


def _optional_str(value: dict[str, Any], name: str) -> str | None:
    found = value.get(name)
    if found is not None and not isinstance(found, str):
        raise InputError(f"field {name!r} must be a string, got {json_kind(found)}")
    return found


def _optional_date(value: dict[str, Any], name: str, zone: ZoneInfo) -> datetime | None:
    """An ISO 8601 field as a datetime; naive times are the publisher's local time."""
    found = value.get(name)
    if found is None:
        return None
    if not isinstance(found, str):
        raise InputError(f"field {name!r} must be an ISO 8601 string, got {json_kind(found)}")
    try:
        stamp = datetime.fromisoformat(found.strip())
    except ValueError:
        raise InputError(f"field {name!r} is not an ISO 8601 date: {found[:40]!r}") from None
    zoned = stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=zone)
    return limits.check_date(name, zoned, found.strip())


def publisher_zone(name: str) -> ZoneInfo:
    """The publisher's time zone, or ConfigurationError naming the setting."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"publisher_timezone: unknown time zone {name!r}") from None


def json_kind(value: Any) -> str:
    """The JSON name of a value's type, for messages."""
    names = {
        bool: "boolean",
        int: "number",
        float: "number",
        str: "string",
        list: "array",
        dict: "object",
        type(None): "null",
    }
    return names.get(type(value), type(value).__name__)
