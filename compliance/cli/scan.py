"""`compliance scan`, `compliance scheduler` and `compliance worker`: watched sites scanned now,
on their schedules, or by Celery workers.

    scan [--site NAME…] [--due] [--json] ─► Archive.scan ─► a summary, or the scan record as JSON
    scan --resume [--site NAME…]          ─► Archive.resume_scans: what the database says remains
    scheduler                             ─► Archive.run_scheduler (until interrupted)
    worker [--concurrency N]              ─► pipeline.run_worker: one Celery worker (needs a broker)

With COMPLIANCE_BROKER_URL set, `scan` sends the work to the workers and waits for it to end
(`--no-wait`: only sends it); without it, `scan` does the work in its own process.

The scan record (`shapes.scan_report`) holds the counts per page status, the failures with their
reasons, the time taken and the matches this scan found for the first time, each as `check
--json` prints it. A progress bar shows on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.fingerprints import bring_up_to_date
from compliance.pipeline import Archive, run_worker
from compliance.records import ScanReport
from compliance.settings import Settings


@click.command()
@click.option("--site", "names", multiple=True, metavar="NAME", help="A site to scan; repeat for several.")
@click.option("--due", is_flag=True, help="Only the sites whose schedule says so (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print the scan record as JSON.")
@click.option(
    "--resume",
    is_flag=True,
    help="Finish the scans left running (a killed process, a restarted broker): with workers, send "
    "again what the database says remains; without, scan it here.",
)
@click.option("--no-wait", is_flag=True, help="With workers: send the scans and return at once.")
def scan(names: tuple[str, ...], due: bool, as_json: bool, resume: bool, no_wait: bool) -> None:
    """Scan watched sites (all of them unless --site) and keep what they copied as findings.

    With COMPLIANCE_BROKER_URL set, Celery workers (`compliance worker`) do the work; when none
    answers within COMPLIANCE_WORKER_GRACE seconds, the scans stay queued and `scan` says so.
    """
    if resume and due:
        raise click.UsageError("--resume and --due do not go together")
    with Archive(Settings.from_env()) as archive, _progress(not as_json) as progress:
        bring_up_to_date(archive)
        if resume:
            resumed = archive.resume_scans(names, progress=progress)
            if not isinstance(resumed, ScanReport):
                _resumed(resumed, as_json)
                return
            if not resumed.sites and not as_json:
                click.echo("no scan left running")
                return
            report = resumed
        else:
            report = archive.scan(names, due=due, progress=progress, wait=not no_wait)
    if as_json:
        output.print_json(shapes.scan_report(report))
    else:
        _summary(report)


@click.command()
def scheduler() -> None:
    """Scan every watched site on its schedule, in this process, until interrupted."""
    with Archive(Settings.from_env()) as archive:
        bring_up_to_date(archive)
        click.echo("scheduler started (Ctrl-C to stop)", err=True)
        try:
            archive.run_scheduler()
        except KeyboardInterrupt:
            click.echo("scheduler stopped", err=True)


@click.command()
@click.option("--concurrency", type=click.IntRange(min=1), help="Processes of this worker (default 1).")
@click.option("--name", help="The worker's node name (default: compliance-PID@HOST).")
def worker(concurrency: int | None, name: str | None) -> None:
    """Run one Celery worker on COMPLIANCE_BROKER_URL: scans, re-checks and alerts, until stopped.

    On start it recomputes the fingerprints an older normalization made (as `scan` does), then
    sends again what the database says remains of running scans.
    """
    settings = Settings.from_env()
    with Archive(settings) as archive:  # closed before the worker's processes fork
        bring_up_to_date(archive)
    run_worker(settings, concurrency, name)


def _resumed(queued: dict[str, int], as_json: bool) -> None:
    if as_json:
        output.print_json({"resumed": [{"scan": name, "tasks": n} for name, n in queued.items()]})
        return
    for name, count in queued.items():
        click.echo(f"{name}: {count} task(s) sent")
    if not queued:
        click.echo("no scan left running")


@contextmanager
def _progress(wanted: bool) -> Iterator[Callable[[str, str], None] | None]:
    """A line counting pages on a terminal (the total is unknown until discovery ends); else nothing."""
    if not (wanted and sys.stderr.isatty()):
        yield None
        return
    done = [0]

    def show(site: str, status: str) -> None:
        done[0] += 1
        click.echo(f"\r\033[Kpages {done[0]}  {site}: {status}", err=True, nl=False)

    yield show
    click.echo("", err=True)


def _summary(report: ScanReport) -> None:
    for done in report.sites:
        counts = ", ".join(f"{name} {count}" for name, count in done.counts.items() if count)
        click.echo(f"{done.site}: {done.state}{f' ({done.reason})' if done.reason else ''}  {counts or '-'}")
        for url, reason in done.failures:
            click.echo(f"  failed {url}: {reason}")
    for url, kept in report.matches:
        decision = kept.judged.decision
        click.echo(
            f"new finding {kept.finding_id}  {decision.verdict}  severity {decision.severity.level}  {url}"
        )
    for line in report.alerts:
        click.echo(f"alert {line}")
    click.echo(f"{len(report.matches)} new finding(s) in {report.seconds:.1f}s")


COMMANDS: tuple[click.Command, ...] = (scan, scheduler, worker)
