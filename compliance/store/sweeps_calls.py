"""`Store` calls of the sweeps: sweeps of WARC and WET files, their parts, each record's outcome.

Each call opens one `_read` or `_write` (`sessions.py`) and delegates to the repository module
`sweeps` (and, for a record that matched, `captures` and `findings`: its capture, its findings
and its outcome are stored in one transaction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from compliance.records import (
    Capture,
    Judged,
    PageRef,
    PartState,
    Recorded,
    RecordOutcome,
    Sweep,
    SweepPart,
    SweepStep,
    WarcFile,
)
from compliance.store import captures, findings, sweeps
from compliance.store.sessions import Sessions
from compliance.store.shared import now
from compliance.store.sweeps import Ranges


class SweepCalls(Sessions):
    """Sweeps, their parts and their records' outcomes: a mixin of `Store`."""

    def unfinished_sweep(self, files: Sequence[WarcFile]) -> Sweep | None:
        """The latest unfinished sweep over exactly these files, or None."""
        with self._read() as session:
            return sweeps.unfinished(session, files)

    def create_sweep(self, part_records: int, plan: Sequence[tuple[WarcFile, Ranges]]) -> Sweep:
        """A new sweep over the planned files, each cut into ranges (start, end, records to check)."""
        with self._write() as session:
            return sweeps.create(session, part_records, plan, now())

    def get_sweep(self, sweep_id: int) -> Sweep | None:
        """The sweep with this id, or None."""
        with self._read() as session:
            return sweeps.get(session, sweep_id)

    def sweep_parts(self, sweep_id: int) -> list[SweepPart]:
        """Every part of a sweep, in file order."""
        with self._read() as session:
            return sweeps.parts(session, sweep_id)

    def sweep_part(self, part_id: int) -> SweepPart | None:
        """The part with this id, or None."""
        with self._read() as session:
            return sweeps.part(session, part_id)

    def start_sweep_part(self, part_id: int) -> set[int]:
        """Mark a part running; the offsets of its records done earlier (to skip)."""
        with self._write() as session:
            sweeps.start_part(session, part_id, now())
            return sweeps.done_offsets(session, part_id)

    def save_sweep_outcomes(
        self, steps: Sequence[SweepStep], finish: tuple[int, PartState, str | None] | None = None
    ) -> int:
        """Store outcomes of records without findings (and close a part with them); how many were new."""
        at = now()
        with self._write() as session:
            saved = sweeps.save(session, steps, at)
            if finish is not None:
                sweeps.finish_part(session, *finish, at)
            return saved

    def finish_sweep_part(self, part_id: int, state: PartState, reason: str | None = None) -> None:
        """Close a part: done, or failed with its reason."""
        with self._write() as session:
            sweeps.finish_part(session, part_id, state, reason, now())

    def record_sweep_check(
        self, capture: Capture, page: PageRef, text: str, judged: list[Judged], step: SweepStep
    ) -> tuple[Capture, list[Recorded]] | None:
        """Store a record that matched: its capture, its findings and its outcome in one transaction.

        None, and nothing stored, when the record has an outcome already (another run stored it).
        """
        row = captures.new_row(capture)
        at = now()
        with self._write() as session:
            if sweeps.has_outcome(session, step.file_id, step.outcome.offset):
                return None
            capture_id = captures.insert(session, row)
            stored = findings.save_page(session, page, text, at)
            recorded, _gone = findings.record(session, stored, judged, capture_id, at)
            found = tuple(r.finding_id for r in recorded)
            new = tuple(r.finding_id for r in recorded if r.new)
            outcome: RecordOutcome = replace(step.outcome, findings=found, new_findings=new)
            sweeps.save(session, [replace(step, outcome=outcome)], at, capture_id)
        return replace(capture, id=capture_id), recorded

    def finish_sweep(self, sweep_id: int) -> bool:
        """Mark the sweep complete if every part is done; whether it is."""
        with self._write() as session:
            return sweeps.finish(session, sweep_id, now())

    def sweep_summary(self, sweep_id: int) -> tuple[dict[str, int], list[tuple[str, int, str]], list[int]]:
        """A sweep's outcomes counted per status, its failures (file, offset, reason), its new findings."""
        with self._read() as session:
            counted = sweeps.counts(session, sweep_id)
            return counted, sweeps.failures(session, sweep_id), sweeps.new_findings(session, sweep_id)

    def sweep_outcomes(self, part_id: int) -> list[RecordOutcome]:
        """Every outcome of a part, by offset."""
        with self._read() as session:
            return sweeps.outcomes(session, part_id)
