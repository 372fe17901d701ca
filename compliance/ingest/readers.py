"""Files and folders in, article records out; one plain-text page in, its text out.

`read_paths(paths)` yields one `ArticleInput` per record of .jsonl, .json, .html/.htm and .txt files
(folders are walked recursively, in sorted order), or a `RecordError` saying which file, which line
and why a record is unusable; it never raises for bad content. `read_text(path)` returns the text of
one plain-text page for `check --text`, or raises `InputError`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from compliance.capture.content import SNIFF_BYTES, UTF8_BOM, decode_declared_html, decode_utf8, is_binary
from compliance.errors import ConfigurationError, ExtractionError, InputError, RecordError
from compliance.ingest.our_pages import extract_article
from compliance.records import ArticleInput
from compliance.settings import Settings

log = logging.getLogger(__name__)

SUFFIXES = (".jsonl", ".json", ".html", ".htm", ".txt")
TITLE_MAX_CHARS = 200
STRING_FIELDS = ("title", "author", "section", "language", "rights_notice", "source")
DATE_FIELDS = ("published_at", "updated_at")

Record = ArticleInput | RecordError


def read_paths(paths: Sequence[str | os.PathLike[str]], settings: Settings | None = None) -> Iterator[Record]:
    """One `ArticleInput` or `RecordError` per record of the given files and folders, in order."""
    settings = settings or Settings()
    _zone(settings.publisher_timezone)  # a bad setting fails here, not once per record
    if isinstance(paths, str | os.PathLike):  # one path given alone, not its characters
        paths = [paths]
    for path in map(Path, paths):
        if path.is_dir():
            for file in _walk(path):
                yield from _read_file(file, settings)
        elif not path.exists():
            yield RecordError("no such file or directory", str(path))
        elif path.suffix.lower() not in SUFFIXES:
            yield RecordError(
                f"unsupported file type {path.suffix or '(none)'!r}, expected " + ", ".join(SUFFIXES),
                str(path),
            )
        else:
            yield from _read_file(path, settings)


def read_text(path: str | os.PathLike[str], settings: Settings | None = None) -> str:
    """The text of one UTF-8 plain-text file ("-": stdin), exactly as decoded, BOM dropped."""
    limit = (settings or Settings()).max_input_bytes
    name = "stdin" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            data = _read_limited(sys.stdin.buffer, limit)
        else:
            data = _read_file_bytes(Path(path), limit)
        return _text(data)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def _walk(folder: Path) -> Iterator[Path]:
    """The readable files under `folder`, sorted; other files are skipped with a debug log."""
    found: list[Path] = []
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        found.extend(Path(root) / name for name in files)
    for file in sorted(found):
        if file.suffix.lower() in SUFFIXES:
            yield file
        else:
            log.debug("skipping %s: not one of %s", file, ", ".join(SUFFIXES))


def _read_file(path: Path, settings: Settings) -> Iterator[Record]:
    """The records of one file, any problem turned into a RecordError."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            yield from _read_jsonl(path, settings)
        else:
            data = _read_file_bytes(path, settings.max_input_bytes)
            yield from _READERS[suffix](path, data, settings)
    except InputError as exc:
        yield RecordError(str(exc), str(path))
    except OSError as exc:
        yield RecordError(f"cannot read the file: {exc.strerror or exc}", str(path))


# --- bytes checks shared by every reader ------------------------------------------------------


def _read_file_bytes(path: Path, limit: int) -> bytes:
    """The bytes of one regular file, refused before reading when over `limit`."""
    if not path.exists():
        raise InputError("no such file or directory")
    if not path.is_file():
        raise InputError("not a regular file")
    if path.stat().st_size > limit:
        raise InputError(_too_large("file", limit))
    with path.open("rb") as stream:
        return _read_limited(stream, limit)


def _read_limited(stream: BinaryIO, limit: int) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InputError(_too_large("file", limit))
    return data


def _too_large(what: str, limit: int) -> str:
    mb = 1024 * 1024
    size = f"{limit // mb} MB" if limit % mb == 0 else f"{limit}-byte"
    return f"{what} is larger than the {size} limit"


def _check_bytes(data: bytes) -> bytes:
    """`data` unless it is empty, whitespace only or binary."""
    if not data.removeprefix(UTF8_BOM).strip():
        raise InputError("empty file")
    if is_binary(data):
        raise InputError("binary file, not text")
    return data


def _text(data: bytes) -> str:
    """The UTF-8 text of a whole file, BOM dropped; InputError if empty, binary or not UTF-8."""
    text = decode_utf8(_check_bytes(data))
    if not text.strip():  # only no-break or other Unicode spaces
        raise InputError("empty file")
    return text


# --- one reader per kind of file --------------------------------------------------------------


def _read_jsonl(path: Path, settings: Settings) -> Iterator[Record]:
    """One record per non-blank line, streamed: the file is never held whole."""
    limit, source, seen = settings.max_input_bytes, str(path), False
    if not path.is_file():
        raise InputError("not a regular file")
    with path.open("rb") as stream:
        if is_binary(stream.read(SNIFF_BYTES)):
            raise InputError("binary file, not text")
        stream.seek(0)
        offset = 0
        for number, (raw, size) in enumerate(_lines(stream, limit), start=1):
            start, offset = offset, offset + size
            if raw is None:
                seen = True
                yield RecordError(_too_large("line", limit), source, number)
            elif raw.strip() and raw.strip() != UTF8_BOM:
                seen = True
                yield _jsonl_record(raw, start, source, number, settings)
    if not seen:
        yield RecordError("empty file", source)


