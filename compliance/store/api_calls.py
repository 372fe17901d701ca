"""`Store` calls of the JSON API: its keys (by hash) and its background URL checks.

Each call opens one `_read` or `_write` (`sessions.py`) and delegates to the repository modules
`apikeys` and `check_jobs`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from compliance.records import ApiKey, ApiScope, CheckJob, JobState
from compliance.store import apikeys, check_jobs
from compliance.store.sessions import Sessions
from compliance.store.shared import now


class ApiCalls(Sessions):
    """API keys and background checks: a mixin of `Store`."""

    # --- Keys ---

    def add_api_key(self, name: str, prefix: str, key_hash: str, scopes: tuple[ApiScope, ...]) -> ApiKey:
        """Store a new API key by its hash."""
        with self._write() as session:
            return apikeys.add(session, name, prefix, key_hash, scopes)

    def api_key_by_hash(self, key_hash: str) -> ApiKey | None:
        """The API key with this hash, revoked or not, or None."""
        with self._read() as session:
            return apikeys.by_hash(session, key_hash)

    def api_keys(self) -> list[ApiKey]:
        """Every API key, by id."""
        with self._read() as session:
            return apikeys.all_keys(session)

    def revoke_api_key(self, key_id: int) -> ApiKey:
        """Revoke an API key (NotFoundError for an unknown id)."""
        with self._write() as session:
            return apikeys.revoke(session, key_id, now())

    def touch_api_key(self, key_id: int, at: datetime) -> None:
        """Record when an API key was last used."""
        with self._write() as session:
            apikeys.touch(session, key_id, at)

    # --- Background checks ---

    def add_check_job(self, job: CheckJob) -> CheckJob:
        """Store a new background check."""
        with self._write() as session:
            return check_jobs.add(session, job)

    def check_job(self, job_id: str) -> CheckJob | None:
        """The background check with this id, or None."""
        with self._read() as session:
            return check_jobs.get(session, job_id)

    def update_check_job(self, job_id: str, state: JobState, **outcome: Any) -> CheckJob:
        """Move a background check to `state` (`at`, `result` or `problem` with it)."""
        with self._write() as session:
            return check_jobs.update(session, job_id, state, **outcome)
