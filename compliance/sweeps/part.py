"""One part of a sweep, start to end, in ONE function: `sweep_part(archive, part_id)`.

    part ─► its file, checked unchanged ─► the records in its byte range (warc_records.read_range)
         ─► each record without an outcome yet:
               body ─► the whole visible page (capture.documents, as a scan extracts it), the
                       lines of its rest already seen on an earlier page of the same host in this
                       part set aside as boilerplate (capture.boilerplate, as a scan does)
                    ─► matches (`Archive.check_text`) ─► none: `checked`
                    ─► some: judged by the policy (`checks.judge_matches`), the record's own
                       bytes kept as a capture, findings and the outcome stored in ONE transaction
         ─► outcomes without findings stored BATCH at a time, the last batch with the part's end

A part killed anywhere loses at most its last batch of clean outcomes, which the next run checks
again; an outcome is unique on (file, offset), so nothing is ever stored twice, even when two
runs of one part overlap (a task delivered twice). A Celery task calls `sweep_part` unchanged
with its own `Archive`.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from compliance.capture.boilerplate import boilerplate_spans, rest_keys
from compliance.capture.captures import site_of
from compliance.capture.documents import page_from_bytes
from compliance.capture.evidence import capture_from_record
from compliance.capture.page_text import block_spans, checked_text
from compliance.capture.warc_records import WarcRecord, read_range, record_bytes
from compliance.checks import judge_matches
from compliance.errors import ExtractionError, InputError, NotFoundError
from compliance.policy.domains import host_of, registrable_domain
from compliance.records import (
    PageKind,
    PageRef,
    PartResult,
    PartState,
    RecordOutcome,
    RecordStatus,
    SweepPart,
    SweepStep,
)
from compliance.sweeps.plan import unchanged

if TYPE_CHECKING:
    from compliance.pipeline import Archive

log = logging.getLogger(__name__)

BATCH = 100  # clean outcomes stored per transaction
Tick = Callable[[int], None]


def sweep_part(archive: Archive, part_id: int, progress: Tick | None = None) -> PartResult:
    """Check every record of the part that has no outcome yet; the part ends done or failed."""
    part = archive.store.sweep_part(part_id)
    if part is None:
        raise NotFoundError(f"no sweep part {part_id}")
    if part.state == PartState.DONE:
        return PartResult(part_id, PartState.DONE, _zero())
    done = archive.store.start_sweep_part(part_id)
    counts: Counter[str] = Counter()
    pending: list[SweepStep] = []
    seen: dict[str, set[int]] = {}  # the rest-of-page lines of each host's pages, in this part
    try:
        unchanged(part.file)
        records = read_range(Path(part.file.path), part.start, part.end, archive.settings.max_bytes)
        for record in (r for r in records if r.offset not in done):
            step = _checked(archive, part, record, seen)
            counts[step.outcome.status] += 1
            if step.outcome.status != RecordStatus.MATCHED:
                pending.append(step)
            if len(pending) >= BATCH:
                archive.store.save_sweep_outcomes(pending)
                pending = []
            if progress is not None:
                progress(1)
    except InputError as exc:  # the file is gone, changed or broken past this point
        log.warning("sweep part %s failed: %s", part_id, exc)
        archive.store.save_sweep_outcomes(pending, finish=(part_id, PartState.FAILED, str(exc)))
        return PartResult(part_id, PartState.FAILED, {**_zero(), **counts}, str(exc))
    archive.store.save_sweep_outcomes(pending, finish=(part_id, PartState.DONE, None))
    return PartResult(part_id, PartState.DONE, {**_zero(), **counts})


def _checked(archive: Archive, part: SweepPart, record: WarcRecord, seen: dict[str, set[int]]) -> SweepStep:
    """One record checked; a match is stored here, with its capture; the others are returned to store."""
    assert part.id is not None and part.file.id is not None, "a stored part"
    settings = archive.settings

    def outcome(status: RecordStatus, reason: str | None = None) -> SweepStep:
        return SweepStep(
            part.id or 0, part.file.id or 0, RecordOutcome(record.offset, record.url, status, reason)
        )

    if len(record.body) > settings.max_bytes:
        return outcome(RecordStatus.FAILED, f"body larger than the limit of {settings.max_bytes} bytes")
    try:
        text, metadata = page_from_bytes(record.body, record.content_type, record.url or None)
    except ExtractionError as exc:
        return outcome(RecordStatus.FAILED, str(exc))
    host, blocks = site_of(record.url) if record.url else None, block_spans(metadata)
    if host and blocks:
        known = seen.setdefault(host, set())
        metadata = {**metadata, "boilerplate": boilerplate_spans(text, blocks, known)}
        known.update(rest_keys(text, blocks))
    matches = archive.check_text(checked_text(text, metadata))
    if not matches:
        return outcome(RecordStatus.CHECKED)
    stored = record_bytes(Path(part.file.path), record.offset, record.length)
    capture = capture_from_record(record, stored, part.file.path, text, metadata, settings.evidence_path)
    page = record_page(record, part.file.path)
    judged = judge_matches(archive.store, settings, page, text, matches, capture)
    step = outcome(RecordStatus.MATCHED)
    archive.store.record_sweep_check(capture, page, text, judged, step)
    return step


def record_page(record: WarcRecord, source: str) -> PageRef:
    """The page a record shows: its URL (and site), or, without one, its body by SHA-256."""
    url = record.url.split("#")[0]
    host = host_of(url) if url else None
    if host:
        return PageRef(PageKind.URL, url, url=url, domain=registrable_domain(host))
    digest = hashlib.sha256(record.body).hexdigest()
    name = f"{Path(source).name}@{record.offset}"
    return PageRef(PageKind.FILE, f"sha256:{digest}", name=name, sha256=digest)


def _zero() -> dict[str, int]:
    return {status.value: 0 for status in RecordStatus}
