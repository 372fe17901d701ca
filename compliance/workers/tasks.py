"""The tasks, each a thin caller of the steps the in-process scan runs (compliance/scans/steps.py).

    scan_site(name)       the site's running scan resumed, or a new one; discovery's leads stored
                          once; one `scan_page` per open lead
    scan_page(lead_id)    the lead claimed (conditional UPDATE), visited, closed with its page's
                          outcome; its links' leads queued; the scan completed when none is open
    alert_scan(scan_id)   the completed scan's alert digest (the one task that completed it sends it)
    recheck_due()         one `recheck_case` per case whose re-check is due
    recheck_case(id, n)   the case's pages checked again, unless re-check n is already done
    resume_scans()        what the database says remains, queued again (`scan --resume`)
    sweep_part(part_id)   one part of a WARC sweep (compliance/sweeps/part.py), its records not yet
                          done; a part delivered twice skips what the first stored

Idempotent by construction: a task delivered twice finds its lead closed or claimed and stops. A
database failure (StorageError) is retried with exponential back-off; a 429/503 puts the lead
back and queues it again after the Retry-After; a lead another live worker holds is looked at
again when that claim would lapse.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from celery import Task

from compliance.errors import ClaimLost, NotFoundError, StorageError
from compliance.records import LeadState, ScanReport, ScanState, Site
from compliance.workers.app import app, settings

if TYPE_CHECKING:
    from compliance.pipeline import Archive
    from compliance.scans.politeness import Hosts
    from compliance.scans.steps import Polite

log = logging.getLogger(__name__)

RETRIED = (StorageError,)  # the database went away: it comes back, the task tries again
BACK_OFF_MAX = 60  # seconds, the longest wait between two tries after a failure
CLAIM_MARGIN = 5.0  # seconds a claim outlasts the task's time limit (its process is killed by then)
POLITE_SCANS = 32  # scans whose robots.txt rules and paces a worker process keeps

_state = threading.local()
_polite: OrderedDict[int, Polite] = OrderedDict()
_sites: dict[int, Site] = {}
_lock = threading.Lock()
_hosts: list[Hosts] = []  # one pace per host for every scan, shared with the other workers


def archive() -> Archive:
    """This worker process's Archive, opened on first use (after the fork, never before)."""
    found: Archive | None = getattr(_state, "archive", None)
    if found is None:
        from compliance.pipeline import Archive

        found = _state.archive = Archive(settings())
    return found


def polite(scan_id: int) -> Polite:
    """The politeness of one scan in this process: one pace per host, robots.txt read once."""
    from compliance.scans.politeness import Robots, SharedHosts
    from compliance.scans.steps import Polite

    with _lock:
        if not _hosts:
            _hosts.append(SharedHosts(archive().store))  # one pace per host across the workers
        if scan_id not in _polite:
            _polite[scan_id] = Polite(_hosts[0], Robots(settings(), _hosts[0]))
            while len(_polite) > POLITE_SCANS:
                _polite.popitem(last=False)
        return _polite[scan_id]


def site_of_scan(scan_id: int) -> Site:
    """The site a scan belongs to, as it was when this process first saw the scan."""
    if scan_id not in _sites:
        scan = archive().store.get_scan(scan_id)
        site = archive().store.site(scan.site) if scan else None
        if site is None:
            raise NotFoundError(f"scan {scan_id} or its site is gone")
        _sites[scan_id] = site
    return _sites[scan_id]


@app.task(
    name="compliance.scan_site", autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=BACK_OFF_MAX
)
def scan_site(name: str, scan_id: int | None = None) -> str:
    """Start (or resume) the scan of the site called `name` and queue its open leads; with
    `scan_id`, only finish that scan's discovery (`resume`), never start a new scan."""
    from compliance.scans.steps import SiteFailed, discover

    store = archive().store
    site = store.site(name)
    if site is None or site.id is None:
        return f"no site called {name!r}"
    owner = f"discovery:{scan_site.request.id}"
    hold = settings().task_time_limit + CLAIM_MARGIN
    if not store.acquire_lease(site.id, owner, datetime.now(UTC) + timedelta(seconds=hold)):
        if scan_id is not None:  # a dead discovery's lease lapses: look again then
            scan_site.apply_async((name, scan_id), countdown=hold)
        return f"{name}: another scan holds the site"
    try:
        found = store.get_scan(scan_id) if scan_id is not None else None
        if scan_id is not None and (found is None or found.state != ScanState.RUNNING):
            return f"{name}: scan {scan_id} has ended"
        scan = found or store.open_scan(site.id)[0]
        if not scan.leads_ready:
            try:
                discover(archive(), site, scan.id, polite(scan.id))
            except SiteFailed as exc:
                store.finish_scan(scan.id, ScanState.FAILED, str(exc), 0)
                return f"{name}: {exc}"
    finally:
        store.release_lease(site.id, owner)
    queued = queue_leads(store.open_leads(scan.id))
    finish(scan.id)
    return f"{name}: scan {scan.id}, {queued} page(s) queued"


