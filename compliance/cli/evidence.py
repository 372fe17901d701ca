"""`compliance evidence …`: the captures kept as evidence, the packs made of them, and whether
they are intact.

    IDs (or none: all) ─► Archive.verify_captures ─► one line per capture, then a summary
    PACK.zip           ─► pipeline.verify_pack (no database) ─► one line per problem, then a summary
    pack CASE_ID       ─► Archive.evidence_pack ─► the ZIP's path

An id that is not stored is a user's mistake (exit 2); a changed or missing WARC, or a pack file
that no longer matches its manifest, is not (exit 1).
"""

from __future__ import annotations

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.acting import actor, as_option
from compliance.errors import InputError, NotFoundError
from compliance.pipeline import Archive, verify_pack
from compliance.settings import Settings


@click.group()
def evidence() -> None:
    """Captures kept as evidence (WARC files and their SHA-256)."""


@evidence.command()
@click.argument("targets", nargs=-1, metavar="[ID…|PACK.zip…]")
@click.option("--json", "as_json", is_flag=True, help="Packs: print one JSON document a pack.")
def verify(targets: tuple[str, ...], as_json: bool) -> None:
    """Recompute the SHA-256 of every stored capture (or of IDs), or of every file of PACK.zip."""
    packs = [t for t in targets if t.lower().endswith(".zip")]
    if packs:
        if len(packs) != len(targets):
            raise InputError("give capture ids or packs, not both")
        _verify_packs(packs, as_json)
        return
    try:
        ids = tuple(int(t) for t in targets)
    except ValueError:
        raise InputError(f"not a capture id nor a .zip pack: {' '.join(targets)}") from None
    with Archive(Settings.from_env()) as archive:
        results = archive.verify_captures(ids)
    missing = set(ids) - {capture.id for capture, _ in results}
    if missing:
        raise NotFoundError(f"no capture with id {', '.join(map(str, sorted(missing)))}")
    for capture, problem in results:
        status = "ok" if problem is None else f"FAILED: {problem}"
        click.echo(f"capture {capture.id}  {capture.warc_path}  {status}")
    failed = [capture.id for capture, problem in results if problem is not None]
    click.echo(f"{len(results) - len(failed)} intact, {len(failed)} changed or missing")
    if failed:
        raise output.Failure("evidence changed or missing: " + ", ".join(f"capture {i}" for i in failed))


def _verify_packs(packs: list[str], as_json: bool) -> None:
    """Each pack by itself: no database is opened."""
    broken = []
    for path in packs:
        result = verify_pack(path)
        if as_json:
            output.print_json(shapes.pack_check(result, path))
        else:
            for problem in result.problems:
                click.echo(f"{path}: FAILED: {problem}")
            click.echo(f"{path}: {result.files} files, {'intact' if result.ok else 'CHANGED'}")
        if not result.ok:
            broken.append(f"{path} ({result.problems[0]})")
    if broken:
        raise output.Failure("evidence pack changed: " + ", ".join(broken))


@evidence.command("pack")
@click.argument("case_id", type=int)
@click.option(
    "--out", type=click.Path(dir_okay=False), help="Where to write the ZIP (default: the evidence folder)."
)
@as_option
def pack(case_id: int, out: str | None, acting: str | None) -> None:
    """Write one case's evidence pack: WARC captures, report (HTML, PDF), manifest of SHA-256."""
    with Archive(Settings.from_env()) as archive:
        path = archive.evidence_pack(actor(archive, acting), case_id, out)
    click.echo(str(path))


COMMANDS: tuple[click.Command, ...] = (evidence,)
