"""Reading WARC and WET files someone else wrote: a path in, its records with their byte offsets out.

    vet(path)                      a file we can read, or InputError naming it (missing, empty,
                                   not a WARC, one gzip stream for many records)
    ranges(path, per_part)         a whole pass over the file: its checkable records cut into
                                   ranges of `per_part`; InputError for a truncated file
    read_range(path, start, end)   the checkable records whose first byte lies in [start, end),
                                   each with its offset, length, URL, type and body
    record_bytes(path, offset, n)  the bytes of one record as stored (a gzip member, or raw)

A checkable record is an HTML page: a `response` with a 2xx HTTP status and an HTML type, a
`resource` with an HTML type, or a WET `conversion` (plain text). Others (requests, metadata,
revisits, images) are skipped. Offsets are those of the file on disk, so a range can be handed to
another process: it seeks to `start` (a record's first byte) and reads from there.

Only this module and evidence.py import warcio.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from compliance.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
HTML_TYPES = ("text/html", "application/xhtml+xml")
CHECKED_KINDS = ("response", "resource", "conversion")
_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class WarcRecord:
    """One checkable record: where it is in the file, what it claims to be, and its body."""

    offset: int
    length: int  # bytes in the file (a gzip member with its trailer, or the raw record)
    kind: str  # response, resource or conversion
    url: str
    date: str | None  # WARC-Date, ISO 8601
    ip: str | None  # WARC-IP-Address
    status: int | None  # the HTTP status of a response
    content_type: str  # the HTTP Content-Type of a response, else the record's
    headers: tuple[tuple[str, str], ...]  # the HTTP headers of a response
    body: bytes  # the payload (transfer coding removed), at most `limit` + 1 bytes


@dataclass(frozen=True, slots=True)
class Range:
    """Records of a file from byte `start` up to `end` (exclusive); `records` of them checkable."""

    start: int
    end: int
    records: int


def vet(path: Path) -> bool:
    """Whether `path` is gzipped; InputError (naming it) when it is no WARC or WET file we can read."""
    try:
        with path.open("rb") as stream:
            head = stream.read(_CHUNK)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not a WARC file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    if not head:
        raise InputError(f"{path}: the file is empty")
    gzipped = head.startswith(GZIP_MAGIC)
    text = _gunzipped_head(head, path) if gzipped else head
    if not text.startswith((b"WARC/1.0", b"WARC/1.1", b"WARC/0.")):
        raise InputError(f"{path}: not a WARC or WET file (it does not start with a WARC record)")
    return gzipped


def _gunzipped_head(head: bytes, path: Path) -> bytes:
    try:
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(head, 64)
    except zlib.error:
        raise InputError(f"{path}: not a WARC file (broken gzip data at its start)") from None


def ranges(path: Path, per_part: int) -> list[Range]:
    """The file's records in ranges of `per_part` checkable ones, read whole once; InputError if broken."""
    found: list[Range] = []
    start, count, end = 0, 0, 0
    with _records(path, 0) as (iterator, records):
        for record in records:
            offset = iterator.offset
            if count == 0:
                start = offset
            checkable = _checkable(record)
            _drain(record, path, offset)
            end = offset + iterator.get_record_length()
            count += checkable
            if count >= per_part:
                found.append(Range(start, end, count))
                count = 0
    if count:
        found.append(Range(start, end, count))
    return found


def read_range(path: Path, start: int, end: int, limit: int) -> Iterator[WarcRecord]:
    """The checkable records whose first byte lies in [start, end), in order; bodies cut at `limit` + 1."""
    with _records(path, start) as (iterator, records):
        for record in records:
            offset = iterator.offset
            if offset >= end:
                return
            if not _checkable(record):
                continue
            body = record.content_stream().read(limit + 1)
            _drain(record, path, offset)
            yield _value(record, offset, iterator.get_record_length(), body)


def record_bytes(path: Path, offset: int, length: int) -> bytes:
    """One record exactly as the file holds it."""
    with path.open("rb") as stream:
        stream.seek(offset)
        data = stream.read(length)
    if len(data) != length:
        raise InputError(f"{path}: the record at byte {offset} is cut short (the file changed?)")
    return data


class _records:
    """`with _records(path, start) as (iterator, records)`: warcio's errors as one InputError line."""

    def __init__(self, path: Path, start: int) -> None:
        self.path, self.start = path, start
        self.stream: BinaryIO | None = None

    def __enter__(self) -> tuple[ArchiveIterator, Iterator[Any]]:
        self.stream = self.path.open("rb")
        self.stream.seek(self.start)
        iterator = ArchiveIterator(self.stream)
        return iterator, iter(iterator)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        if self.stream is not None:
            self.stream.close()
        if isinstance(error, AttributeError | TypeError):
            # warcio trips on a record whose headers stop short (a file cut inside them).
            raise InputError(f"{self.path}: truncated or malformed record headers ({error})") from None
        if isinstance(error, ArchiveLoadFailed | zlib.error | EOFError | ValueError):
            message = " ".join(str(error).split())
            if "non-chunked gzip" in message:
                message = "one gzip stream holds many records: recompress it one record a member"
            raise InputError(f"{self.path}: not a readable WARC file: {message[:200]}") from None


def _checkable(record: Any) -> bool:
    """Whether a sweep checks this record: an HTML page, or a WET file's text."""
    kind = record.rec_type
    if kind == "conversion":
        return True
    if kind not in ("response", "resource"):
        return False
    if kind == "response":
        http = record.http_headers
        if http is None or not http.get_statuscode().startswith("2"):
            return False
    return _media_type(_content_type(record)) in HTML_TYPES


def _content_type(record: Any) -> str:
    http = record.http_headers if record.rec_type == "response" else None
    declared = http.get_header("Content-Type") if http is not None else None
    return declared or record.rec_headers.get_header("Content-Type") or ""


def _media_type(content_type: str) -> str:
    return content_type.split(";")[0].strip().lower()


def _drain(record: Any, path: Path, offset: int) -> None:
    """Read the rest of the record; InputError when the file ends before the record does."""
    stream = record.raw_stream
    while stream.read(_CHUNK):
        pass
    if getattr(stream, "limit", 0) > 0:
        raise InputError(f"{path}: truncated: the record at byte {offset} ends before its declared length")


def _value(record: Any, offset: int, length: int, body: bytes) -> WarcRecord:
    headers = record.rec_headers
    http = record.http_headers if record.rec_type == "response" else None
    status = http.get_statuscode() if http is not None else ""
    content_type = _content_type(record)
    if record.rec_type == "conversion" and not content_type:
        content_type = "text/plain"
    return WarcRecord(
        offset=offset,
        length=length,
        kind=record.rec_type,
        url=headers.get_header("WARC-Target-URI") or "",
        date=headers.get_header("WARC-Date"),
        ip=headers.get_header("WARC-IP-Address"),
        status=int(status) if status.isdigit() else None,
        content_type=content_type,
        headers=tuple(http.headers) if http is not None else (),
        body=body,
    )
