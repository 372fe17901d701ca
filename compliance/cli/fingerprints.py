"""`compliance fingerprints refresh`, and the same step at the start of every command that writes.

    fingerprints refresh [--batch N] ─► Archive.refresh_fingerprints ─► a summary line

Fingerprints made by an older normalization (the stored parameters say which) miss copies the
current one finds, e.g. Arabic words with their proclitics changed. `ingest`, `scan`, `scheduler`,
`worker` and `serve` recompute them first, through `bring_up_to_date`; this command does it alone
(after an upgrade, before the web app is started under a WSGI server). Progress goes to stderr.
"""

from __future__ import annotations

import sys

import click

from compliance.pipeline import Archive
from compliance.settings import Settings


@click.group()
def fingerprints() -> None:
    """Our articles' stored fingerprints."""


@fingerprints.command()
@click.option(
    "--batch",
    default=200,
    show_default=True,
    type=click.IntRange(min=1, max=100_000),
    help="Articles fingerprinted again per transaction.",
)
def refresh(batch: int) -> None:
    """Recompute the fingerprints that an older normalization made."""
    with Archive(Settings.from_env()) as archive:
        replaced = bring_up_to_date(archive, batch)
    if not replaced:
        click.echo("every fingerprint is up to date")


def bring_up_to_date(archive: Archive, batch: int = 200) -> int:
    """Recompute the outdated fingerprints, if any, with progress on stderr; how many were replaced."""
    total = archive.outdated_fingerprints()
    if not total:
        return 0
    click.echo(f"compliance: {total} fingerprints were made by an older normalization: recomputing", err=True)
    if sys.stderr.isatty():
        with click.progressbar(length=total, label="Fingerprinting", file=sys.stderr, show_pos=True) as bar:
            replaced = archive.refresh_fingerprints(batch, progress=bar.update)
    else:
        replaced = archive.refresh_fingerprints(batch)
    click.echo(f"compliance: recomputed {replaced} fingerprints", err=True)
    return replaced


COMMANDS: tuple[click.Command, ...] = (fingerprints,)
