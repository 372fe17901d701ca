"""The document of a sweep of WARC and WET files (`compliance sweep --json`).

SweepReport  ─► {id, state, resumed, started_at, finished_at, files, records, done, counts,
                 failures, new_findings, checked_now, seconds, pages_per_second, jobs}
"""

from __future__ import annotations

from typing import Any

from compliance.records import SweepReport

from .common import when


def sweep_report(report: SweepReport) -> dict[str, Any]:
    """One sweep run: the sweep's state and counts (earlier runs included), and this run's pace."""
    sweep = report.sweep
    return {
        "id": sweep.id,
        "state": sweep.state.value,
        "resumed": report.resumed,
        "started_at": when(sweep.started_at),
        "finished_at": when(sweep.finished_at),
        "files": [{"path": f.path, "size": f.size} for f in sweep.files],
        "records": sweep.records,
        "done": sweep.done,
        "counts": dict(report.counts),
        "failures": [
            {"file": path, "offset": offset, "reason": reason} for path, offset, reason in report.failures
        ],
        "new_findings": list(report.new_findings),
        "checked_now": report.checked_now,
        "seconds": round(report.seconds, 3),
        "pages_per_second": round(report.checked_now / report.seconds, 2) if report.seconds > 0 else None,
        "jobs": report.jobs,
    }
