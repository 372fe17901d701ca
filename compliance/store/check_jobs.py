"""Check job repository: URL checks run in the background, so that any process can answer a poll.

In: an open Session and `records.CheckJob` values (or a job's id and its outcome). Out:
`records.CheckJob` values.
"""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from compliance.errors import NotFoundError
from compliance.records import CheckJob, JobState
from compliance.store.tables import CheckJobRow

COLUMNS = tuple(f.name for f in fields(CheckJob))


def add(session: Session, job: CheckJob) -> CheckJob:
    """Store a new job."""
    session.add(CheckJobRow(**{name: getattr(job, name) for name in COLUMNS}))
    session.flush()
    return job


def get(session: Session, job_id: str) -> CheckJob | None:
    """The job with this id, or None."""
    row = session.get(CheckJobRow, job_id)
    return _job(row) if row else None


def update(
    session: Session,
    job_id: str,
    state: JobState,
    at: datetime | None = None,
    result: dict[str, Any] | None = None,
    problem: dict[str, Any] | None = None,
) -> CheckJob:
    """Move the job to `state`, with its result or problem when it ends."""
    row = session.get(CheckJobRow, job_id)
    if row is None:
        raise NotFoundError(f"no check job {job_id}")
    row.state, row.finished_at, row.result, row.problem = state, at, result, problem
    session.flush()
    return _job(row)


def _job(row: CheckJobRow) -> CheckJob:
    values = {name: getattr(row, name) for name in COLUMNS}
    return CheckJob(**{**values, "state": JobState(row.state)})
