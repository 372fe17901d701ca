"""URL checks run in the background for the API: a job row in the database, a thread to run it.

    url [, webhook] ─► vetted (scheme, IP literals: refused at once) ─► job row (pending)
        ─► thread pool: Archive.record_url ─► job row (done: the check report; failed: the problem)
        ─► webhook: the job as JSON, POSTed through the fetcher's rules, signed with HMAC-SHA256

The state lives in the database, so any web process can answer a poll; the thread pool is the
embedded default (a worker queue can take the same `run_job` later). `submit` waits up to
`wait` seconds, so a quick check is answered at once and a slow one becomes a job to poll.
"""

from __future__ import annotations

import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from compliance import shapes
from compliance.capture.vet import locate
from compliance.errors import ComplianceError, FetchError, InputError
from compliance.records import CheckJob, JobState
from compliance.webhooks import post_signed

if TYPE_CHECKING:
    from compliance.pipeline import Archive

log = logging.getLogger(__name__)


class CheckJobs:
    """Background URL checks of one archive, on a small thread pool started on first use."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self._pool: ThreadPoolExecutor | None = None

    def submit(
        self, url: str, webhook_url: str | None = None, key_name: str | None = None, wait: float = 0.0
    ) -> CheckJob:
        """Start checking `url`; the job as it stands after at most `wait` seconds."""
        settings = self.archive.settings
        locate(url, settings)  # a URL refused outright makes no job and fetches nothing
        if webhook_url is not None:
            if not settings.webhook_secret:
                raise InputError("webhooks are signed: set COMPLIANCE_WEBHOOK_SECRET to use them")
            locate(webhook_url, settings)
        job = CheckJob(uuid.uuid4().hex, url, JobState.PENDING, datetime.now(UTC), key_name, webhook_url)
        self.archive.store.add_check_job(job)
        future = self._executor().submit(self.run_job, job)
        try:
            return future.result(timeout=wait)
        except FutureTimeout:
            return self.get(job.id) or job

    def get(self, job_id: str) -> CheckJob | None:
        """The job with this id, as stored, or None."""
        return self.archive.store.check_job(job_id)

    def run_job(self, job: CheckJob) -> CheckJob:
        """Run one job to its end, store its outcome, then call its webhook."""
        store = self.archive.store
        store.update_check_job(job.id, JobState.RUNNING)
        try:
            report = self.archive.record_url(job.url)
            outcome: dict[str, Any] = {"result": shapes.check_report(report, url=job.url)}
            state = JobState.DONE
        except ComplianceError as exc:
            outcome, state = {"problem": shapes.problem(exc)}, JobState.FAILED
        except Exception:  # a bug must not leave the job running forever
            log.exception("check job %s failed", job.id)
            outcome, state = {"problem": shapes.problem(ComplianceError("internal error"))}, JobState.FAILED
        finished = store.update_check_job(job.id, state, at=datetime.now(UTC), **outcome)
        if finished.webhook_url:
            self._call_webhook(finished)
        return finished

    def close(self) -> None:
        """Finish the running jobs; those not started stay pending."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def _executor(self) -> ThreadPoolExecutor:
        if self._pool is None:
            workers = self.archive.settings.api_workers
            self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check-job")
        return self._pool

    def _call_webhook(self, job: CheckJob) -> None:
        assert job.webhook_url is not None
        settings = self.archive.settings
        body = json.dumps(shapes.check_job(job), ensure_ascii=False).encode("utf-8")
        try:  # the checker's User-Agent comes with every request the fetcher prepares
            status = post_signed(job.webhook_url, body, settings.webhook_secret, settings)
        except FetchError as exc:
            log.warning("webhook of check job %s not delivered: %s", job.id, exc)
            return
        log.info("webhook of check job %s answered %d", job.id, status)
