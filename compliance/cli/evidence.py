"""`compliance evidence …`: the captures kept as evidence, whether they are intact, and orphans.

    verify [IDs] ─► Archive.verify_captures (+ evidence_orphans, without IDs) ─► one line per
                    capture, unknown id and orphan, then a summary
    clean        ─► Archive.clean_evidence ─► one line per file removed or quarantined

Everything wrong is reported, not only the first thing: every changed capture, every unknown id,
every orphan. A changed, missing or no longer write-once WARC, or an orphan, exits 1; an unknown
id alone is a user's mistake and exits 2.
"""

from __future__ import annotations

import click

from compliance.cli import output
from compliance.pipeline import Archive
from compliance.settings import Settings

ORPHAN_REASONS = {
    "temporary": "temporary file of an interrupted write",
    "unrecorded": "WARC with no capture row (a check interrupted before recording it)",
}


@click.group()
def evidence() -> None:
    """Captures kept as evidence (WARC files and their SHA-256)."""


@evidence.command()
@click.argument("ids", nargs=-1, type=int)
def verify(ids: tuple[int, ...]) -> None:
    """Check every stored capture (or those of IDS) and, without IDS, look for orphan files.

    A capture is intact when its WARC is a regular, read-only file inside the evidence folder (not
    a symbolic link) whose SHA-256 is the recorded one. Orphans are files no capture names, older
    than an hour: temporary files and WARCs of interrupted checks (`compliance evidence clean`).
    Exit 1 if any capture is not intact or any orphan is found; else 2 if an id is unknown.
    """
    with Archive(Settings.from_env()) as archive:
        results = archive.verify_captures(ids)
        orphans = [] if ids else archive.evidence_orphans()
    unknown = sorted(set(ids) - {capture.id for capture, _ in results})
    for capture, problem in results:
        status = "ok" if problem is None else f"FAILED: {problem}"
        click.echo(f"capture {capture.id}  {capture.warc_path}  {status}")
    for capture_id in unknown:
        click.echo(f"capture {capture_id}  not found")
    for orphan in orphans:
        click.echo(f"orphan  {orphan.path}  {ORPHAN_REASONS[orphan.kind]}, {orphan.age / 3600:.1f} h old")
    failed = [capture.id for capture, problem in results if problem is not None]
    click.echo(
        f"{len(results) - len(failed)} intact, {len(failed)} not intact"
        + (f", {len(unknown)} unknown" if unknown else "")
        + (f", {len(orphans)} orphan{'s' * (len(orphans) != 1)}" if not ids else "")
    )
    _exit_for(failed, unknown, len(orphans))


def _exit_for(failed: list[int | None], unknown: list[int], orphans: int) -> None:
    """One line naming everything wrong; exit 1 for damaged evidence or orphans, 2 for ids alone."""
    problems = []
    if failed:
        problems.append("evidence not intact: " + ", ".join(f"capture {i}" for i in failed))
    if orphans:
        problems.append(f"{orphans} orphan file{'s' * (orphans != 1)} (see `compliance evidence clean`)")
    if unknown:
        problems.append(f"no capture with id {', '.join(map(str, unknown))}")
    if problems:
        raise output.Failure("; ".join(problems), exit_status=1 if failed or orphans else 2)


@evidence.command()
def clean() -> None:
    """Put aside the orphan files `verify` reports (older than an hour, so never a running check's).

    Temporary files of interrupted writes are deleted: they were never renamed into place, so no
    capture can name them. WARCs with no capture row are moved, read-only, to the evidence folder's
    `quarantine/`, never deleted: they are not adopted as captures, since the text that was checked
    was never recorded, but they stay there for whoever wants to look at them.
    """
    with Archive(Settings.from_env()) as archive:
        done = archive.clean_evidence()
    for orphan, target in done:
        if target:
            click.echo(f"quarantined  {orphan.path}  ->  {target}")
        else:
            click.echo(f"removed  {orphan.path}")
    quarantined = sum(1 for _, target in done if target)
    click.echo(f"{len(done) - quarantined} temporary files removed, {quarantined} WARCs quarantined")


COMMANDS: tuple[click.Command, ...] = (evidence,)