@app.task(
    name="compliance.scan_page", bind=True, autoretry_for=RETRIED, retry_backoff=True,
    retry_backoff_max=BACK_OFF_MAX,
)  # fmt: skip
def scan_page(self: Task, lead_id: int, tries: int = 0) -> str:
    """Visit one lead, if this task can claim it; queue the leads its links made; end the scan."""
    from compliance.scans.steps import give_up, visit

    config, store = settings(), archive().store
    lead = store.lead(lead_id)
    if lead is None or lead.state in (LeadState.DONE, LeadState.DROPPED):
        return f"lead {lead_id}: closed"
    site = site_of_scan(lead.scan_id)
    owner = f"task:{self.request.id}"  # the same across this task's retries: its claim stays its own
    claim = config.task_time_limit + CLAIM_MARGIN
    held = store.claim_lead(lead_id, owner, claim, site.page_limit)
    if held is None:
        return _not_claimed(lead_id, lead.scan_id)
    try:
        result = visit(archive(), site, held, owner, polite(lead.scan_id), tries >= config.scan_retries)
    except ClaimLost:
        return f"lead {lead_id}: taken over by another worker"
    if result.retry_after is not None:
        if result.retry_after > config.scan_max_wait:
            reason = f"{result.outcome.reason}; Retry-After {result.retry_after:g}s is too long to wait"
            give_up(archive(), site, held, owner, replace(result.outcome, reason=reason))
        else:
            polite(lead.scan_id).hosts.back_off(held.url, result.retry_after)
            store.release_lead(lead_id, owner)
            scan_page.apply_async((lead_id, tries + 1), countdown=result.retry_after)
            return f"lead {lead_id}: back off {result.retry_after:g}s"
    finish(lead.scan_id)
    queue_leads(store.open_leads(lead.scan_id, result.links) if result.links else [])
    return f"lead {lead_id}: {result.outcome.status}"


def _not_claimed(lead_id: int, scan_id: int) -> str:
    """Another worker holds the lead, or it closed meanwhile: look again when that claim lapses."""
    until = archive().store.lead_claimed_until(lead_id)
    if until is None:
        finish(scan_id)
        return f"lead {lead_id}: closed"
    wait = max(1.0, (until - datetime.now(UTC)).total_seconds() + 1.0)
    scan_page.apply_async((lead_id,), countdown=wait)
    return f"lead {lead_id}: held by another worker, looked at again in {wait:.0f}s"


def finish(scan_id: int) -> bool:
    """Complete the scan if no lead remains open; the one caller that did queues its alerts."""
    done = archive().store.finish_scan_if_done(scan_id)
    if done:
        alert_scan.delay(scan_id)
    return done


def queue_leads(lead_ids: list[int]) -> int:
    """One `scan_page` task per lead; how many were sent."""
    for lead_id in lead_ids:
        scan_page.delay(lead_id)
    return len(lead_ids)


@app.task(
    name="compliance.alert_scan", autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=BACK_OFF_MAX
)
def alert_scan(scan_id: int) -> str:
    """Send the alert digest of a completed scan's new findings (where the settings say)."""
    from compliance.scans.alerts import send_alerts
    from compliance.scans.run import new_matches
    from compliance.scans.steps import summary

    scan = archive().store.get_scan(scan_id)
    site = archive().store.site(scan.site) if scan else None
    if scan is None or site is None:
        return f"scan {scan_id}: gone"
    done = summary(archive(), site, scan_id, scan.state)
    report = ScanReport((done,), new_matches(archive(), (done,)), 0.0)
    sent = send_alerts(report, archive().settings)
    return f"scan {scan_id}: " + ("; ".join(sent) or "nothing to alert")


@app.task(
    name="compliance.recheck_due", autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=BACK_OFF_MAX
)
def recheck_due() -> str:
    """One `recheck_case` task per case whose re-check is due now."""
    from compliance.cases.recheck import due_rechecks

    due = due_rechecks(archive(), datetime.now(UTC))
    for case_id, passed in due:
        recheck_case.delay(case_id, passed)
    return f"{len(due)} re-check(s) queued"


@app.task(
    name="compliance.recheck_case", autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=BACK_OFF_MAX
)
def recheck_case(case_id: int, passed: int) -> str:
    """Check the case's pages again, unless its re-check number `passed` is already done."""
    from compliance.cases.permissions import SYSTEM
    from compliance.cases.recheck import recheck_case as recheck

    case = archive().store.workflow.case(case_id)
    if case.rechecks_done >= passed:
        return f"case {case_id}: re-check {passed} already done"
    results = recheck(archive(), case_id, SYSTEM, passed)
    return f"case {case_id}: {len(results)} page(s) checked again"


@app.task(
    name="compliance.resume_scans", autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=BACK_OFF_MAX
)
def resume_scans(names: list[str] | None = None) -> str:
    """Queue again what the database says remains of the running scans (of `names` if given)."""
    return summary_line(resume(archive(), names))


def resume(where: Archive, names: list[str] | None = None) -> dict[str, int]:
    """For each running scan: its discovery queued if unfinished, else its open leads; scan → queued."""
    store = where.store
    site_ids = None
    if names is not None:
        site_ids = [s.id for s in store.sites() if s.name in names and s.id is not None]
    queued: dict[str, int] = {}
    for scan in store.running_scans(site_ids):
        if not scan.leads_ready:
            scan_site.delay(scan.site, scan.id)
            queued[f"{scan.site} (scan {scan.id}, discovery)"] = 1
        elif store.finish_scan_if_done(scan.id):
            alert_scan.delay(scan.id)
            queued[f"{scan.site} (scan {scan.id}, complete)"] = 0
        else:
            queued[f"{scan.site} (scan {scan.id})"] = queue_leads(store.open_leads(scan.id))
    return queued


def summary_line(queued: dict[str, Any]) -> str:
    """What `resume` queued, on one line."""
    return ", ".join(f"{name}: {n}" for name, n in queued.items()) or "nothing to resume"


@app.task(
    name="compliance.sweep_part", autoretry_for=RETRIED, retry_backoff=True, retry_backoff_max=BACK_OFF_MAX
)
def sweep_part(part_id: int) -> str:
    """Check one part of a sweep: the records of its byte range that have no outcome yet."""
    from compliance.sweeps.part import sweep_part as run_part

    result = run_part(archive(), part_id)
    return f"sweep part {part_id}: {result.state.value}"
