"""The thin parts of `Archive` (compliance/pipeline.py): calls that each delegate to one area.

In: names, ids, `records` values and the `records.Actor` who acts. Out: `records` values and the
areas' service objects. Each mixin is a group of one-line calls into the store or into one package
(`compliance.cases`, `compliance.capture`, `compliance.scans`, `compliance.policy`, the API's
keys and jobs); `Archive` inherits them all, so the CLI, the web app, the API and the workers keep
calling one facade. The stages themselves (ingest, check, record) and the index live in pipeline.py.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, cast

from compliance import shapes
from compliance.access import ApiKeys
from compliance.errors import InputError, NotFoundError
from compliance.jobs import CheckJobs
from compliance.policy.partners import checked_partner
from compliance.records import (
    Action,
    Actor,
    Article,
    AuditNote,
    Capture,
    Finding,
    FindingQuery,
    Partner,
    PartResult,
    Recheck,
    ScanRecord,
    ScanReport,
    Site,
    SiteScans,
    SweepReport,
)

if TYPE_CHECKING:
    from compliance.capture.evidence_folder import Orphan
    from compliance.cases.journal import AuditLog
    from compliance.cases.notices import Notices
    from compliance.cases.workflow import Cases
    from compliance.pipeline import Archive
    from compliance.settings import Settings
    from compliance.store import Store
    from compliance.users import Users


class _Part:
    """What every part relies on: `Archive` provides the store and the settings."""

    store: Store
    settings: Settings

    def _archive(self) -> Archive:
        """This object as the whole facade, for the modules that take one (jobs, packs, scans)."""
        return cast("Archive", self)


class PartnerCalls(_Part):
    """Partners (licensees): checked here, stored by the store; every change audited."""

    if TYPE_CHECKING:  # provided by CaseServices

        def _acting(self, actor: Actor | None, action: Action) -> Actor: ...

    def partners(self) -> list[Partner]:
        """Every partner, by name."""
        return self.store.partners()

    def partner(self, name: str) -> Partner:
        """The partner called `name`; NotFoundError if there is none."""
        found = self.store.partner(name)
        if found is None:
            raise NotFoundError(f"no partner called {name!r}")
        return found

    def add_partner(self, partner: Partner, actor: Actor | None = None) -> Partner:
        """Store a new partner, its domains checked (no domain shared with another partner); audited."""
        who, checked = self._acting(actor, Action.MANAGE_PARTNERS), checked_partner(partner)
        note = AuditNote(who.name, "partner.add", f"partner:{checked.name}", shapes.partner(checked))
        return self.store.workflow.add_partner(checked, note)

    def update_partner(self, name: str, partner: Partner, actor: Actor | None = None) -> Partner:
        """Replace the partner called `name`; audited."""
        who, checked = self._acting(actor, Action.MANAGE_PARTNERS), checked_partner(partner)
        note = AuditNote(who.name, "partner.update", f"partner:{name}", shapes.partner(checked))
        return self.store.workflow.update_partner(name, checked, note)

    def remove_partner(self, name: str, actor: Actor | None = None) -> None:
        """Delete the partner called `name`; audited."""
        who = self._acting(actor, Action.MANAGE_PARTNERS)
        self.store.workflow.remove_partner(name, AuditNote(who.name, "partner.remove", f"partner:{name}"))


class CaseServices(_Part):
    """The legal workflow (compliance.cases): every call names the Actor who acts."""

    @cached_property
    def users(self) -> Users:
        """Users, their roles, and the Actor a user name stands for."""
        from compliance.users import Users

        return Users(self.store)

    @cached_property
    def cases(self) -> Cases:
        """Cases over findings: opened, moved through the state machine, assigned, annotated."""
        from compliance.cases.workflow import Cases

        return Cases(self.store)

    @cached_property
    def notices(self) -> Notices:
        """Notices drafted from cases, approved by a second person, sent with proof."""
        from compliance.cases.notices import Notices

        return Notices(self.store, self.settings)

    @cached_property
    def audit(self) -> AuditLog:
        """The hash-chained, append-only audit log."""
        from compliance.cases.journal import AuditLog

        return AuditLog(self.store)

    def evidence_pack(self, actor: Actor, case_id: int, out: str | os.PathLike[str] | None = None) -> Path:
        """Write the case's evidence pack (ZIP: WARCs, report, manifest); its path. Audited."""
        from compliance.cases.packs import export_pack

        return export_pack(self._archive(), actor, case_id, Path(out) if out else None)

    def recheck_due(self, now: datetime | None = None, actor: Actor | None = None) -> list[Recheck]:
        """Check again the pages of every case whose re-check is due (the scheduler calls this)."""
        from compliance.cases.recheck import recheck_due

        return recheck_due(self._archive(), now or datetime.now(UTC), actor)

    def _acting(self, actor: Actor | None, action: Action) -> Actor:
        """`actor` (or, with none, the local operator before any user exists) once allowed `action`."""
        from compliance.cases.permissions import require

        who = actor if actor is not None else self.users.actor(None)
        require(who, action)
        return who


class EvidenceCalls(_Part):
    """The evidence folder (compliance.capture): WARCs verified, orphans found and cleaned."""

    def verify_captures(self, ids: Sequence[int] = ()) -> list[tuple[Capture, str | None]]:
        """Every capture (or those of `ids`) with None when its WARC is intact, else why not."""
        from compliance.capture.captures import verify_captures

        return verify_captures(self.store, self.settings, ids)

    def evidence_orphans(self) -> list[Orphan]:
        """Evidence files no capture names: stale temporary files and unrecorded WARCs."""
        from compliance.capture.captures import evidence_orphans

        return evidence_orphans(self.store, self.settings)

    def clean_evidence(self) -> list[tuple[Orphan, str]]:
        """Delete stale temporary evidence files, quarantine unrecorded WARCs; what went where."""
        from compliance.capture.captures import clean_evidence

        return clean_evidence(self.store, self.settings)


