"""`compliance findings show ID` and `compliance articles without-notice`.

ID ─► Archive.finding ─► the finding: verdict and reasons, the rules then in force, sightings
without-notice        ─► our articles stored without a rights notice
"""

from __future__ import annotations

import click

from compliance import shapes
from compliance.cli import output
from compliance.errors import NotFoundError
from compliance.pipeline import Archive
from compliance.records import Finding
from compliance.settings import Settings


@click.group()
def findings() -> None:
    """Stored findings: one per article of ours and page, with every sighting."""


@findings.command("show")
@click.argument("finding_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the finding as JSON.")
def show(finding_id: int, as_json: bool) -> None:
    """One finding: its verdict and reasons, the rules in force then, and its sightings."""
    with Archive(Settings.from_env()) as archive:
        found = archive.finding(finding_id)
    if found is None:
        raise NotFoundError(f"no finding with id {finding_id}")
    if as_json:
        output.print_json(shapes.finding(found))
        return
    _print(found)


def _print(found: Finding) -> None:
    level = found.severity
    page = found.page
    click.echo(f"finding {found.id}  {found.verdict}  severity {level.level} {level.score}")
    where = page.url or page.name or page.key
    click.echo(f"  article {found.article_id}, page: {where} ({page.domain or page.kind})")
    for reason in found.reasons:
        click.echo(f"  · {reason}")
    parts = ", ".join(f"{name} {points}" for name, points in level.parts.items() if points)
    click.echo(f"  severity parts: {parts or '-'}")
    credit = found.attribution
    click.echo(f"  credit: {credit.credit or 'none'}  link: {credit.link or 'none'}  notice: {found.notice}")
    thresholds = ", ".join(f"{k} {v}" for k, v in found.rules.get("thresholds", {}).items())
    click.echo(f"  thresholds then: {thresholds}")
    for seen in found.sightings:
        words = f"{seen.reproduced_words} words" if seen.reproduced_words is not None else "-"
        click.echo(
            f"  {seen.seen_at:%Y-%m-%d %H:%M}  {seen.status:<12} {words}  capture {seen.capture_id or '-'}"
        )


@click.group()
def articles() -> None:
    """Our articles."""


@articles.command("without-notice")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines: id, url, title, published_at.")
def without_notice(as_json: bool) -> None:
    """Our articles stored without a rights notice: copies of them cannot be shown to be reserved."""
    with Archive(Settings.from_env()) as archive:
        found = archive.articles_without_notice()
    for article in found:
        published = article.published_at.isoformat() if article.published_at else None
        if as_json:
            output.print_json(
                {"id": article.id, "url": article.url, "title": article.title, "published_at": published}
            )
        else:
            click.echo(f"{article.id:>6}  {published or '-':<25}  {article.url}")
    if not as_json:
        click.echo(f"{len(found)} article(s) without a rights notice", err=True)


COMMANDS: tuple[click.Command, ...] = (findings, articles)
