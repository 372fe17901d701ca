"""A sweep: files (or a sweep id) in, a `records.SweepReport` out, its parts run across cores.

    files ─► plan (plan.py): the unfinished sweep over them, resumed, or a new one
          ─► parts not done ─► one process: `sweep_part` in turn
                             ─► N processes: a pool (spawned, each with its own Archive), one
                                part a task, progress sent back record by record
                             ─► with a broker (COMPLIANCE_BROKER_URL): one Celery task a part
                                (compliance.workers), the database watched until every part ends
          ─► the sweep complete when every part is done ─► counts, failures, new findings

A killed sweep (or one whose part failed) stays `running`: `compliance sweep` on the same files,
or `--resume ID`, runs the parts not done, skipping the records that have an outcome.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING

from compliance.errors import InputError
from compliance.records import PartResult, PartState, Sweep, SweepPart, SweepReport
from compliance.settings import Settings
from compliance.sweeps.part import sweep_part
from compliance.sweeps.plan import PART_RECORDS, plan_sweep, resumed_sweep

if TYPE_CHECKING:
    from multiprocessing.queues import Queue

    from compliance.pipeline import Archive

Progress = Callable[[int, int], None]  # (records done, records in all)
POLL_SECONDS = 0.2


def run_sweep(
    archive: Archive,
    paths: Sequence[str | Path] = (),
    *,
    resume: int | None = None,
    jobs: int | None = None,
    part_records: int = PART_RECORDS,
    progress: Progress | None = None,
) -> SweepReport:
    """Sweep `paths` (or resume sweep `resume`) with `jobs` processes (default: the cores)."""
    started = time.monotonic()
    if resume is not None:
        sweep, resumed = resumed_sweep(archive.store, resume), True
    elif paths:
        sweep, resumed = plan_sweep(archive.store, paths, part_records)
    else:
        raise InputError("name the WARC or WET files to sweep, or --resume a sweep by its id")
    left = [part for part in archive.store.sweep_parts(sweep.id) if part.state != PartState.DONE]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(left) or 1))
    counter = _Counter(sweep, progress)
    if archive.settings.broker_url:
        _by_workers(archive, sweep, left, counter)
        workers = 0  # the Celery workers, however many run
    elif workers == 1:
        for part in left:
            sweep_part(archive, part.id or 0, counter.tick)
    else:
        _in_pool(archive.settings, left, workers, counter)
    archive.store.finish_sweep(sweep.id)
    counts, failures, new = archive.store.sweep_summary(sweep.id)
    final = archive.store.get_sweep(sweep.id) or sweep
    checked_now = final.done - sweep.done
    seconds = time.monotonic() - started
    return SweepReport(final, counts, tuple(failures), tuple(new), checked_now, seconds, workers, resumed)


class _Counter:
    """Records done so far, reported to `progress` as (done, total)."""

    def __init__(self, sweep: Sweep, progress: Progress | None) -> None:
        self.done, self.total, self.progress = sweep.done, sweep.records, progress
        if progress is not None:
            progress(self.done, self.total)

    def tick(self, count: int) -> None:
        self.done += count
        if self.progress is not None:
            self.progress(self.done, self.total)


def _by_workers(archive: Archive, sweep: Sweep, parts: list[SweepPart], counter: _Counter) -> None:
    """The parts sent to the Celery workers; the database watched until each has ended."""
    from compliance.workers import dispatch

    dispatch.sweep_parts(archive, [part.id or 0 for part in parts])
    waiting, before = {part.id for part in parts}, sweep.done - sum(part.done for part in parts)
    while True:
        stored = {p.id: p for p in archive.store.sweep_parts(sweep.id) if p.id in waiting}
        counter.tick(before + sum(p.done for p in stored.values()) - counter.done)
        if all(p.state in (PartState.DONE, PartState.FAILED) for p in stored.values()):
            return
        time.sleep(POLL_SECONDS)


def _in_pool(settings: Settings, parts: list[SweepPart], workers: int, counter: _Counter) -> list[PartResult]:
    """The parts run by `workers` spawned processes, each with its own Archive; progress as they go."""
    context = multiprocessing.get_context("spawn")  # no forked copy of the parent's connections
    ticks = context.Queue()
    results: list[PartResult] = []
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=_start_worker, initargs=(settings, ticks, os.getpid())
    ) as pool:
        running: set[Future[PartResult]] = {pool.submit(_run_part, part.id or 0) for part in parts}
        try:
            while running:
                finished, running = wait(running, timeout=POLL_SECONDS, return_when=FIRST_COMPLETED)
                _drain(ticks, counter)
                results.extend(future.result() for future in finished)
        except BaseException:
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    _drain(ticks, counter)
    return results


def _drain(ticks: Queue[int], counter: _Counter) -> None:
    while True:
        try:
            counter.tick(ticks.get_nowait())
        except queue.Empty:
            return


# --- in each process of the pool ------------------------------------------------------------------

_worker: dict[str, object] = {}


def _start_worker(settings: Settings, ticks: Queue[int], parent: int) -> None:
    """Open this process's Archive once; its records are counted back to the parent."""
    from compliance.pipeline import Archive

    _worker.update(archive=Archive(settings), ticks=ticks, parent=parent)


def _run_part(part_id: int) -> PartResult:
    archive, ticks, parent = _worker["archive"], _worker["ticks"], _worker["parent"]

    def tick(count: int) -> None:
        if os.getppid() != parent:  # the sweep was killed: stop here, the next run resumes
            os._exit(1)
        ticks.put(count)  # type: ignore[attr-defined]

    return sweep_part(archive, part_id, tick)  # type: ignore[arg-type]
