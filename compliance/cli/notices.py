"""`compliance notices draft|approve|sent|show|list`: formal notices drafted from cases.

CASE --kind formal_notice|dmca|dsa [--lang fr|en] ─► Archive.notices.draft ─► the text, and what it lacks
ID (a legal reviewer, not the drafter)            ─► Archive.notices.approve
ID --channel C --to R --proof P                   ─► Archive.notices.sent ─► the case moves to notice_sent
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.acting import actor, as_option, parse_date, parse_time
from compliance.errors import InputError
from compliance.pipeline import Archive
from compliance.records import Notice, NoticeKind
from compliance.settings import Settings

CHANNELS = ("email", "registered_mail", "web_form", "bailiff", "other")


@click.group()
def notices() -> None:
    """Notices: mise en demeure, DMCA, DSA art. 16."""


@notices.command("draft")
@click.argument("case_id", type=int)
@click.option("--kind", required=True, type=click.Choice([k.value for k in NoticeKind]), help="Which notice.")
@click.option("--lang", "language", default="fr", type=click.Choice(["fr", "en"]), help="Its language.")
@click.option("--recipient", help="Who it goes to (default: the contact found in the captured pages).")
@click.option("--deadline", help="The day to comply by (default: settings.notice_deadline_days from today).")
@click.option("--json", "as_json", is_flag=True, help="Print the notice as JSON.")
@as_option
def draft(
    case_id: int,
    kind: str,
    language: str,
    recipient: str | None,
    deadline: str | None,
    as_json: bool,
    acting: str | None,
) -> None:
    """Draft a notice from a case."""
    day = parse_date("--deadline", deadline) if deadline else None
    with Archive(Settings.from_env()) as archive:
        notice = archive.notices.draft(actor(archive, acting), case_id, kind, language, recipient, day)
    _print(notice, as_json, body=True)


@notices.command("approve")
@click.argument("notice_id", type=int)
@as_option
def approve(notice_id: int, acting: str | None) -> None:
    """Approve a complete draft (a legal reviewer other than its drafter)."""
    with Archive(Settings.from_env()) as archive:
        notice = archive.notices.approve(actor(archive, acting), notice_id)
    _print(notice, False)


@notices.command("sent")
@click.argument("notice_id", type=int)
@click.option("--channel", required=True, type=click.Choice(CHANNELS), help="How it was sent.")
@click.option("--to", "recipient", required=True, help="Who it was sent to.")
@click.option("--proof", help="The proof of sending: a message id, a tracking number…")
@click.option(
    "--proof-file", type=click.Path(exists=True, dir_okay=False), help="A file proving it: kept by SHA-256."
)
@click.option("--at", "at", help="When it was sent (ISO 8601 with a timezone; default: now).")
@as_option
def sent(
    notice_id: int,
    channel: str,
    recipient: str,
    proof: str | None,
    proof_file: str | None,
    at: str | None,
    acting: str | None,
) -> None:
    """Record that an approved notice was sent, with its proof."""
    proofs = [proof] if proof else []
    if proof_file:
        digest = hashlib.sha256(Path(proof_file).read_bytes()).hexdigest()
        proofs.append(f"file {Path(proof_file).name} sha256:{digest}")
    if not proofs:
        raise InputError("give the proof of sending: --proof TEXT or --proof-file PATH")
    when = parse_time("--at", at) if at else None
    with Archive(Settings.from_env()) as archive:
        notice = archive.notices.sent(
            actor(archive, acting), notice_id, channel, recipient, "; ".join(proofs), when
        )
    _print(notice, False)


@notices.command("show")
@click.argument("notice_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the notice as JSON.")
@as_option
def show(notice_id: int, as_json: bool, acting: str | None) -> None:
    """One notice: its state and its text."""
    with Archive(Settings.from_env()) as archive:
        notice = archive.notices.get(actor(archive, acting), notice_id)
    _print(notice, as_json, body=True)


@notices.command("list")
@click.argument("case_id", type=int)
@as_option
def list_notices(case_id: int, acting: str | None) -> None:
    """The notices of a case."""
    with Archive(Settings.from_env()) as archive:
        found = archive.notices.of_case(actor(archive, acting), case_id)
    for notice in found:
        _print(notice, False)
    if not found:
        click.echo("no notice")


def _print(notice: Notice, as_json: bool, body: bool = False) -> None:
    if as_json:
        output.print_json(shapes.notice(notice))
        return
    click.echo(
        f"notice {notice.id}  case {notice.case_id}  {notice.kind} ({notice.language})  {notice.state}"
    )
    if notice.missing:
        click.echo(f"  lacks: {', '.join(notice.missing)}")
    if notice.sending:
        s = notice.sending
        click.echo(f"  sent {s.sent_at:%Y-%m-%d %H:%M} by {s.channel} to {s.recipient}; proof: {s.proof}")
    if body:
        click.echo("")
        click.echo(notice.body)


COMMANDS: tuple[click.Command, ...] = (notices,)
