"""`compliance evidence …`: the captures kept as evidence, the packs made of them, whether they
are intact, and orphans.

    verify [IDs] ─► Archive.verify_captures (+ evidence_orphans, without IDs) ─► one line per
                    capture, unknown id and orphan, then a summary
    verify PACK.zip ─► pipeline.verify_pack (no database) ─► one line per problem, then a summary
    clean        ─► Archive.clean_evidence ─► one line per file removed or quarantined
    pack CASE_ID ─► Archive.evidence_pack ─► the ZIP's path

Everything wrong is reported, not only the first thing: every changed capture, every unknown id,
every orphan. A changed, missing or no longer write-once WARC, an orphan, or a pack file that no
longer matches its manifest exits 1; an unknown id alone is a user's mistake and exits 2.
"""

from __future__ import annotations

import click

from compliance import shapes
from compliance.cli import output
from compliance.cli.acting import actor, as_option
from compliance.errors import InputError
from compliance.pipeline import Archive, verify_pack
from compliance.settings import Settings

ORPHAN_REASONS = {
    "temporary": "temporary file of an interrupted write",
    "unrecorded": "WARC with no capture row (a check interrupted before recording it)",
}


@click.group()
def evidence() -> None:
    """Captures kept as evidence (WARC files and their SHA-256) and evidence packs."""


@evidence.command()
@click.argument("targets", nargs=-1, metavar="[ID…|PACK.zip…]")
@click.option("--json", "as_json", is_flag=True, help="Packs: print one JSON document a pack.")
def verify(targets: tuple[str, ...], as_json: bool) -> None:
    """Check every stored capture (or those of IDs), or every file of PACK.zip by itself.

    A capture is intact when its WARC is a regular, read-only file inside the evidence folder (not
    a symbolic link) whose SHA-256 is the recorded one. Without IDs, orphans are looked for too:
    files no capture names, older than an hour (`compliance evidence clean`). Exit 1 if any
    capture or pack is not intact or any orphan is found; else 2 if an id is unknown.
    """
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
    _verify_captures(ids)


def _verify_captures(ids: tuple[int, ...]) -> None:
    with Archive(Settings.from_env()) as archive:
        results = archive.verify_captures(ids)
        orphans = [] if ids else archive.evidence_orphans()
    unknown = sorted(set(ids) - {capture.id for capture, _ in results})
    for capture, problem in results:
        status = "ok" if problem is None else f"FAILED: {problem}"
        click.echo(f"capture {capture.id}  {capture.warc_path}  {status}")
    for capture_id in unknown:
        click.echo(f"capture {capture_id}  not found")
    for orphan in orphans:
        click.echo(f"orphan  {orphan.path}  {ORPHAN_REASONS[orphan.kind]}, {orphan.age / 3600:.1f} h old")
    failed = [capture.id for capture, problem in results if problem is not None]
    click.echo(
        f"{len(results) - len(failed)} intact, {len(failed)} not intact"
        + (f", {len(unknown)} unknown" if unknown else "")
        + (f", {len(orphans)} orphan{'s' * (len(orphans) != 1)}" if not ids else "")
    )
    _exit_for(failed, unknown, len(orphans))


def _exit_for(failed: list[int | None], unknown: list[int], orphans: int) -> None:
    """One line naming everything wrong; exit 1 for damaged evidence or orphans, 2 for ids alone."""
    problems = []
    if failed:
        problems.append("evidence not intact: " + ", ".join(f"capture {i}" for i in failed))
    if orphans:
        problems.append(f"{orphans} orphan file{'s' * (orphans != 1)} (see `compliance evidence clean`)")
    if unknown:
        problems.append(f"no capture with id {', '.join(map(str, unknown))}")
    if problems:
        raise output.Failure("; ".join(problems), exit_status=1 if failed or orphans else 2)


@evidence.command()
def clean() -> None:
    """Put aside the orphan files `verify` reports (older than an hour, so never a running check's).

    Temporary files of interrupted writes are deleted: they were never renamed into place, so no
    capture can name them. WARCs with no capture row are moved, read-only, to the evidence folder's
    `quarantine/`, never deleted: they are not adopted as captures, since the text that was checked
    was never recorded, but they stay there for whoever wants to look at them.
    """
    with Archive(Settings.from_env()) as archive:
        done = archive.clean_evidence()
    for orphan, target in done:
        if target:
            click.echo(f"quarantined  {orphan.path}  ->  {target}")
        else:
            click.echo(f"removed  {orphan.path}")
    quarantined = sum(1 for _, target in done if target)
    click.echo(f"{len(done) - quarantined} temporary files removed, {quarantined} WARCs quarantined")


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
