"""`compliance demo`: the product on its fixtures, in one command.

    fixtures/archive  ─► ingest ─► the archive
    fixtures/suspects ─► check  ─► the findings of each suspect page, printed as `check` prints them

The fixtures are the repository's `fixtures/` folder; ingesting them again changes nothing.
"""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli import output
from compliance.pipeline import Archive, read_articles, read_page_text
from compliance.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


@click.command()
def demo() -> None:
    """Load the fixture archive, check the fixture suspect pages and print the matches."""
    settings = Settings.from_env()
    show = output.CheckPrinter(as_json=False, several=True)
    with Archive(settings) as archive:
        report = archive.ingest(read_articles([FIXTURES / "archive"], settings))
        click.echo(f"archive: {output.ingest_summary(report)}\n")
        for path in sorted((FIXTURES / "suspects").glob("*.txt")):
            text = read_page_text(path, settings)
            show(archive.record_text(text, name=path.name), file=path.name)


COMMANDS: tuple[click.Command, ...] = (demo,)
