"""`compliance sweep`: every HTML page of WARC files (and every text of WET files) checked.

    sweep FILE.warc.gz… [--jobs N] [--part-records N] [--json] ─► Archive.sweep ─► a summary
    sweep --resume ID                                           ─► the same, for a stored sweep

Run again on the same files, it resumes their unfinished sweep: parts done are skipped, and so
are the records that have an outcome. A progress bar shows on a terminal.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from compliance import shapes
from compliance.cli import output
from compliance.pipeline import Archive
from compliance.records import SweepReport
from compliance.settings import Settings


@click.command()
@click.argument("files", nargs=-1, type=click.Path(path_type=Path), metavar="FILE.warc.gz...")
@click.option("--resume", type=click.IntRange(min=1), metavar="ID", help="Resume the sweep with this id.")
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    metavar="N",
    help="Processes checking parts at once (default: cores).",
)
@click.option(
    "--part-records",
    type=click.IntRange(min=1),
    default=500,
    show_default=True,
    metavar="N",
    help="Pages per part of a new sweep (a part is what one process or worker runs at a time).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the sweep's record as JSON.")
def sweep(
    files: tuple[Path, ...], resume: int | None, jobs: int | None, part_records: int, as_json: bool
) -> None:
    """Check every HTML response of WARC files (or text of WET files) against the archive.

    Findings are kept as a scan keeps them, each matching record kept as evidence. Run again on
    the same files (or with --resume ID), an interrupted sweep goes on where it stopped; once a
    sweep is complete, the same files are swept anew (after an ingest, say).
    """
    if bool(files) == (resume is not None):
        raise click.UsageError("name the WARC or WET files to sweep, or --resume ID, not both")
    with Archive(Settings.from_env()) as archive, _progress(not as_json) as progress:
        report = archive.sweep(files, resume=resume, jobs=jobs, part_records=part_records, progress=progress)
    if as_json:
        output.print_json(shapes.sweep_report(report))
    else:
        _summary(report)
    if report.sweep.state != "complete":
        raise output.Failure(f"sweep {report.sweep.id} is not complete: run it again to resume it")


@contextmanager
def _progress(wanted: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A bar of records checked out of the sweep's total, on a terminal only."""
    if not (wanted and sys.stderr.isatty()):
        yield None
        return
    with click.progressbar(length=1, label="Sweeping", file=sys.stderr, show_pos=True, show_eta=False) as bar:

        def show(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        yield show


def _summary(report: SweepReport) -> None:
    done = report.sweep
    counts = ", ".join(f"{name} {count}" for name, count in report.counts.items())
    how = "resumed" if report.resumed else "new"
    click.echo(
        f"sweep {done.id} ({how}): {done.state}, {len(done.files)} file(s), {done.records} page(s): {counts}"
    )
    for path, offset, reason in report.failures[:20]:
        click.echo(f"  failed {path} @ {offset}: {reason}")
    if len(report.failures) > 20:
        click.echo(f"  … and {len(report.failures) - 20} more failure(s) (--json lists them all)")
    for finding in report.new_findings[:20]:
        click.echo(f"new finding {finding}  (compliance findings show {finding})")
    if len(report.new_findings) > 20:
        click.echo(f"  … and {len(report.new_findings) - 20} more new finding(s) (--json lists them all)")
    pace = report.checked_now / report.seconds if report.seconds > 0 else 0.0
    click.echo(
        f"{len(report.new_findings)} new finding(s); {report.checked_now} page(s) checked now in "
        f"{report.seconds:.1f}s ({pace:.1f}/s, "
        + (f"{report.jobs} process(es))" if report.jobs else "Celery workers)")
    )


COMMANDS: tuple[click.Command, ...] = (sweep,)
