"""`compliance sites add|list|show|edit|remove`: the sites a scan watches.

    NAME --seed URL [--seed …] [options] ─► Archive.add_site ─► one line, or JSON

Seeds are home or section pages, RSS/Atom feeds or sitemaps (index, news, gzipped). A bad value
(an invalid URL or schedule, an unknown site) is one line on stderr, exit 2, nothing stored.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import click

from compliance import shapes
from compliance.cli import output
from compliance.errors import InputError
from compliance.pipeline import Archive
from compliance.records import Site
from compliance.settings import Settings

NUMBERS = (("depth", int), ("page_limit", int), ("delay", float), ("fresh_days", int))


def site_options(command: Any) -> Any:
    """The options that describe a site, shared by `add` and `edit`."""
    options = [
        click.option("--seed", "seeds", multiple=True, help="A home or section page, feed or sitemap URL."),
        click.option("--domain", "domains", multiple=True, help="A domain of the site (default: seeds')."),
        click.option("--depth", help="Links followed from the seed pages, this deep (default 1)."),
        click.option("--page-limit", help="Pages fetched per scan, at most (default 500)."),
        click.option("--delay", help="Seconds between two requests to one host, at least (default 1)."),
        click.option("--schedule", help="daily@HH:MM (UTC) or every:Nh (default daily@02:00)."),
        click.option("--fresh-days", help="Only pages published in the last N days."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def sites() -> None:
    """Watched sites: their seeds, limits and schedules."""


@sites.command("add")
@click.argument("name")
@site_options
@click.option("--json", "as_json", is_flag=True, help="Print the site as JSON.")
def add(name: str, as_json: bool, **options: Any) -> None:
    """Watch a site: `sites add NAME --seed URL [--seed URL…]`."""
    with Archive(Settings.from_env()) as archive:
        site = archive.add_site(_edited(Site(name=name, seeds=()), options))
    _print(site, as_json)


@sites.command("edit")
@click.argument("name")
@click.option("--rename", help="A new name.")
@site_options
@click.option("--json", "as_json", is_flag=True, help="Print the site as JSON.")
def edit(name: str, rename: str | None, as_json: bool, **options: Any) -> None:
    """Change a site: the options given replace the values they name."""
    with Archive(Settings.from_env()) as archive:
        current = archive.site(name)
        site = archive.update_site(name, _edited(replace(current, name=rename or name), options))
    _print(site, as_json)


@sites.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one site a line.")
def list_sites(as_json: bool) -> None:
    """Every watched site, by name."""
    with Archive(Settings.from_env()) as archive:
        found = archive.sites()
    for site in found:
        _print(site, as_json)
    if not found and not as_json:
        click.echo("no site")


@sites.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the site as JSON.")
def show(name: str, as_json: bool) -> None:
    """One site and its settings."""
    with Archive(Settings.from_env()) as archive:
        _print(archive.site(name), as_json, detailed=True)


@sites.command("remove")
@click.argument("name")
def remove(name: str) -> None:
    """Stop watching a site (its findings stay)."""
    with Archive(Settings.from_env()) as archive:
        archive.remove_site(name)
    click.echo(f"removed site {name}")


def _edited(site: Site, options: dict[str, Any]) -> Site:
    """`site` with the options that were given; one clear line for a number that does not parse."""
    changes: dict[str, Any] = {}
    for name in ("seeds", "domains"):
        if options[name]:
            changes[name] = tuple(options[name])
    for name, kind in NUMBERS:
        if options[name] is not None:
            try:
                changes[name] = kind(options[name])
            except ValueError:
                raise InputError(f"--{name.replace('_', '-')}: not a number: {options[name]!r}") from None
    if options["schedule"] is not None:
        changes["schedule"] = options["schedule"]
    if options["domains"] == () and options["seeds"]:
        changes["domains"] = ()  # new seeds without domains: the seeds' hosts again
    return replace(site, **changes)


def _print(site: Site, as_json: bool, detailed: bool = False) -> None:
    if as_json:
        output.print_json(shapes.site(site))
        return
    click.echo(f"{site.name}  {site.schedule}  {', '.join(site.seeds)}")
    if detailed:
        for name, value in shapes.site(site).items():
            if name not in ("name", "id"):
                shown = ", ".join(value) if isinstance(value, list) else value
                click.echo(f"  {name.replace('_', ' ')}: {shown if shown not in (None, '') else '-'}")


COMMANDS: tuple[click.Command, ...] = (sites,)
