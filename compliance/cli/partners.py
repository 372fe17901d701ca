"""`compliance partners add|list|show|edit|remove`: licensees and the scope of their licences.

    NAME --domain D [--domain …] [scope options] ─► Archive.add_partner ─► one line, or JSON

Inside a partner's scope a copy is `licensed`; outside it (expired, wrong section, too early,
too long, credit missing) it is `licence_breach`, with the reason. Dates are YYYY-MM-DD. Changes
are audited with who made them (`--as USER`, an admin).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.acting import actor, as_option
from compliance.errors import InputError
from compliance.pipeline import Archive
from compliance.records import Partner
from compliance.settings import Settings

DATES = ("valid_from", "valid_until", "published_from", "published_until")


def scope_options(command: Any) -> Any:
    """The options that describe a licence, shared by `add` and `edit`."""
    options = [
        click.option("--domain", "domains", multiple=True, help="A domain of theirs (subdomains too)."),
        click.option("--section", "sections", multiple=True, help="A section licensed (default: all)."),
        click.option("--valid-from", help="First day of the licence."),
        click.option("--valid-until", help="Last day of the licence."),
        click.option("--published-from", help="Only our articles published from this day."),
        click.option("--published-until", help="Only our articles published until this day."),
        click.option("--min-delay-hours", type=str, help="Hours a copy must wait after ours."),
        click.option("--max-words", type=str, help="Longest passage allowed, in words."),
        click.option("--max-share", type=str, help="Largest share of an article allowed (0..1)."),
        click.option("--require-name/--no-require-name", default=None, help="A credit by name is required."),
        click.option("--require-link/--no-require-link", default=None, help="A link to us is required."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def partners() -> None:
    """Licensees: their domains and the scope of their licences."""


@partners.command("add")
@click.argument("name")
@scope_options
@click.option("--json", "as_json", is_flag=True, help="Print the partner as JSON.")
@as_option
def add(name: str, as_json: bool, acting: str | None, **scope: Any) -> None:
    """Add a partner: `partners add NAME --domain DOMAIN [--domain …] [--valid-until DATE]`."""
    with Archive(Settings.from_env()) as archive:
        who = actor(archive, acting)
        partner = archive.add_partner(_edited(Partner(name=name, domains=()), scope), who)
    _print(partner, as_json)


@partners.command("edit")
@click.argument("name")
@click.option("--rename", help="A new name.")
@scope_options
@click.option("--json", "as_json", is_flag=True, help="Print the partner as JSON.")
@as_option
def edit(name: str, rename: str | None, as_json: bool, acting: str | None, **scope: Any) -> None:
    """Change a partner: the options given replace the values they name."""
    with Archive(Settings.from_env()) as archive:
        who, current = actor(archive, acting), archive.partner(name)
        partner = archive.update_partner(name, _edited(replace(current, name=rename or name), scope), who)
    _print(partner, as_json)


@partners.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one partner a line.")
def list_partners(as_json: bool) -> None:
    """Every partner, by name."""
    with Archive(Settings.from_env()) as archive:
        found = archive.partners()
    for partner in found:
        _print(partner, as_json)
    if not found and not as_json:
        click.echo("no partner")


@partners.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the partner as JSON.")
def show(name: str, as_json: bool) -> None:
    """One partner and its licence."""
    with Archive(Settings.from_env()) as archive:
        _print(archive.partner(name), as_json, detailed=True)


@partners.command("remove")
@click.argument("name")
@as_option
def remove(name: str, acting: str | None) -> None:
    """Delete a partner: its pages are no longer licensed."""
    with Archive(Settings.from_env()) as archive:
        archive.remove_partner(name, actor(archive, acting))
    click.echo(f"removed partner {name}")


def _edited(partner: Partner, scope: dict[str, Any]) -> Partner:
    """`partner` with the options that were given; one clear line for a value that does not parse."""
    changes: dict[str, Any] = {}
    for name in ("domains", "sections"):
        if scope[name]:
            changes[name] = tuple(scope[name])
    for name in DATES:
        if scope[name] is not None:
            changes[name] = _date(name, scope[name])
    for name, kind in (("min_delay_hours", float), ("max_words", int), ("max_share", float)):
        if scope[name] is not None:
            changes[name] = _number(name, scope[name], kind)
    for name in ("require_name", "require_link"):
        if scope[name] is not None:
            changes[name] = scope[name]
    return replace(partner, **changes)


def _date(name: str, value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--{name.replace('_', '-')}: not a date (YYYY-MM-DD): {value!r}") from None


def _number(name: str, value: str, kind: type[int] | type[float]) -> int | float:
    try:
        return kind(value)
    except ValueError:
        raise InputError(f"--{name.replace('_', '-')}: not a number: {value!r}") from None


def _print(partner: Partner, as_json: bool, detailed: bool = False) -> None:
    if as_json:
        output.print_json(shapes.partner(partner))
        return
    until = f"until {partner.valid_until}" if partner.valid_until else "no end date"
    click.echo(f"{partner.name}  {', '.join(partner.domains)}  {until}")
    if detailed:
        for name, value in shapes.partner(partner).items():
            if name not in ("name", "domains", "id"):
                click.echo(f"  {name.replace('_', ' ')}: {value if value not in (None, []) else '-'}")


COMMANDS: tuple[click.Command, ...] = (partners,)
