"""The Celery app, configured from `Settings`; `run_worker` is `compliance worker`.

    broker_url          Redis (or AMQP) carries the messages; the database keeps the work
    task_acks_late      a message is acknowledged when its task has finished, not when it starts
    reject on lost      a task whose worker process died goes back to the queue
    prefetch 1          a worker holds one message beyond the one it runs
    task_time_limit     a task running longer has its process replaced (a hung fetch, say)
    visibility_timeout  an unacknowledged message is delivered again after this long (Redis): it
                        must outlast the longest task, or a running task would be run twice

Tasks run in the worker's child processes, each opening its own `Archive` on first use (a
connection pool must never cross a fork).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Any

from celery import Celery
from celery.signals import worker_ready

from compliance.errors import ConfigurationError
from compliance.settings import Settings

log = logging.getLogger(__name__)

QUEUE = "compliance"
app = Celery("compliance", include=["compliance.workers.tasks"])
_configured: list[Settings] = []


def configure(settings: Settings) -> Celery:
    """The app, set up for `settings` (once per process; a second, different call is refused)."""
    if not settings.broker_url:
        raise ConfigurationError(
            "no broker: set COMPLIANCE_BROKER_URL (e.g. redis://127.0.0.1:6379/0) to use workers; "
            "without one, `compliance scan` scans in its own process"
        )
    if _configured:
        if _configured[0].broker_url != settings.broker_url:
            raise ConfigurationError("the workers' app is already set up for another broker")
        return app
    app.conf.update(
        broker_url=settings.broker_url,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # a restarted broker is waited for, never given up on
        broker_transport_options={"visibility_timeout": settings.visibility_timeout},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_time_limit=settings.task_time_limit,
        task_ignore_result=True,  # outcomes live in the database, not in a result backend
        task_serializer="json",
        accept_content=["json"],
        task_default_queue=QUEUE,
        task_annotations={"*": {"max_retries": settings.task_retries}},
        # Sending while the broker is down: a few quick tries, then the task fails and the
        # database's record of what remains (`scan --resume`) re-sends it.
        task_publish_retry_policy={"max_retries": 3, "interval_start": 0.2, "interval_step": 0.5},
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    _configured.append(settings)
    return app


def a_worker_answers(seconds: float) -> bool:
    """Whether some worker answers a ping within `seconds` (one just starting has time to come up)."""
    deadline = time.monotonic() + seconds
    while True:
        if app.control.ping(timeout=min(1.0, seconds), limit=1):
            return True
        if time.monotonic() >= deadline:
            return False


def settings() -> Settings:
    """The settings the app was configured with (in a worker: read from the environment)."""
    if not _configured:
        configure(Settings.from_env())
    return _configured[0]


def run_worker(settings: Settings, concurrency: int | None = None, name: str | None = None) -> None:
    """Run one worker (`concurrency` processes) until it is stopped."""
    configure(settings)
    processes = concurrency or settings.worker_concurrency
    if processes < 1:
        raise ConfigurationError(f"concurrency must be a positive integer, got {processes}")
    node = name or f"compliance-{os.getpid()}@{socket.gethostname()}"
    argv = ["worker", "--pool=prefork", f"--concurrency={processes}", f"--hostname={node}",
            f"--queues={QUEUE}", "--loglevel=INFO", "--without-gossip", "--without-mingle"]  # fmt: skip
    app.worker_main(argv)


@worker_ready.connect
def _resume_on_start(**_: Any) -> None:
    """A worker that starts sends one `resume` task: what the database says remains is queued
    again (a restarted broker, or a whole fleet restarted, lost its queue)."""
    from compliance.workers.tasks import resume_scans

    try:
        resume_scans.delay()
    except Exception:  # the broker went away again: the next start, or `scan --resume`, does it
        log.warning("could not queue the resume task", exc_info=True)
