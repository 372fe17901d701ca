"""`compliance apikeys create|list|revoke`: keys of the JSON API.

    create --name N --scope check,read,ingest[,admin] ─► the key, printed once (--json: {id, key})
    list ─► one line (or JSON Lines) per key: id, name, first characters, scopes, last use, revoked
    revoke ID ─► the key is refused from now on

The key is shown once and never stored: only its SHA-256 is (compliance.access).
"""

from __future__ import annotations

import click

from compliance import shapes
from compliance.cli import output
from compliance.pipeline import Archive
from compliance.records import ApiKey
from compliance.settings import Settings


@click.group()
def apikeys() -> None:
    """Keys of the JSON API (sent as `Authorization: Bearer KEY`)."""


@apikeys.command("create")
@click.option("--name", required=True, help="Who or what uses the key (shown in the logs).")
@click.option(
    "--scope", "scopes", required=True, multiple=True, help="check, read, ingest, admin (comma-separated)."
)
@click.option("--json", "as_json", is_flag=True, help='Print {"id": …, "key": …}.')
def create(name: str, scopes: tuple[str, ...], as_json: bool) -> None:
    """Create a key and print it, once: it cannot be shown again."""
    with Archive(Settings.from_env()) as archive:
        stored, key = archive.api_keys.create(name, scopes)
    if as_json:
        output.print_json({"id": stored.id, "key": key})
        return
    click.echo(key)
    click.echo(
        f"API key {stored.id} ({stored.name}, {','.join(stored.scopes)}): keep it now, it is not stored",
        err=True,
    )


@apikeys.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one key a line.")
def list_keys(as_json: bool) -> None:
    """Every key: id, name, first characters, scopes, last use, revoked or not."""
    with Archive(Settings.from_env()) as archive:
        found = archive.api_keys.list()
    for key in found:
        if as_json:
            output.print_json(shapes.api_key(key))
        else:
            click.echo(_line(key))
    if not found and not as_json:
        click.echo("no API key")


@apikeys.command("revoke")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    """Revoke a key by its id: requests with it are refused from now on."""
    with Archive(Settings.from_env()) as archive:
        key = archive.api_keys.revoke(key_id)
    click.echo(f"revoked API key {key.id} ({key.name})")


def _line(key: ApiKey) -> str:
    used = key.last_used_at.isoformat(timespec="seconds") if key.last_used_at else "never used"
    state = f"revoked {key.revoked_at.isoformat(timespec='seconds')}" if key.revoked_at else "active"
    return f"{key.id}  {key.name}  {key.prefix}…  {','.join(key.scopes)}  {used}  {state}"


COMMANDS: tuple[click.Command, ...] = (apikeys,)
