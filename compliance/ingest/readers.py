"""Files and folders in, article records out; one plain-text page in, its text out.

`read_paths(paths)` yields one `ArticleInput` per record of .jsonl, .json, .html/.htm and .txt files
(folders are walked recursively, in sorted order), or a `RecordError` saying which file, which line
and why a record is unusable: bad content, a record over a limit (`limits`), a file or folder that
cannot be read; it never raises for them. Files are UTF-8, or UTF-16 when a BOM says so.
`read_text(path)` returns the text of one plain-text page for `check --text`, or raises `InputError`.
"""

from __future__ import annotations

import io
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

from compliance.capture.content import (
    SNIFF_BYTES,
    UTF8_BOM,
    binary_kind,
    decode_declared_html,
    decode_own_text,
    decode_utf8,
    utf16_codec,
)
from compliance.errors import ExtractionError, InputError, RecordError
from compliance.ingest import limits
from compliance.ingest.objects import article_from_json, json_kind, publisher_zone
from compliance.ingest.our_pages import extract_article
from compliance.records import ArticleInput
from compliance.settings import Settings

log = logging.getLogger(__name__)

SUFFIXES = (".jsonl", ".json", ".html", ".htm", ".txt")
TITLE_MAX_CHARS = 200

Record = ArticleInput | RecordError


def read_paths(paths: Sequence[str | os.PathLike[str]], settings: Settings | None = None) -> Iterator[Record]:
    """One `ArticleInput` or `RecordError` per record of the given files and folders, in order."""
    settings = settings or Settings()
    publisher_zone(settings.publisher_timezone)  # a bad setting fails here, not once per record
    if isinstance(paths, str | os.PathLike):  # one path given alone, not its characters
        paths = [paths]
    for path in map(Path, paths):
        try:
            yield from _read_path(path, settings)
        except OSError as exc:  # the path itself cannot be looked at (a folder on its way unreadable)
            yield RecordError(f"cannot read: {exc.strerror or exc}", str(path))


def read_text(path: str | os.PathLike[str], settings: Settings | None = None) -> str:
    """The text of one plain-text file ("-": stdin), exactly as decoded, BOM dropped."""
    limit = (settings or Settings()).max_input_bytes
    name = "stdin" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            stdin = getattr(sys.stdin, "buffer", None)  # sys.stdin is None when fd 0 was closed (<&-)
            if stdin is None:
                raise InputError("standard input is closed")
            data = _read_limited(stdin, limit)
        else:
            data = _read_file_bytes(Path(path), limit)
        return _text(data)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None


def _read_path(path: Path, settings: Settings) -> Iterator[Record]:
    """The records of one path named by the caller: a folder, a file, or what it is instead."""
    if str(path) == "-":
        yield RecordError("ingest does not read standard input: give a file or a folder", "-")
    elif path.is_dir():
        yield from _read_folder(path, settings)
    elif not path.exists():
        yield RecordError("no such file or directory", str(path))
    elif path.suffix.lower() not in SUFFIXES:
        expected = ", ".join(SUFFIXES)
        kind = path.suffix or "(none)"
        yield RecordError(f"unsupported file type {kind!r}, expected {expected}", str(path))
    else:
        yield from _read_file(path, settings)


def _read_folder(folder: Path, settings: Settings) -> Iterator[Record]:
    """The records of the files under `folder`, sorted; each folder that cannot be read is an error.

    Files of other types are skipped with a debug log.
    """
    found: list[Path] = []
    unreadable: list[OSError] = []
    for root, dirs, files in os.walk(folder, onerror=unreadable.append):
        dirs.sort()
        found.extend(Path(root) / name for name in files)
    for error in unreadable:
        yield RecordError(f"cannot read the folder: {error.strerror or error}", str(error.filename or folder))
    for file in sorted(found):
        if file.suffix.lower() in SUFFIXES:
            yield from _read_file(file, settings)
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
    """The reason for a file or line over `Settings.max_input_bytes`."""
    mb = 1024 * 1024
    size = f"{limit // mb} MB" if limit % mb == 0 else f"{limit}-byte"
    return f"{what} is larger than the {size} limit"


def _check_bytes(data: bytes) -> bytes:
    """`data` unless it is empty, whitespace only or binary."""
    if not data.removeprefix(UTF8_BOM).strip():
        raise InputError("empty file")
    if kind := binary_kind(data):
        raise InputError(kind)
    return data


def _text(data: bytes) -> str:
    """The text of a whole file, BOM dropped; InputError if empty, binary, not UTF-8 or UTF-16."""
    text = decode_own_text(_check_bytes(data))
    if not text.strip():  # only no-break or other Unicode spaces
        raise InputError("empty file")
    if (nul := text.find("\0")) >= 0:  # past the first bytes that binary_kind looks at
        raise InputError(f"binary file, not text: a NUL character at character {nul}")
    return text


