"""Evidence: a `FetchResult` or a submitted file in, a content-addressed WARC file and a `Capture` out.

One WARC file (gzip, WARC/1.1, SHA-256 record digests) per capture: a warcinfo record, then for
every exchange of the redirect chain a request record and a response record (status line,
headers and body as received: the transfer coding is removed by the HTTP client, the content
coding is kept), or one resource record for a submitted file. Record ids and dates derive from
the content, so the same capture always gives the same bytes, which evidence_folder.py keeps once,
read-only, under their SHA-256: `<folder>/<2 hex>/<sha256>.warc.gz`.

A record of someone else's WARC or WET file (a sweep, compliance.sweeps) is kept as it was found:
our warcinfo record naming the file and the offset, then the record's own bytes, unchanged (its
gzip member as stored; an uncompressed record is gzipped, its bytes inside untouched).

This module writes WARCs; warc_records.py reads the files of others. No other module imports warcio.
"""

from __future__ import annotations

import gzip
import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from compliance import __version__
from compliance.capture.evidence_folder import keep, sha256_hex
from compliance.records import Capture, CaptureKind

if TYPE_CHECKING:
    from compliance.capture.fetch import Exchange, FetchResult
    from compliance.capture.warc_records import WarcRecord

WARC_VERSION = "WARC/1.1"
_IDS = uuid.UUID("5b0a3f4e-8f4c-4d7e-9a57-6c6f6d706c69")  # namespace of our record ids


