"""`compliance ingest` and `compliance delete`: our articles into the archive and out of it.

    files, folders ─► records ─► Archive.ingest ─► a summary line; each bad record on stderr, exit 2
    URL of ours    ─► Archive.ingest_url        ─► the article stored, the page kept as evidence

One bad record does not stop the batch: the good ones are stored, then the command exits 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli import output
from compliance.cli.fingerprints import bring_up_to_date
from compliance.errors import InputError, NotFoundError
from compliance.pipeline import Archive, read_articles
from compliance.settings import Settings


@click.command()
@click.argument("sources", nargs=-1, required=True, metavar="PATH_OR_URL...")
def ingest(sources: tuple[str, ...]) -> None:
    """Add or update our articles from .jsonl, .json, .html and .txt files or folders.

    A URL of one of our article pages is fetched, its fields extracted, and the page kept as
    evidence of what we published, when, and with which rights notice.
    """
    settings = Settings.from_env()
    urls = [s for s in sources if s.startswith(("http://", "https://"))]
    paths = tuple(Path(s) for s in sources if s not in urls)
    with Archive(settings) as archive:
        bring_up_to_date(archive)
        for url in urls:
            article, status, capture = archive.ingest_url(url)
            click.echo(f"{status} {article.url} (capture {capture.id}, sha256 {capture.sha256[:16]}…)")
        if not paths:
            return
        records = read_articles(paths, settings)
        with output.progress(paths, "Ingesting") as advance:
            report = archive.ingest(records, progress=advance)
    for error in report.errors:
        click.echo(f"compliance: skipped {error}", err=True)
    click.echo(output.ingest_summary(report))
    if report.failed:
        raise InputError(f"{report.failed} record(s) could not be ingested (see above)")


@click.command()
@click.argument("url")
def delete(url: str) -> None:
    """Remove one of our articles (and its fingerprint) from the archive."""
    with Archive(Settings.from_env()) as archive:
        if not archive.delete_article(url):
            raise NotFoundError(f"no article with url {url}")
    click.echo(f"deleted {url}")


COMMANDS: tuple[click.Command, ...] = (ingest, delete)