class ApiCalls(_Part):
    """What the JSON API and the CLI ask besides checks: keys, background jobs, listings."""

    @cached_property
    def api_keys(self) -> ApiKeys:
        """The keys of the JSON API."""
        return ApiKeys(self.store)

    @cached_property
    def check_jobs(self) -> CheckJobs:
        """URL checks run in the background (a thread pool, started on first use)."""
        return CheckJobs(self._archive())

    def finding(self, finding_id: int) -> Finding | None:
        """A stored finding with its page and sightings, or None."""
        return self.store.get_finding(finding_id)

    def find_findings(self, query: FindingQuery) -> list[Finding]:
        """The findings passing `query`, by id, without their sightings."""
        return self.store.find_findings(query)

    def articles_without_notice(self) -> list[Article]:
        """Our articles stored without a rights notice: reproduction of them was never reserved."""
        return self.store.articles_without_notice()


class ScanCalls(_Part):
    """Watched sites and their scans (compliance.scans)."""

    def sites(self) -> list[Site]:
        """Every watched site, by name."""
        return self.store.sites()

    def site(self, name: str) -> Site:
        """The watched site called `name`; NotFoundError if there is none."""
        found = self.store.site(name)
        if found is None:
            raise NotFoundError(f"no site called {name!r}")
        return found

    def add_site(self, site: Site) -> Site:
        """Watch a new site, its settings checked (InputError names the bad one)."""
        from compliance.scans.sites import checked_site

        return self.store.add_site(checked_site(site))

    def update_site(self, name: str, site: Site) -> Site:
        """Replace the settings of the site called `name`."""
        from compliance.scans.sites import checked_site

        return self.store.update_site(name, checked_site(site))

    def remove_site(self, name: str) -> None:
        """Stop watching the site called `name` (its findings stay)."""
        self.store.remove_site(name)

    def site_scans(self, limit: int = 5) -> list[SiteScans]:
        """Every watched site, by name, with its latest `limit` scans (counts per page status, failures)."""
        return [SiteScans(site, tuple(self.store.recent_scans(site.id or 0, limit))) for site in self.sites()]

    def scan_record(self, scan_id: int) -> ScanRecord:
        """One scan with its counts, failures and every page outcome; NotFoundError if there is none."""
        found = self.store.scan_record(scan_id)
        if found is None:
            raise NotFoundError(f"no scan {scan_id}")
        return found

    def scan(
        self,
        names: Sequence[str] = (),
        due: bool = False,
        progress: Callable[[str, str], None] | None = None,
        wait: bool = True,
    ) -> ScanReport:
        """Scan the named sites (all of them if none), only those due with `due`; alerts sent after.

        With a broker (COMPLIANCE_BROKER_URL) the workers scan, and with `wait` the report is read
        from the database once every scan has ended; without one, this process scans.
        """
        from compliance.scans.run import due_sites, run_scans

        chosen = [self.site(name) for name in dict.fromkeys(names)] or self.sites()
        if due:
            ready = {site.name for site in due_sites(self._archive())}
            chosen = [site for site in chosen if site.name in ready]
        elif not chosen:
            raise InputError("no watched site: add one with `compliance sites add NAME --seed URL`")
        if self.settings.broker_url:
            from compliance.workers import dispatch

            return dispatch.scan(self._archive(), chosen, wait, progress)
        return run_scans(self._archive(), chosen, progress)

    def resume_scans(
        self, names: Sequence[str] = (), progress: Callable[[str, str], None] | None = None
    ) -> dict[str, int] | ScanReport:
        """What the database says remains of the running scans: sent to the workers again (scan →
        tasks sent) with a broker; without one, scanned here (the sites' running scans resumed)."""
        from compliance.scans.run import run_scans

        chosen = [self.site(name) for name in dict.fromkeys(names)]
        if self.settings.broker_url:
            from compliance.workers import dispatch

            return dispatch.resume(self._archive(), [site.name for site in chosen] or None)
        ids = [site.id for site in chosen if site.id is not None] if chosen else None
        running = {scan.site for scan in self.store.running_scans(ids)}
        return run_scans(self._archive(), [site for site in self.sites() if site.name in running], progress)

    def run_scheduler(self) -> None:
        """Scan every watched site on its schedule, in this process, until interrupted."""
        from compliance.scans.schedule import run_scheduler

        run_scheduler(self._archive())


class SweepCalls(_Part):
    """Bulk sweeps of WARC and WET files (compliance.sweeps)."""

    def sweep(
        self,
        paths: Sequence[str | os.PathLike[str]] = (),
        *,
        resume: int | None = None,
        jobs: int | None = None,
        part_records: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SweepReport:
        """Check every HTML page of the files (or resume sweep `resume`) across `jobs` processes."""
        from compliance.sweeps.plan import PART_RECORDS
        from compliance.sweeps.run import run_sweep

        return run_sweep(
            self._archive(),
            [Path(path) for path in paths],
            resume=resume,
            jobs=jobs,
            part_records=part_records or PART_RECORDS,
            progress=progress,
        )

    def sweep_part(self, part_id: int, progress: Callable[[int], None] | None = None) -> PartResult:
        """Run one part of a sweep (what a worker's task calls): its records not done yet."""
        from compliance.sweeps.part import sweep_part

        return sweep_part(self._archive(), part_id, progress)