# --- one reader per kind of file --------------------------------------------------------------


def _read_jsonl(path: Path, settings: Settings) -> Iterator[Record]:
    """One record per non-blank line, streamed: the file is never held whole."""
    limit, source, seen = settings.max_input_bytes, str(path), False
    if not path.is_file():
        raise InputError("not a regular file")
    with path.open("rb") as stream:
        head = stream.read(SNIFF_BYTES)
        # Binary from its first line on: not JSON Lines at all. NUL bytes further on (a crash's
        # zero-filled tail, one corrupt line) cost only their own lines.
        if kind := binary_kind(head.partition(b"\n")[0]):
            raise InputError(kind)
        stream.seek(0)
        lines = _utf16_lines(stream, limit) if utf16_codec(head) else _utf8_lines(stream, limit)
        for number, line in enumerate(lines, start=1):
            if isinstance(line, InputError):
                seen = True
                yield RecordError(str(line), source, number)
            elif line.strip() and line.strip() != "\ufeff":
                seen = True
                yield _jsonl_record(line, source, number, settings)
    if not seen:
        yield RecordError("empty file", source)


def _utf8_lines(stream: BinaryIO, limit: int) -> Iterator[str | InputError]:
    """Each line as text, or why it is not: longer than `limit` bytes (then skipped), binary, not UTF-8."""
    offset = 0
    while raw := stream.readline(limit + 2):  # room for "\r\n" after `limit` bytes
        start, content = offset, raw.rstrip(b"\r\n")
        offset += len(raw)
        if len(content) > limit:
            while not raw.endswith(b"\n") and (raw := stream.readline(1024 * 1024)):
                offset += len(raw)
            yield InputError(_too_large("line", limit))
            continue
        if (nul := content.find(b"\0")) >= 0:
            yield InputError(f"binary data, not text: a NUL byte at byte {start + nul}")
            continue
        try:
            yield decode_utf8(content, start)
        except InputError as exc:
            yield exc


def _utf16_lines(stream: BinaryIO, limit: int) -> Iterator[str | InputError]:
    """Each line of a UTF-16 stream (BOM first) as text, or why it is not; a bad byte ends the file."""
    chars = limit // 2  # two bytes a character (four for the few beyond the BMP)
    text = io.TextIOWrapper(stream, encoding="utf-16", newline="\n")
    try:
        while line := text.readline(chars + 2):
            content = line.rstrip("\r\n")
            if len(content) <= chars:
                yield content
                continue
            while not line.endswith("\n") and (line := text.readline(1024 * 1024)):
                pass
            yield InputError(_too_large("line", limit))
    except UnicodeDecodeError as exc:  # the decoder cannot find where the next character starts
        yield InputError(f"not valid UTF-16 ({exc.reason}): the rest of the file is not read")
    finally:
        text.detach()  # the caller closes the file


def _jsonl_record(line: str, source: str, number: int, settings: Settings) -> Record:
    try:
        if limits.too_deep(line):
            raise InputError(limits.TOO_DEEP)
        value = limits.loads(line)
    except InputError as exc:
        return RecordError(str(exc), source, number)
    except json.JSONDecodeError as exc:
        return RecordError(f"invalid JSON: {exc.msg} at column {exc.colno}", source, number)
    return _record_or_error(value, source, number, settings)


def _read_json(path: Path, data: bytes, settings: Settings) -> Iterator[Record]:
    """The record of a JSON object, or one record per item of a JSON array (its index as line)."""
    text = _text(data)
    try:
        value, too_deep = limits.json_records(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if index in too_deep:
                yield RecordError(limits.TOO_DEEP, str(path), index + 1)
            else:
                yield _record_or_error(item, str(path), index + 1, settings)
    elif isinstance(value, dict):
        yield _record_or_error(value, str(path), None, settings)
    else:
        raise InputError(f"expected a JSON object or a list of objects, got {json_kind(value)}")


def _read_html(path: Path, data: bytes, settings: Settings) -> Iterator[Record]:
    try:
        html = decode_declared_html(_check_bytes(data))
        yield limits.check_article(extract_article(html, timezone=settings.publisher_timezone))
    except (ExtractionError, InputError) as exc:
        yield RecordError(str(exc), str(path))


def _read_txt(path: Path, data: bytes, settings: Settings) -> Iterator[Record]:
    title, body = _split_title(_text(data))
    try:
        yield limits.check_article(ArticleInput(url=path.resolve().as_uri(), body=body, title=title))
    except InputError as exc:
        yield RecordError(str(exc), str(path))


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


def _record_or_error(value: Any, source: str, line: int | None, settings: Settings) -> Record:
    try:
        return limits.check_article(article_from_json(value, settings))
    except InputError as exc:
        return RecordError(str(exc), source, line)
