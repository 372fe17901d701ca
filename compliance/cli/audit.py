"""`compliance audit verify|head|log`: the hash-chained, append-only audit log.

verify ─► Archive.audit.verify ─► "ok, N entries, head H", or the first entry edited,
          deleted or inserted (exit 1)
head   ─► the newest entry's hash: keep it elsewhere, it pins everything before it
"""

from __future__ import annotations

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.acting import actor, as_option
from compliance.pipeline import Archive
from compliance.settings import Settings


@click.group()
def audit() -> None:
    """The audit log: who did what, hash-chained."""


@audit.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@as_option
def verify(as_json: bool, acting: str | None) -> None:
    """Recompute the chain; exit 1 naming the first entry edited, deleted or inserted."""
    with Archive(Settings.from_env()) as archive:
        result = archive.audit.verify(actor(archive, acting))
    if as_json:
        output.print_json(shapes.chain_check(result))
    elif result.ok:
        click.echo(f"audit log intact: {result.entries} entries, head {result.head}")
    if not result.ok:
        raise output.Failure(f"audit log broken at entry {result.bad_seq}: {result.problem}")


@audit.command("head")
@click.option("--json", "as_json", is_flag=True, help="Print the newest entry as JSON.")
@as_option
def head(as_json: bool, acting: str | None) -> None:
    """The newest entry's sequence number and hash."""
    with Archive(Settings.from_env()) as archive:
        entry = archive.audit.head(actor(archive, acting))
    if as_json:
        output.print_json(shapes.audit_entry(entry) if entry else {"seq": 0, "hash": None})
    elif entry is None:
        click.echo("the audit log is empty")
    else:
        click.echo(f"{entry.seq} {entry.hash}")


@audit.command("log")
@click.option("--subject", help='Only entries about this subject, e.g. "case:12".')
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one entry a line.")
@as_option
def log(subject: str | None, as_json: bool, acting: str | None) -> None:
    """The entries, oldest first."""
    with Archive(Settings.from_env()) as archive:
        entries = archive.audit.entries(actor(archive, acting), subject)
    for entry in entries:
        if as_json:
            output.print_json(shapes.audit_entry(entry))
        else:
            when = f"{entry.at:%Y-%m-%d %H:%M:%S}"
            click.echo(
                f"{entry.seq:>6} {when} {entry.actor:<14} {entry.action:<16} {entry.subject}  {entry.details}"
            )


COMMANDS: tuple[click.Command, ...] = (audit,)
