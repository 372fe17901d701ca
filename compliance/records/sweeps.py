"""Bulk sweeps of WARC and WET files (compliance.sweeps).

WarcFile       one swept file, known by its path, size and the SHA-256 of its first bytes
SweepPart      a range of one file's records (by byte offset): the unit a process or a worker runs
Sweep          one sweep over one or more files, as stored
RecordOutcome  what checking one record did; SweepStep, with the part and file it belongs to
PartResult     what running one part did; SweepReport, one `compliance sweep` run

SweepState, PartState and RecordStatus are the closed sets of words these values carry.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class SweepState(StrEnum):
    """Where one sweep stands."""

    RUNNING = "running"  # or killed: `compliance sweep` on the same files resumes it
    COMPLETE = "complete"


class PartState(StrEnum):
    """Where one part of a sweep stands."""

    PENDING = "pending"
    RUNNING = "running"  # or killed: run again, its done records skipped
    DONE = "done"
    FAILED = "failed"  # the file could not be read past some record: run again on resume


class RecordStatus(StrEnum):
    """What a sweep did with one record (an HTML response, an HTML resource, a WET conversion)."""

    CHECKED = "checked"  # no article of ours in it
    MATCHED = "matched"  # findings recorded, the record kept as a capture
    FAILED = "failed"  # no text could be taken from it (the reason says why)


@dataclass(frozen=True, slots=True)
class WarcFile:
    """One swept file: a file with the same path, size and first bytes is the same file."""

    path: str  # absolute
    size: int
    head_sha256: str  # of its first HEAD_BYTES bytes (compliance.sweeps.plan)
    gzipped: bool
    id: int | None = None


@dataclass(frozen=True, slots=True)
class SweepPart:
    """Records of one file from byte `start` (a record's first byte) up to `end` (exclusive)."""

    sweep_id: int
    file: WarcFile
    number: int  # within the file, from 0
    start: int
    end: int
    records: int  # records to check in the range (the others are skipped without a row)
    done: int = 0
    state: PartState = PartState.PENDING
    reason: str | None = None
    id: int | None = None


@dataclass(frozen=True, slots=True)
class Sweep:
    """One sweep, as stored: its files, its parts' counts, and its state."""

    id: int
    started_at: datetime
    state: SweepState
    files: tuple[WarcFile, ...]
    part_records: int  # records to check per part, at most
    records: int = 0  # records to check in all
    done: int = 0  # ...of which have an outcome
    finished_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RecordOutcome:
    """What checking one record did: its status, why it failed, the findings it recorded."""

    offset: int
    url: str
    status: RecordStatus
    reason: str | None = None
    findings: tuple[int, ...] = ()
    new_findings: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class SweepStep:
    """A record's outcome with its part and file: stored with the record's findings, in one transaction."""

    part_id: int
    file_id: int
    outcome: RecordOutcome


@dataclass(frozen=True, slots=True)
class PartResult:
    """What one run of one part did (records skipped because done earlier are not counted)."""

    part_id: int
    state: PartState
    counts: dict[str, int]  # RecordStatus value -> records this run
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SweepReport:
    """One `compliance sweep` run: the sweep, every outcome counted, the failures, the new findings."""

    sweep: Sweep
    counts: dict[str, int]  # RecordStatus value -> records, this run and earlier ones
    failures: tuple[tuple[str, int, str], ...]  # (file, offset, reason) of failed records and parts
    new_findings: tuple[int, ...]
    checked_now: int  # records checked by this run
    seconds: float
    jobs: int
    resumed: bool = False
