"""A URL or a submitted file → a stored, write-once capture (WARC + SHA-256) and its text.

    url  ─► fetch (safe) ─► text and metadata ─► boilerplate set aside ─► WARC ─► captures row
    file ─► read ─────────► text and metadata ─────────────────────────► WARC ─► captures row

A web page's boilerplate (boilerplate.py) is judged against the line keys of the host's earlier
captures; the spans set aside go in the capture's metadata, and `checked_text` (page_text.py)
gives the text to check from the capture alone.

Nothing is written for a refused or failed fetch, or for a file that cannot be read: the WARC is
written only once the text is in hand, and the row only once the WARC is safely on disk. A process
killed between the two leaves an orphan WARC (or a temporary file) that `evidence_orphans` reports
and `clean_evidence` puts aside (evidence_folder.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from compliance.capture.boilerplate import boilerplate_spans, pack, rest_keys, unpack
from compliance.capture.documents import page_from_fetch, read_document
from compliance.capture.evidence import capture_from_fetch, capture_from_file
from compliance.capture.evidence_folder import Orphan, clean, orphans, verify
from compliance.capture.fetch import FetchResult, fetch
from compliance.capture.page_text import block_spans
from compliance.capture.vet import Resolver
from compliance.records import Capture
from compliance.settings import Settings
from compliance.store import Store


def capture_url(url: str, settings: Settings, store: Store, resolver: Resolver | None = None) -> Capture:
    """Fetch `url` safely and keep the evidence; the capture's `text` is what gets checked."""
    result = fetch(url, settings, resolver=resolver)
    text, metadata = page_from_fetch(result)
    return store_page(result, text, metadata, settings, store)


def store_page(
    result: FetchResult, text: str, metadata: dict[str, Any], settings: Settings, store: Store
) -> Capture:
    """Keep a fetched suspect page: its boilerplate set aside, its line keys kept for the next."""
    blocks = block_spans(metadata)
    host = site_of(result.final_url)
    if host is None or not blocks:
        return store_fetch(result, text, metadata, settings, store)
    page_key = result.requested_url.split("#")[0]  # the page as checks.url_page keys it
    seen: set[int] = set()
    for keys in store.host_line_keys(host, page_key, result.final_url, settings.boilerplate_captures):
        seen |= unpack(keys)
    metadata = {**metadata, "boilerplate": boilerplate_spans(text, blocks, seen)}
    capture = capture_from_fetch(result, text, metadata, settings.evidence_path)
    return store.add_capture(replace(capture, host=host, line_keys=pack(rest_keys(text, blocks))))


def site_of(url: str) -> str | None:
    """The host (and port, if any) whose pages share boilerplate: lower case, no user info."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2].lower()
    return host if parts.scheme in ("http", "https") and host else None


def store_fetch(
    result: FetchResult,
    text: str,
    metadata: dict[str, Any],
    settings: Settings,
    store: Store,
    article_id: int | None = None,
) -> Capture:
    """Write the WARC of a fetch, then its captures row."""
    capture = capture_from_fetch(result, text, metadata, settings.evidence_path)
    return store.add_capture(replace(capture, article_id=article_id))


def capture_file(path: str | Path, settings: Settings, store: Store) -> Capture:
    """Read a submitted file (.html, .txt, .eml, .pdf) and keep it as evidence."""
    data, content_type, text, metadata = read_document(path, max_bytes=settings.max_input_bytes)
    capture = capture_from_file(data, Path(path).name, content_type, text, metadata, settings.evidence_path)
    return store.add_capture(capture)


def verify_captures(
    store: Store, settings: Settings, ids: Sequence[int] | None = None
) -> list[tuple[Capture, str | None]]:
    """Every capture (or those of `ids`) with None when its WARC is intact, else why not."""
    captures = store.list_captures(list(ids) if ids else None)
    return [(c, verify(settings.evidence_path, c.warc_path, c.sha256)) for c in captures]


def evidence_orphans(store: Store, settings: Settings) -> list[Orphan]:
    """Files of the evidence folder that no capture names: stale temporary files, unrecorded WARCs."""
    return orphans(settings.evidence_path, _recorded(store))


def clean_evidence(store: Store, settings: Settings) -> list[tuple[Orphan, str]]:
    """Delete stale temporary files, quarantine unrecorded WARCs; each orphan and where it went."""
    return clean(settings.evidence_path, _recorded(store))


def _recorded(store: Store) -> set[str]:
    # Read before the folder is listed: a WARC written since is younger than the grace period.
    return {capture.warc_path for capture in store.list_captures()}
