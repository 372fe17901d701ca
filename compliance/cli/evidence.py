"""`compliance evidence …`: the captures kept as evidence, and whether they are intact.

    IDs (or none: all) ─► Archive.verify_captures ─► one line per capture, then a summary

An id that is not stored is a user's mistake (exit 2); a changed or missing WARC is not (exit 1).
"""

from __future__ import annotations

import click

from compliance.cli import output
from compliance.errors import NotFoundError
from compliance.pipeline import Archive
from compliance.settings import Settings


@click.group()
def evidence() -> None:
    """Captures kept as evidence (WARC files and their SHA-256)."""


@evidence.command()
@click.argument("ids", nargs=-1, type=int)
def verify(ids: tuple[int, ...]) -> None:
    """Recompute the SHA-256 of every stored capture (or of IDS) and report any change."""
    with Archive(Settings.from_env()) as archive:
        results = archive.verify_captures(ids)
    missing = set(ids) - {capture.id for capture, _ in results}
    if missing:
        raise NotFoundError(f"no capture with id {', '.join(map(str, sorted(missing)))}")
    for capture, problem in results:
        status = "ok" if problem is None else f"FAILED: {problem}"
        click.echo(f"capture {capture.id}  {capture.warc_path}  {status}")
    failed = [capture.id for capture, problem in results if problem is not None]
    click.echo(f"{len(results) - len(failed)} intact, {len(failed)} changed or missing")
    if failed:
        raise output.Failure("evidence changed or missing: " + ", ".join(f"capture {i}" for i in failed))


COMMANDS: tuple[click.Command, ...] = (evidence,)
