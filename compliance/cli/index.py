"""`compliance index rebuild|compact|check`: the passage index, a cache of the stored fingerprints.

rebuild ─► Archive.rebuild_index ─► every stored fingerprint indexed again, from nothing (a bar
           on stderr), then the count
compact ─► Archive.compact_index ─► the index caught up, its segments merged into one
check   ─► Archive.index_drift   ─► "in step", or what differs: fingerprints missing from the
           index, entries of deleted or re-ingested articles, other parameters (exit 1)

Each host keeps its own index folder and catches it up from the database on its own; `check`
says whether a folder has drifted from the database, `rebuild` puts it right.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from compliance import shapes
from compliance.cli import output
from compliance.pipeline import Archive
from compliance.records import IndexDrift
from compliance.settings import Settings

SHOWN_IDS = 10  # ids listed in a line; the count says how many there are


@click.group()
def index() -> None:
    """The passage index: rebuild it from the database, compact it, or check it against the database."""


@index.command("rebuild")
@click.option("--json", "as_json", is_flag=True, help="Print the index's state after the rebuild as JSON.")
def rebuild(as_json: bool) -> None:
    """Throw the index away and index every stored fingerprint again.

    Other processes keep answering from the old index until the new one is complete; they take
    it up on their next catch-up.
    """
    with Archive(Settings.from_env()) as archive:
        stored = archive.store.fingerprint_state()[1]
        with click.progressbar(length=stored, label="Indexing", file=sys.stderr, show_pos=True) as bar:
            drift = archive.rebuild_index(progress=bar.update)
    if as_json:
        output.print_json(shapes.index_drift(drift))
    else:
        click.echo(f"index rebuilt in {drift.folder or 'memory'}: {drift.indexed} fingerprints indexed")
    if drift.drifted:  # the database changed during the rebuild: the next catch-up takes it up
        click.echo("compliance: the database changed meanwhile; `compliance index check` again", err=True)


@index.command("compact")
def compact() -> None:
    """Merge the index's segments into one, so that each check searches one.

    Ingest leaves segments of several sizes; every check searches each of them. On a million
    articles, 2 segments answered in 9.5 + 4.7 ms the look-ups that 4 took 14.2 + 8.3 ms for
    (bench/RESULTS.md). Run it after a large ingest; other processes take the merged index up on
    their next catch-up.
    """
    with Archive(Settings.from_env()) as archive:
        click.echo("compliance: catching the index up and merging its segments…", err=True)
        before, after = archive.compact_index()
        folder = archive.index.path
    click.echo(f"index compacted in {folder or 'memory'}: {before} segment(s) merged into {after}")


@index.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print what differs as JSON.")
def check(as_json: bool) -> None:
    """Compare the index with the stored fingerprints, without catching it up; exit 1 on drift."""
    with Archive(Settings.from_env()) as archive:
        drift = archive.index_drift()
    if as_json:
        output.print_json(shapes.index_drift(drift))
    else:
        for line in drift_lines(drift):
            click.echo(line)
    if drift.drifted:
        raise output.Failure(
            "the passage index has drifted from the database: run `compliance index rebuild`"
        )


def drift_lines(drift: IndexDrift) -> list[str]:
    """The check's report, a line a finding."""
    lines = [
        f"index {drift.folder or '(in memory)'}: {drift.indexed} fingerprints indexed, {drift.stored} stored"
    ]
    if not drift.params_match:
        lines.append("built with other fingerprint parameters: none of it is used")
    if drift.missing:
        lines.append(f"missing from the index: {len(drift.missing)} fingerprint(s) {_ids(drift.missing)}")
    if drift.stale:
        articles = sorted({article for _, article in drift.stale})
        lines.append(
            f"entries of deleted or re-ingested articles: {len(drift.stale)} fingerprint(s)"
            f" {_ids([fingerprint for fingerprint, _ in drift.stale])}, article(s) {_ids(articles)}"
        )
    if not drift.drifted:
        lines.append("in step with the database")
    return lines


def _ids(ids: Sequence[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:SHOWN_IDS])
    return f"({shown}{', …' if len(ids) > SHOWN_IDS else ''})"


COMMANDS: tuple[click.Command, ...] = (index,)
