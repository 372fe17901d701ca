"""`compliance scheduler`: every watched site scanned on its schedule, in this process (APScheduler 3).

    daily@HH:MM ─► CronTrigger(hour, minute, UTC)        every:Nh ─► IntervalTrigger(hours=N)

One job per site, each running `run_scans` on that site alone (never two at once: the site's
lease guards across processes too); a `sync` job re-reads the sites every minute, so sites added,
edited or removed with `compliance sites` are picked up without a restart. Sites already due
when the scheduler starts (`--due` would scan them) are scanned at once. A `recheck` job runs the
cases' due re-checks (`Archive.recheck_due`) every RECHECK_MINUTES. With a broker
(COMPLIANCE_BROKER_URL) the jobs only send tasks: the Celery workers scan and re-check.

This is the only module that imports apscheduler.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from compliance.records import Site
from compliance.scans.run import due_sites, run_scans

if TYPE_CHECKING:
    from compliance.pipeline import Archive

log = logging.getLogger(__name__)

SYNC_SECONDS = 60
RECHECK_MINUTES = 60  # re-checks are due by the day: hourly is soon enough and cheap when none is due
PREFIX = "site:"


def trigger(schedule: str) -> BaseTrigger:
    """The APScheduler trigger of a checked schedule (`daily@HH:MM` or `every:Nh`)."""
    if schedule.startswith("daily@"):
        hour, minute = schedule.removeprefix("daily@").split(":")
        return CronTrigger(hour=int(hour), minute=int(minute), timezone="UTC")
    return IntervalTrigger(hours=int(schedule.removeprefix("every:").removesuffix("h")), timezone="UTC")


def sync_jobs(scheduler: BaseScheduler, archive: Archive) -> None:
    """One job per stored site, on its schedule; jobs of removed sites dropped, edited ones replaced."""
    sites = {PREFIX + site.name: site for site in archive.sites()}
    for job in scheduler.get_jobs():
        if job.id.startswith(PREFIX) and (job.id not in sites or job.name != _name(sites[job.id])):
            job.remove()
    present = {job.id for job in scheduler.get_jobs()}
    for job_id, site in sites.items():
        if job_id not in present:
            scheduler.add_job(
                _scan, trigger(site.schedule), args=(archive, site.name), id=job_id, name=_name(site),
                max_instances=1, coalesce=True, misfire_grace_time=3600,
            )  # fmt: skip


def scheduler_for(archive: Archive, background: bool = False) -> BaseScheduler:
    """A scheduler holding the sites' jobs and the sync job (not started)."""
    scheduler: BaseScheduler = BackgroundScheduler() if background else BlockingScheduler()
    scheduler.add_job(sync_jobs, IntervalTrigger(seconds=SYNC_SECONDS), args=(scheduler, archive), id="sync")
    every = IntervalTrigger(minutes=RECHECK_MINUTES, timezone="UTC")
    scheduler.add_job(recheck_cases, every, args=(archive,), id="recheck", max_instances=1, coalesce=True)
    sync_jobs(scheduler, archive)
    return scheduler


def run_scheduler(archive: Archive) -> None:
    """Scan what is due now, then every site on its schedule until interrupted."""
    due = due_sites(archive)
    if archive.settings.broker_url:
        for site in due:
            _scan(archive, site.name)
    elif due:
        run_scans(archive, due)
    scheduler_for(archive).start()


def recheck_cases(archive: Archive) -> None:
    """Re-check the pages of every confirmed or notified case whose re-check is due now."""
    if archive.settings.broker_url:
        from compliance.workers import dispatch

        dispatch.rechecks(archive)  # one task, fanned out per case by the workers
        return
    for recheck in archive.recheck_due(datetime.now(UTC)):
        log.warning("re-check of case %s: %s %s", recheck.case_id, recheck.url, recheck.status)


def _name(site: Site) -> str:
    return f"{site.name} {site.schedule}"


def _scan(archive: Archive, name: str) -> None:
    if archive.settings.broker_url:
        from compliance.workers import dispatch

        dispatch.scan_site(archive, name)  # the workers scan it
        log.warning("scan of %s sent to the workers", name)
        return
    site = archive.store.site(name)
    if site is not None:
        report = run_scans(archive, [site])
        for done in report.sites:
            log.warning("scan of %s: %s %s", done.site, done.state, done.counts)
