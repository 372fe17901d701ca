"""Sweep repository: sweeps of WARC and WET files, their files and parts, each record's outcome.

In: an open Session, `records.WarcFile` values with their ranges of records, part ids and
`records.RecordOutcome` values. Out: `records.Sweep` and `records.SweepPart` values, and the
counts, failures and new findings of a sweep. A record's outcome is stored once: a second
outcome for the same (file, offset) is dropped, so a part run twice (a resumed sweep, a task
delivered twice) never duplicates one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from compliance.records import (
    PartState,
    RecordOutcome,
    RecordStatus,
    Sweep,
    SweepPart,
    SweepState,
    SweepStep,
    WarcFile,
)
from compliance.store.shared import chunks
from compliance.store.tables import SweepFileRow, SweepPartRow, SweepRecordRow, SweepRow

Ranges = Sequence[tuple[int, int, int]]  # (start, end, records) of one file


def unfinished(session: Session, files: Sequence[WarcFile]) -> Sweep | None:
    """The latest running sweep over exactly these files (same paths, sizes and first bytes), or None."""
    wanted = {(f.path, f.size, f.head_sha256) for f in files}
    query = select(SweepRow).where(SweepRow.state == SweepState.RUNNING).order_by(SweepRow.id.desc())
    for row in session.scalars(query):
        if {(f.path, f.size, f.head_sha256) for f in _files(session, row.id)} == wanted:
            return _sweep(session, row)
    return None


def create(
    session: Session, part_records: int, plan: Sequence[tuple[WarcFile, Ranges]], at: datetime
) -> Sweep:
    """A new sweep with its files and their parts, all pending."""
    row = SweepRow(started_at=at, state=SweepState.RUNNING, part_records=part_records)
    session.add(row)
    session.flush()
    for file, ranges in plan:
        file_row = SweepFileRow(
            sweep_id=row.id,
            path=file.path,
            size=file.size,
            head_sha256=file.head_sha256,
            gzipped=file.gzipped,
        )
        session.add(file_row)
        session.flush()
        for number, (start, end, records) in enumerate(ranges):
            session.add(
                SweepPartRow(
                    sweep_id=row.id, file_id=file_row.id, number=number, start_offset=start,
                    end_offset=end, records=records, records_done=0, state=PartState.PENDING,
                )
            )  # fmt: skip
    session.flush()
    return _sweep(session, row)


def get(session: Session, sweep_id: int) -> Sweep | None:
    """The sweep with this id, or None."""
    row = session.get(SweepRow, sweep_id)
    return _sweep(session, row) if row else None


def parts(session: Session, sweep_id: int) -> list[SweepPart]:
    """Every part of a sweep, file by file, in file order."""
    files = {f.id: f for f in _files(session, sweep_id)}
    query = select(SweepPartRow).where(SweepPartRow.sweep_id == sweep_id)
    rows = session.scalars(query.order_by(SweepPartRow.file_id, SweepPartRow.number))
    return [_part(row, files[row.file_id]) for row in rows]


def part(session: Session, part_id: int) -> SweepPart | None:
    """The part with this id, with its file, or None."""
    row = session.get(SweepPartRow, part_id)
    if row is None:
        return None
    file_row = session.get(SweepFileRow, row.file_id)
    assert file_row is not None, "a part's file is deleted with it"
    return _part(row, _file(file_row))


def start_part(session: Session, part_id: int, at: datetime) -> None:
    """Mark a part running (again, after a kill or a failure)."""
    row = session.get(SweepPartRow, part_id)
    if row is not None:
        row.state, row.reason, row.started_at, row.finished_at = PartState.RUNNING, None, at, None


def finish_part(session: Session, part_id: int, state: PartState, reason: str | None, at: datetime) -> None:
    """Close a part: done, or failed with its reason."""
    row = session.get(SweepPartRow, part_id)
    if row is not None:
        row.state, row.reason, row.finished_at = state, reason, at


def finish(session: Session, sweep_id: int, at: datetime) -> bool:
    """Mark the sweep complete if every part is done; whether it is."""
    row = session.get(SweepRow, sweep_id)
    left = select(func.count()).where(SweepPartRow.sweep_id == sweep_id, SweepPartRow.state != PartState.DONE)
    if row is None or session.scalar(left):
        return False
    if row.state != SweepState.COMPLETE:
        row.state, row.finished_at = SweepState.COMPLETE, at
    return True


def done_offsets(session: Session, part_id: int) -> set[int]:
    """Offsets of the part's records that already have an outcome."""
    return set(session.scalars(select(SweepRecordRow.offset).where(SweepRecordRow.part_id == part_id)))


def has_outcome(session: Session, file_id: int, offset: int) -> bool:
    """Whether the record at `offset` of the file has an outcome already."""
    query = select(SweepRecordRow.id).where(
        SweepRecordRow.file_id == file_id, SweepRecordRow.offset == offset
    )
    return session.scalar(query) is not None


