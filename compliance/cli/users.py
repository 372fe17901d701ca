"""`compliance users add|list|disable|enable`: who may use the workflow, and in which role.

    NAME --role R --password-stdin ─► Archive.users.add ─► argon2 hash stored, audited

The password is read from standard input, never from the command line (where `ps` and the shell's
history would show it). The first user must be an admin; after that, only admins manage users.
"""

from __future__ import annotations

import sys

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.acting import actor, as_option
from compliance.errors import InputError
from compliance.pipeline import Archive
from compliance.settings import Settings

ROLES = ("admin", "legal", "analyst", "viewer")


@click.group("users")
def users_group() -> None:
    """Users of the workflow and their roles."""


@users_group.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="admin, legal, analyst or viewer.")
@click.option("--password-stdin", "from_stdin", is_flag=True, help="Read the password from standard input.")
@as_option
def add(name: str, role: str, from_stdin: bool, acting: str | None) -> None:
    """Add a user; its password is read from standard input."""
    if not from_stdin:
        raise InputError("give the password on standard input, with --password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    with Archive(Settings.from_env()) as archive:
        user = archive.users.add(actor(archive, acting), name, role, password)
    click.echo(f"added user {user.name} ({user.role})")


@users_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one user a line.")
@as_option
def list_users(as_json: bool, acting: str | None) -> None:
    """Every user, by name."""
    with Archive(Settings.from_env()) as archive:
        found = archive.users.listing(actor(archive, acting))
    for user in found:
        if as_json:
            output.print_json(shapes.user(user))
        else:
            click.echo(f"{user.name:<20} {user.role:<8} {'active' if user.active else 'disabled'}")
    if not found and not as_json:
        click.echo("no user")


@users_group.command("disable")
@click.argument("name")
@as_option
def disable(name: str, acting: str | None) -> None:
    """Disable a user: it can no longer act or log in (its name stays in the history)."""
    with Archive(Settings.from_env()) as archive:
        archive.users.set_active(actor(archive, acting), name, False)
    click.echo(f"disabled user {name}")


@users_group.command("enable")
@click.argument("name")
@as_option
def enable(name: str, acting: str | None) -> None:
    """Enable a disabled user again."""
    with Archive(Settings.from_env()) as archive:
        archive.users.set_active(actor(archive, acting), name, True)
    click.echo(f"enabled user {name}")


COMMANDS: tuple[click.Command, ...] = (users_group,)