def _lines(stream: BinaryIO, limit: int) -> Iterator[tuple[bytes | None, int]]:
    """(line, size in bytes) per line; line is None when longer than `limit` (then skipped)."""
    while raw := stream.readline(limit + 2):  # room for "\r\n" after `limit` bytes
        content = raw.rstrip(b"\r\n")
        if len(content) <= limit:
            yield content, len(raw)
            continue
        size = len(raw)
        while not raw.endswith(b"\n") and (raw := stream.readline(1024 * 1024)):
            size += len(raw)
        yield None, size


def _jsonl_record(raw: bytes, offset: int, source: str, line: int, settings: Settings) -> Record:
    try:
        value = json.loads(decode_utf8(raw, offset))
    except InputError as exc:
        return RecordError(str(exc), source, line)
    except json.JSONDecodeError as exc:
        return RecordError(f"invalid JSON: {exc.msg} at column {exc.colno}", source, line)
    return _record_or_error(value, source, line, settings)


def _read_json(path: Path, data: bytes, settings: Settings) -> Iterator[Record]:
    try:
        value = json.loads(_text(data))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield _record_or_error(item, str(path), index + 1, settings)
    elif isinstance(value, dict):
        yield _record_or_error(value, str(path), None, settings)
    else:
        raise InputError(f"expected a JSON object or a list of objects, got {_kind(value)}")


def _read_html(path: Path, data: bytes, settings: Settings) -> Iterator[Record]:
    try:
        yield extract_article(decode_declared_html(_check_bytes(data)), timezone=settings.publisher_timezone)
    except ExtractionError as exc:
        yield RecordError(str(exc), str(path))


def _read_txt(path: Path, data: bytes, settings: Settings) -> Iterator[Record]:
    title, body = _split_title(_text(data))
    yield ArticleInput(url=path.resolve().as_uri(), body=body, title=title)


def _split_title(text: str) -> tuple[str | None, str]:
    """(first line, rest) when a short first line is followed by a blank line, else (None, text).

    The rest starts at its first non-blank line and is otherwise kept byte for byte.
    """
    first, _, rest = text.partition("\n")
    title = first.strip()
    if not title or len(title) >= TITLE_MAX_CHARS or not _starts_blank(rest):
        return None, text
    while _starts_blank(rest):
        rest = rest.partition("\n")[2]
    return (title, rest) if rest.strip() else (None, text)


def _starts_blank(text: str) -> bool:
    """True when `text` begins with a blank line ended by a newline."""
    line, newline, _ = text.partition("\n")
    return bool(newline) and not line.strip()


_READERS: dict[str, Callable[[Path, bytes, Settings], Iterator[Record]]] = {
    ".json": _read_json,
    ".html": _read_html,
    ".htm": _read_html,
    ".txt": _read_txt,
}


# --- JSON objects to records ------------------------------------------------------------------


def article_from_json(value: Any, settings: Settings | None = None) -> ArticleInput:
    """One parsed JSON object to an `ArticleInput`, checked as ingest checks every record."""
    return _record(value, settings or Settings())


def _record_or_error(value: Any, source: str, line: int | None, settings: Settings) -> Record:
    try:
        return _record(value, settings)
    except InputError as exc:
        return RecordError(str(exc), source, line)


def _record(value: Any, settings: Settings) -> ArticleInput:
    """One JSON object to an `ArticleInput`; InputError naming the first bad field."""
    if not isinstance(value, dict):
        raise InputError(f"expected a JSON object, got {_kind(value)}")
    for name in ("url", "body"):
        if name not in value or value[name] is None:
            raise InputError(f"missing required field {name!r}")
        if not isinstance(value[name], str) or not value[name].strip():
            raise InputError(f"field {name!r} must be a non-empty string")
    fields: dict[str, Any] = {name: _optional_str(value, name) for name in STRING_FIELDS}
    zone = _zone(settings.publisher_timezone)
    fields.update({name: _optional_date(value, name, zone) for name in DATE_FIELDS})
    paywalled = value.get("paywalled")
    if paywalled is not None and not isinstance(paywalled, bool):
        raise InputError(f"field 'paywalled' must be true or false, got {_kind(paywalled)}")
    return ArticleInput(url=value["url"].strip(), body=value["body"], paywalled=paywalled, **fields)


def _optional_str(value: dict[str, Any], name: str) -> str | None:
    found = value.get(name)
    if found is not None and not isinstance(found, str):
        raise InputError(f"field {name!r} must be a string, got {_kind(found)}")
    return found


def _optional_date(value: dict[str, Any], name: str, zone: ZoneInfo) -> datetime | None:
    """An ISO 8601 field as a datetime; naive times are the publisher's local time."""
    found = value.get(name)
    if found is None:
        return None
    if not isinstance(found, str):
        raise InputError(f"field {name!r} must be an ISO 8601 string, got {_kind(found)}")
    try:
        stamp = datetime.fromisoformat(found.strip())
    except ValueError:
        raise InputError(f"field {name!r} is not an ISO 8601 date: {found[:40]!r}") from None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=zone)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"publisher_timezone: unknown time zone {name!r}") from None


def _kind(value: Any) -> str:
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