class _Writer(WARCWriter):
    """warcio's writer with SHA-256 block and payload digests instead of SHA-1."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


class _ExactHead(StatusAndHeaders):
    """An HTTP head written byte for byte as given (warcio would %-encode non-ASCII values)."""

    def __init__(
        self, head: bytes, statusline: str, headers: Iterable[tuple[str, str]], protocol: str
    ) -> None:
        super().__init__(statusline, list(headers), protocol=protocol)
        self._head = head

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self._head


# --- writing ------------------------------------------------------------------------------------


def write_capture(result: FetchResult, folder: Path, tool_version: str = __version__) -> tuple[str, str]:
    """Write the WARC of a fetch (every exchange of its chain); returns (sha256, relative path)."""
    first = result.exchanges[0].fetched_at
    records = _Records(first)
    records.warcinfo(
        tool_version,
        {
            "description": f"capture of {result.requested_url}",
            "requested-url": result.requested_url,
            "final-url": result.final_url,
            "redirects": " ".join(result.redirects),
            "http-body": "transfer coding removed, content coding as received",
        },
    )
    for exchange in result.exchanges:
        records.exchange(exchange)
    return keep(records.close(), folder)


def write_file_capture(
    data: bytes,
    filename: str,
    content_type: str,
    folder: Path,
    tool_version: str = __version__,
    *,
    received_at: datetime | None = None,
) -> tuple[str, str]:
    """Write the WARC of a submitted file (one resource record); returns (sha256, path)."""
    received = _utc(received_at or datetime.now(UTC))
    records = _Records(received)
    uri = file_uri(filename)
    records.warcinfo(tool_version, {"description": f"submitted file {uri}"})
    records.resource(uri, data, content_type, received)
    return keep(records.close(), folder)


def file_uri(filename: str) -> str:
    """`file:///<name>` for a submitted file: its base name only, percent-encoded."""
    return "file:///" + quote(PurePosixPath(filename.replace("\\", "/")).name or "unnamed")


class _Records:
    """The records of one WARC file, written in memory with content-derived ids."""

    def __init__(self, when: datetime) -> None:
        self._buffer = BytesIO()
        self._writer = _Writer(self._buffer, gzip=True, warc_version=WARC_VERSION)
        self._when = _utc(when)
        self._info_id = ""

    def _id(self, *parts: object) -> str:
        return f"<urn:uuid:{uuid.uuid5(_IDS, '|'.join(map(str, parts)))}>"

    def _headers(
        self, kind: str, when: datetime, identity: Iterable[object], extra: Mapping[str, str] | None = None
    ) -> dict[str, str]:
        when = _utc(when).replace(tzinfo=None)
        headers = {
            "WARC-Record-ID": self._id(kind, *identity),
            "WARC-Date": datetime_to_iso_date(when, use_micros=True),
        }
        if self._info_id:
            headers["WARC-Warcinfo-ID"] = self._info_id
        headers.update(extra or {})
        return headers

    def warcinfo(self, tool_version: str, fields: Mapping[str, str]) -> None:
        lines = {
            "software": f"compliance/{tool_version}",
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            **fields,
        }
        body = "".join(f"{k}: {' '.join(v.split())}\r\n" for k, v in lines.items() if v)
        payload = body.encode("utf-8")
        headers = self._headers("warcinfo", self._when, [sha256_hex(payload)])
        record = self._writer.create_warc_record(
            "",
            "warcinfo",
            payload=BytesIO(payload),
            length=len(payload),
            warc_content_type="application/warc-fields",
            warc_headers_dict=headers,
        )
        self._writer.write_record(record)
        self._info_id = headers["WARC-Record-ID"]

    def exchange(self, exchange: Exchange) -> None:
        """A request record, then its response record."""
        request_head = _head(
            f"{exchange.method} {exchange.request_target} {exchange.http_version}", exchange.request_headers
        )
        status = f"{exchange.status} {exchange.reason}".strip()
        response_head = _head(f"{exchange.http_version} {status}", exchange.raw_headers)
        identity = (
            exchange.url,
            exchange.fetched_at.isoformat(),
            sha256_hex(response_head),
            sha256_hex(exchange.raw_body),
        )
        response_id = self._id("response", *identity)
        ip = {"WARC-IP-Address": exchange.server_ip}
        request = self._writer.create_warc_record(
            exchange.url,
            "request",
            payload=BytesIO(b""),
            length=0,
            http_headers=_ExactHead(
                request_head, exchange.request_target, exchange.request_headers, exchange.method
            ),
            warc_headers_dict=self._headers(
                "request",
                exchange.fetched_at,
                (*identity, sha256_hex(request_head)),
                {**ip, "WARC-Concurrent-To": response_id},
            ),
        )
        response = self._writer.create_warc_record(
            exchange.url,
            "response",
            payload=BytesIO(exchange.raw_body),
            length=len(exchange.raw_body),
            http_headers=_ExactHead(response_head, status, exchange.raw_headers, exchange.http_version),
            warc_headers_dict=self._headers("response", exchange.fetched_at, identity, ip),
        )
        self._writer.write_record(request)
        self._writer.write_record(response)

    def resource(self, uri: str, data: bytes, content_type: str, when: datetime) -> None:
        record = self._writer.create_warc_record(
            uri,
            "resource",
            payload=BytesIO(data),
            length=len(data),
            warc_content_type=content_type or "application/octet-stream",
            warc_headers_dict=self._headers("resource", when, (uri, sha256_hex(data))),
        )
        self._writer.write_record(record)

    def close(self) -> bytes:
        return self._buffer.getvalue()


def _head(first_line: str, headers: Iterable[tuple[str, str]]) -> bytes:
    """An HTTP head as on the wire; http.client decoded it as Latin-1, so this re-encodes it."""
    text = first_line + "\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def _utc(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("capture times must be timezone-aware")
    return when.astimezone(UTC)


# --- captures -----------------------------------------------------------------------------------


def capture_from_fetch(
    result: FetchResult, text: str, metadata: Mapping[str, Any], folder: Path, tool_version: str = __version__
) -> Capture:
    """Write the WARC of a fetch and describe it as a `Capture` (kind "url")."""
    digest, relative = write_capture(result, folder, tool_version)
    return Capture(
        sha256=digest,
        warc_path=relative,
        kind=CaptureKind.URL,
        requested_url=result.requested_url,
        final_url=result.final_url,
        redirects=tuple(result.redirects),
        status=result.status,
        headers=dict(result.headers),
        server_ip=result.server_ip,
        fetched_at=_utc(result.fetched_at),
        tool_version=tool_version,
        content_type=result.content_type,
        text=text,
        metadata=dict(metadata),
    )


def capture_from_file(
    data: bytes,
    filename: str,
    content_type: str,
    text: str,
    metadata: Mapping[str, Any],
    folder: Path,
    tool_version: str = __version__,
    *,
    received_at: datetime | None = None,
) -> Capture:
    """Write the WARC of a submitted file and describe it as a `Capture` (kind "file")."""
    received = _utc(received_at or datetime.now(UTC))
    digest, relative = write_file_capture(
        data, filename, content_type, folder, tool_version, received_at=received
    )
    uri = file_uri(filename)
    return Capture(
        sha256=digest,
        warc_path=relative,
        kind=CaptureKind.FILE,
        requested_url=uri,
        final_url=uri,
        redirects=(),
        status=None,
        headers={},
        server_ip=None,
        fetched_at=received,
        tool_version=tool_version,
        content_type=content_type,
        text=text,
        metadata=dict(metadata),
    )


def capture_from_record(
    record: WarcRecord,
    stored: bytes,
    source: str,
    text: str,
    metadata: Mapping[str, Any],
    folder: Path,
    tool_version: str = __version__,
) -> Capture:
    """Keep one record of another's WARC file (`stored`: its bytes as the file holds them) as a `Capture`."""
    found = _warc_date(record.date)
    records = _Records(found)
    records.warcinfo(
        tool_version,
        {
            "description": f"record of {record.url} found in a WARC file",
            "source-file": source,
            "source-offset": str(record.offset),
            "source-length": str(record.length),
            "source-record-sha256": sha256_hex(stored),
        },
    )
    member = stored if stored.startswith(b"\x1f\x8b") else gzip.compress(stored, mtime=0)
    digest, relative = keep(records.close() + member, folder)
    return Capture(
        sha256=digest,
        warc_path=relative,
        kind=CaptureKind.URL,
        requested_url=record.url,
        final_url=record.url,
        redirects=(),
        status=record.status,
        headers={name: value for name, value in record.headers},
        server_ip=record.ip,
        fetched_at=found,
        tool_version=tool_version,
        content_type=record.content_type,
        text=text,
        metadata={**metadata, "warc_source": source, "warc_offset": record.offset},
    )


def _warc_date(value: str | None) -> datetime:
    """A WARC-Date as an aware datetime; now when it is missing or unreadable."""
    try:
        parsed = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return datetime.now(UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- reading ------------------------------------------------------------------------------------


def final_body(path: Path, limit: int) -> bytes:
    """The body of the last response (or the resource) of a capture's WARC, decoded, at most `limit` bytes."""
    from warcio.archiveiterator import ArchiveIterator

    body = b""
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type in ("response", "resource", "conversion"):
                body = record.content_stream().read(limit)
    return body
