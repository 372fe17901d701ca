"""`compliance cases list|show|open|assign|move|note|deadline|recheck`: the legal workflow.

    --site DOMAIN | --finding ID… ─► Archive.cases.open ─► one case (a site's copies are one dispute)
    ID STATE [--reason R]         ─► Archive.cases.move ─► the state machine, the role, the facts
    recheck [--now TIME]          ─► Archive.recheck_due ─► one line (or JSON) per page seen

Every command says who acts (`--as USER` or COMPLIANCE_USER); every change is audited.
"""

from __future__ import annotations

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.acting import actor, as_option, parse_date, parse_time
from compliance.pipeline import Archive
from compliance.records import Case, CaseState, DismissReason
from compliance.settings import Settings

STATES = click.Choice([s.value for s in CaseState])


@click.group()
def cases() -> None:
    """Cases: what the legal team does about findings."""


@cases.command("list")
@click.option("--state", "states", multiple=True, type=STATES, help="Only cases in this state (repeatable).")
@click.option("--assignee", help="Only cases assigned to this user.")
@click.option("--site", help="Only cases about this site (registrable domain).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one case a line.")
@as_option
def list_cases(
    states: tuple[str, ...], assignee: str | None, site: str | None, as_json: bool, acting: str | None
) -> None:
    """Cases, newest first."""
    with Archive(Settings.from_env()) as archive:
        found = archive.cases.listing(actor(archive, acting), [CaseState(s) for s in states], assignee, site)
    for case in found:
        if as_json:
            output.print_json(shapes.case(case))
        else:
            click.echo(_line(case))
    if not found and not as_json:
        click.echo("no case")


@cases.command("show")
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the case and its history as JSON.")
@as_option
def show(case_id: int, as_json: bool, acting: str | None) -> None:
    """One case: its findings, assignment, deadline and history."""
    with Archive(Settings.from_env()) as archive:
        case = archive.cases.get(actor(archive, acting), case_id)
    if as_json:
        output.print_json(shapes.case(case))
        return
    click.echo(_line(case))
    click.echo(f"  findings: {', '.join(map(str, case.finding_ids))}")
    click.echo(
        f"  assignee: {case.assignee or '-'}  deadline: {case.deadline or '-'}  reason: {case.reason or '-'}"
    )
    for event in case.events:
        moved = f"{event.from_state or '-'} → {event.to_state}  " if event.to_state else ""
        click.echo(f"  {event.at:%Y-%m-%d %H:%M}  {event.actor:<12} {event.kind:<9} {moved}{event.text}")


@cases.command("open")
@click.option("--site", help="Open one case for every open finding of this site.")
@click.option("--finding", "findings", multiple=True, type=int, help="A finding to hold (repeatable).")
@click.option("--title", default="", help="A title (default: the site and the number of copies).")
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON.")
@as_option
def open_case(
    site: str | None, findings: tuple[int, ...], title: str, as_json: bool, acting: str | None
) -> None:
    """Open a case over a site's open findings, or over the findings given."""
    with Archive(Settings.from_env()) as archive:
        case = archive.cases.open(actor(archive, acting), domain=site, finding_ids=findings, title=title)
    _print(case, as_json)


@cases.command("assign")
@click.argument("case_id", type=int)
@click.argument("user", required=False)
@as_option
def assign(case_id: int, user: str | None, acting: str | None) -> None:
    """Give a case to a legal reviewer or an analyst (no USER: to nobody)."""
    with Archive(Settings.from_env()) as archive:
        case = archive.cases.assign(actor(archive, acting), case_id, user)
    click.echo(_line(case))


@cases.command("move")
@click.argument("case_id", type=int)
@click.argument("state", type=STATES)
@click.option("--reason", type=click.Choice([r.value for r in DismissReason]), help="Why it is dismissed.")
@click.option("--note", default="", help="A word on the move, kept in the history.")
@click.option("--json", "as_json", is_flag=True, help="Print the case as JSON.")
@as_option
def move(case_id: int, state: str, reason: str | None, note: str, as_json: bool, acting: str | None) -> None:
    """Move a case to STATE, if its state, your role and the facts allow it."""
    with Archive(Settings.from_env()) as archive:
        case = archive.cases.move(actor(archive, acting), case_id, state, reason=reason, text=note)
    _print(case, as_json)


@cases.command("note")
@click.argument("case_id", type=int)
@click.argument("text")
@as_option
def note(case_id: int, text: str, acting: str | None) -> None:
    """Add a note to a case's history."""
    with Archive(Settings.from_env()) as archive:
        archive.cases.note(actor(archive, acting), case_id, text)
    click.echo(f"noted on case {case_id}")


@cases.command("deadline")
@click.argument("case_id", type=int)
@click.argument("day")
@as_option
def deadline(case_id: int, day: str, acting: str | None) -> None:
    """Set the day by which the other side must answer (YYYY-MM-DD, or `none`)."""
    when = None if day == "none" else parse_date("DAY", day)
    with Archive(Settings.from_env()) as archive:
        case = archive.cases.set_deadline(actor(archive, acting), case_id, when)
    click.echo(_line(case))


@cases.command("recheck")
@click.option("--now", "at", help="Run as if it were this time (ISO 8601 with a timezone).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one page seen a line.")
@as_option
def recheck(at: str | None, as_json: bool, acting: str | None) -> None:
    """Check again the pages of every case whose re-check is due."""
    when = parse_time("--now", at) if at else None
    with Archive(Settings.from_env()) as archive:
        seen = archive.recheck_due(when, actor(archive, acting))
    for result in seen:
        if as_json:
            output.print_json(shapes.recheck(result))
        else:
            status = (
                result.status.value.replace("_", " ") if result.status else f"unreachable ({result.error})"
            )
            click.echo(f"case {result.case_id}  finding {result.finding_id}  {status}  {result.url}")
    if not seen and not as_json:
        click.echo("no re-check due")


def _line(case: Case) -> str:
    assignee = f"  → {case.assignee}" if case.assignee else ""
    return f"case {case.id}  {case.state:<16} {case.title}{assignee}"


def _print(case: Case, as_json: bool) -> None:
    if as_json:
        output.print_json(shapes.case(case))
    else:
        click.echo(_line(case))


COMMANDS: tuple[click.Command, ...] = (cases,)
