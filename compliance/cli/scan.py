"""`compliance scan` and `compliance scheduler`: watched sites scanned now, or on their schedules.

    scan [--site NAME…] [--due] [--json] ─► Archive.scan ─► a summary, or the scan record as JSON
    scheduler                             ─► Archive.run_scheduler (until interrupted)

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
from compliance.pipeline import Archive
from compliance.records import ScanReport
from compliance.settings import Settings


@click.command()
@click.option("--site", "names", multiple=True, metavar="NAME", help="A site to scan; repeat for several.")
@click.option("--due", is_flag=True, help="Only the sites whose schedule says so (for cron).")
@click.option("--json", "as_json", is_flag=True, help="Print the scan record as JSON.")
def scan(names: tuple[str, ...], due: bool, as_json: bool) -> None:
    """Scan watched sites (all of them unless --site) and keep what they copied as findings."""
    with Archive(Settings.from_env()) as archive, _progress(not as_json) as progress:
        bring_up_to_date(archive)
        report = archive.scan(names, due=due, progress=progress)
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


COMMANDS: tuple[click.Command, ...] = (scan, scheduler)