def save(session: Session, steps: Sequence[SweepStep], at: datetime, capture_id: int | None = None) -> int:
    """Store the outcomes not stored yet (by file and offset), counted in their parts; how many."""
    stored = _stored_offsets(session, steps)
    saved = 0
    for step in steps:
        outcome = step.outcome
        if (step.file_id, outcome.offset) in stored:
            continue
        stored.add((step.file_id, outcome.offset))
        session.add(
            SweepRecordRow(
                part_id=step.part_id, file_id=step.file_id, offset=outcome.offset, url=outcome.url,
                status=outcome.status, reason=outcome.reason, findings=list(outcome.findings),
                new_findings=list(outcome.new_findings), capture_id=capture_id, seen_at=at,
            )
        )  # fmt: skip
        row = session.get(SweepPartRow, step.part_id)
        if row is not None:
            row.records_done += 1
        saved += 1
    session.flush()
    return saved


def _stored_offsets(session: Session, steps: Sequence[SweepStep]) -> set[tuple[int, int]]:
    """(file, offset) of the steps' records that already have an outcome."""
    found: set[tuple[int, int]] = set()
    for file_id in {step.file_id for step in steps}:
        offsets = [step.outcome.offset for step in steps if step.file_id == file_id]
        for chunk in chunks(offsets):
            query = select(SweepRecordRow.offset).where(
                SweepRecordRow.file_id == file_id, SweepRecordRow.offset.in_(chunk)
            )
            found.update((file_id, offset) for offset in session.scalars(query))
    return found


def counts(session: Session, sweep_id: int) -> dict[str, int]:
    """The sweep's outcomes counted per status (every RecordStatus, zero included)."""
    query = (
        select(SweepRecordRow.status, func.count())
        .join(SweepPartRow, SweepPartRow.id == SweepRecordRow.part_id)
        .where(SweepPartRow.sweep_id == sweep_id)
        .group_by(SweepRecordRow.status)
    )
    found = {str(status): int(n) for status, n in session.execute(query)}
    return {s.value: found.get(s.value, 0) for s in RecordStatus}


def failures(session: Session, sweep_id: int) -> list[tuple[str, int, str]]:
    """(file, offset, reason) of the sweep's failed records, then of its failed parts (at their start)."""
    records = (
        select(SweepFileRow.path, SweepRecordRow.offset, SweepRecordRow.reason)
        .join(SweepPartRow, SweepPartRow.id == SweepRecordRow.part_id)
        .join(SweepFileRow, SweepFileRow.id == SweepRecordRow.file_id)
        .where(SweepPartRow.sweep_id == sweep_id, SweepRecordRow.status == RecordStatus.FAILED)
        .order_by(SweepRecordRow.file_id, SweepRecordRow.offset)
    )
    failed_parts = (
        select(SweepFileRow.path, SweepPartRow.start_offset, SweepPartRow.reason)
        .join(SweepFileRow, SweepFileRow.id == SweepPartRow.file_id)
        .where(SweepPartRow.sweep_id == sweep_id, SweepPartRow.state == PartState.FAILED)
        .order_by(SweepPartRow.id)
    )
    rows = [*session.execute(records), *session.execute(failed_parts)]
    return [(path, int(offset), reason or "") for path, offset, reason in rows]


def new_findings(session: Session, sweep_id: int) -> list[int]:
    """The findings the sweep's records recorded for the first time, in record order."""
    query = (
        select(SweepRecordRow.new_findings)
        .join(SweepPartRow, SweepPartRow.id == SweepRecordRow.part_id)
        .where(SweepPartRow.sweep_id == sweep_id, SweepRecordRow.status == RecordStatus.MATCHED)
        .order_by(SweepRecordRow.file_id, SweepRecordRow.offset)
    )
    return [finding for found in session.scalars(query) for finding in found]


def outcomes(session: Session, part_id: int) -> list[RecordOutcome]:
    """Every outcome of a part, by offset."""
    query = select(SweepRecordRow).where(SweepRecordRow.part_id == part_id).order_by(SweepRecordRow.offset)
    return [
        RecordOutcome(
            row.offset,
            row.url,
            RecordStatus(row.status),
            row.reason,
            tuple(row.findings),
            tuple(row.new_findings),
        )
        for row in session.scalars(query)
    ]


def _files(session: Session, sweep_id: int) -> list[WarcFile]:
    query = select(SweepFileRow).where(SweepFileRow.sweep_id == sweep_id).order_by(SweepFileRow.id)
    return [_file(row) for row in session.scalars(query)]


def _file(row: SweepFileRow) -> WarcFile:
    return WarcFile(row.path, row.size, row.head_sha256, row.gzipped, row.id)


def _part(row: SweepPartRow, file: WarcFile) -> SweepPart:
    return SweepPart(
        sweep_id=row.sweep_id, file=file, number=row.number, start=row.start_offset, end=row.end_offset,
        records=row.records, done=row.records_done, state=PartState(row.state), reason=row.reason, id=row.id,
    )  # fmt: skip


def _sweep(session: Session, row: SweepRow) -> Sweep:
    totals = select(
        func.coalesce(func.sum(SweepPartRow.records), 0),
        func.coalesce(func.sum(SweepPartRow.records_done), 0),
    )
    records, done = session.execute(totals.where(SweepPartRow.sweep_id == row.id)).one()
    files = tuple(_files(session, row.id))
    return Sweep(
        id=row.id, started_at=row.started_at, state=SweepState(row.state), files=files,
        part_records=row.part_records, records=int(records), done=int(done), finished_at=row.finished_at,
    )  # fmt: skip
