"""`compliance check` and `compliance align`: what a page reproduces of our articles.

    --text FILE, --url URL, --file PATH ─► Archive.record_* ─► findings, one JSON document per input
    ARTICLE_FILE PAGE_FILE              ─► align_texts    ─► reproduced passages

Matches and passages print through `output`, as JSON shaped by `compliance.shapes` or as lines.
"""

from __future__ import annotations

from pathlib import Path

import click

from compliance.cli import output
from compliance.errors import InputError
from compliance.pipeline import Archive, align_texts, read_page_text
from compliance.settings import Settings


@click.command()
@click.option(
    "--text",
    "texts",
    multiple=True,
    metavar="FILE",
    help="A plain-text page to check ('-' for stdin); repeat for several.",
)
@click.option(
    "--url",
    "urls",
    multiple=True,
    metavar="URL",
    help="A suspect URL: fetched safely, its main text checked, the response kept as evidence.",
)
@click.option(
    "--file",
    "files",
    multiple=True,
    metavar="PATH",
    help="A submitted file (.html, .txt, .eml, .pdf), kept as evidence and checked.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (JSON Lines for several inputs).")
@click.argument("more", nargs=-1, metavar="[FILE]...")
def check(
    texts: tuple[str, ...],
    urls: tuple[str, ...],
    files: tuple[str, ...],
    as_json: bool,
    more: tuple[str, ...],
) -> None:
    """Check pages against the archive and show what they reproduce.

    `check --text a.txt b.txt` checks both plain-text files: files after the options are pages too.
    """
    texts += more
    if not (texts or urls or files):
        raise InputError("nothing to check: give --text FILE, --url URL or --file PATH")
    show = output.CheckPrinter(as_json, several=len(texts) + len(urls) + len(files) > 1)
    settings = Settings.from_env()
    pages = [(name, read_page_text(name, settings)) for name in texts]
    with Archive(settings) as archive:
        for name, text in pages:
            show(archive.record_text(text, name=None if name == "-" else Path(name).name), file=name)
        for url in urls:
            show(archive.record_url(url), url=url)
        for path in files:
            show(archive.record_file(path), file=path)


@click.command()
@click.argument("article_file", type=str)
@click.argument("page_file", type=str)
@click.option("--json", "as_json", is_flag=True, help='Print {"passages": [...]}.')
def align(article_file: str, page_file: str, as_json: bool) -> None:
    """Show the passages of ARTICLE_FILE that PAGE_FILE reproduces (two plain-text files)."""
    settings = Settings.from_env()
    article, page = read_page_text(article_file, settings), read_page_text(page_file, settings)
    output.print_alignment(align_texts(article, page, settings), article, page, as_json)


COMMANDS: tuple[click.Command, ...] = (check, align)
