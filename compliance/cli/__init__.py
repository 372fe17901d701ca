"""The `compliance` command: a thin caller of the pipeline.

Exit status: 0 success (matches or not), 2 bad usage or bad input (one line on stderr),
1 anything else. `--json` prints one JSON document on stdout and nothing else.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from compliance import __version__
from compliance.errors import (
    ComplianceError,
    ConfigurationError,
    ExtractionError,
    FetchError,
    InputError,
)
from compliance.ingest.readers import read_paths, read_text
from compliance.pipeline import Archive, align_texts
from compliance.records import Capture, Match, Passage
from compliance.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PROGRESS_FROM = 1000  # records: smaller inputs finish before a bar would help


class _Failure(click.ClickException):
    """Anything but the user's mistake: one line on stderr, exit status 1."""

    exit_code = 1

    def show(self, file: Any = None) -> None:
        click.echo(f"compliance: error: {self.format_message()}", err=True)


class _BadInput(_Failure):
    """Bad usage or bad input: one line on stderr, exit status 2."""

    exit_code = 2


@contextmanager
def _errors() -> Iterator[None]:
    """Turn the core's errors into one line on stderr and the contract's exit status."""
    try:
        yield
    except (InputError, ConfigurationError, FetchError, ExtractionError) as exc:
        raise _BadInput(str(exc)) from exc
    except ComplianceError as exc:
        raise _Failure(str(exc)) from exc
    except BrokenPipeError:
        # The reader went away (`compliance demo | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    except OSError as exc:
        raise _Failure(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc)) from exc


def _settings() -> Settings:
    with _errors():
        return Settings.from_env()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="compliance")
@click.option("-v", "--verbose", is_flag=True, help="Log what is done, on stderr.")
def main(verbose: bool) -> None:
    """Find reproductions of our articles and keep the evidence.

    The archive lives in COMPLIANCE_DATABASE_URL (default: a SQLite file in ./var).
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(name)s: %(message)s"
    )


@main.command()
@click.argument("sources", nargs=-1, required=True, metavar="PATH_OR_URL...")
def ingest(sources: tuple[str, ...]) -> None:
    """Add or update our articles from .jsonl, .json, .html and .txt files or folders.

    A URL of one of our article pages is fetched, its fields extracted, and the page kept as
    evidence of what we published, when, and with which rights notice.
    """
    settings = _settings()
    urls = [s for s in sources if s.startswith(("http://", "https://"))]
    paths = tuple(Path(s) for s in sources if s not in urls)
    with _errors(), Archive(settings) as archive:
        for url in urls:
            article, status, capture = archive.ingest_url(url)
            click.echo(f"{status} {article.url} (capture {capture.id}, sha256 {capture.sha256[:16]}…)")
        if not paths:
            return
        records = read_paths(paths, settings)
        with _progress(paths, "Ingesting") as advance:
            report = archive.ingest(records, progress=advance)
    for error in report.errors:
        click.echo(f"compliance: skipped {error}", err=True)
    click.echo(
        f"ingested {report.ingested}, updated {report.updated}, "
        f"unchanged {report.unchanged}, failed {report.failed}"
    )
    if report.failed:
        raise _BadInput(f"{report.failed} record(s) could not be ingested (see above)")


@main.command()
@click.argument("url")
def delete(url: str) -> None:
    """Remove one of our articles (and its fingerprint) from the archive."""
    with _errors(), Archive(_settings()) as archive:
        if not archive.store.delete_article(url):
            raise InputError(f"no article with url {url}")
        archive.index.sync(archive.store)
    click.echo(f"deleted {url}")


@main.command()
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
    several = len(texts) + len(urls) + len(files) > 1
    if not (texts or urls or files):
        raise _BadInput("nothing to check: give --text FILE, --url URL or --file PATH")
    settings = _settings()
    with _errors():
        pages = [(name, read_text(name, settings)) for name in texts]
        with Archive(settings) as archive:
            for name, text in pages:
                _show({"file": name}, text, archive.check_text(text), as_json, several)
            for url in urls:
                capture, matches = archive.check_url(url)
                _show(
                    {"url": url, "capture": _capture_json(capture)}, capture.text, matches, as_json, several
                )
            for path in files:
                capture, matches = archive.check_file(path)
                _show(
                    {"file": path, "capture": _capture_json(capture)}, capture.text, matches, as_json, several
                )


@main.group()
def evidence() -> None:
    """Captures kept as evidence (WARC files and their SHA-256)."""


@evidence.command("verify")
@click.argument("ids", nargs=-1, type=int)
def evidence_verify(ids: tuple[int, ...]) -> None:
    """Recompute the SHA-256 of every stored capture (or of IDS) and report any change."""
    from compliance.capture.captures import verify_captures

    settings = _settings()
    with _errors(), Archive(settings) as archive:
        results = verify_captures(archive.store, settings, ids)
    missing = set(ids) - {capture.id for capture, _ in results}
    if missing:
        raise _BadInput(f"no capture with id {', '.join(map(str, sorted(missing)))}")
    for capture, problem in results:
        status = "ok" if problem is None else f"FAILED: {problem}"
        click.echo(f"capture {capture.id}  {capture.warc_path}  {status}")
    failed = [capture.id for capture, problem in results if problem is not None]
    click.echo(f"{len(results) - len(failed)} intact, {len(failed)} changed or missing")
    if failed:
        raise _Failure("evidence changed or missing: " + ", ".join(f"capture {i}" for i in failed))


@main.command()
@click.argument("article_file", type=str)
@click.argument("page_file", type=str)
@click.option("--json", "as_json", is_flag=True, help='Print {"passages": [...]}.')
def align(article_file: str, page_file: str, as_json: bool) -> None:
    """Show the passages of ARTICLE_FILE that PAGE_FILE reproduces (two plain-text files)."""
    settings = _settings()
    with _errors():
        article, page = read_text(article_file, settings), read_text(page_file, settings)
    passages = align_texts(article, page, settings)
    if as_json:
        click.echo(json.dumps({"passages": [p.to_json() for p in passages]}, ensure_ascii=False))
        return
    if not passages:
        click.echo("no reproduced passage")
    for passage in passages:
        click.echo(_passage_lines(passage, article, page))


@main.command()
def demo() -> None:
    """Load the fixture archive, check the fixture suspect pages and print the matches."""
    settings = _settings()
    with _errors(), Archive(settings) as archive:
        report = archive.ingest(read_paths([FIXTURES / "archive"], settings))
        click.echo(
            f"archive: ingested {report.ingested}, updated {report.updated}, "
            f"unchanged {report.unchanged}, failed {report.failed}\n"
        )
        for path in sorted((FIXTURES / "suspects").glob("*.txt")):
            text = read_text(path, settings)
            _show({"file": path.name}, text, archive.check_text(text), as_json=False, several=True)


def _capture_json(capture: Capture) -> dict[str, Any]:
    return {
        "id": capture.id,
        "sha256": capture.sha256,
        "final_url": capture.final_url,
        "fetched_at": capture.fetched_at.isoformat(),
        "warc_path": capture.warc_path,
    }


def _show(source: dict[str, Any], text: str, matches: list[Match], as_json: bool, several: bool) -> None:
    """One checked input: a JSON object, or a readable table of matches with passages quoted."""
    if as_json:
        click.echo(json.dumps({**source, "matches": [m.to_json() for m in matches]}, ensure_ascii=False))
        return
    if several:
        click.secho(f"== {source.get('url') or source.get('file')}", bold=True)
    if "capture" in source:
        capture = source["capture"]
        click.echo(f"capture {capture['id']}  {capture['final_url']}  sha256 {capture['sha256']}")
    if not matches:
        click.echo("no match\n")
        return
    for match in matches:
        s = match.scores
        click.echo(
            f"{match.verdict:<20} coverage {s.coverage:6.1%}  {s.reproduced_words:>5} words  "
            f"longest {s.longest_passage_words:>4}  {match.article.title or ''}"
        )
        click.echo(f"{'':<20} {match.article.url}")
        for passage in match.passages:
            click.echo(_passage_lines(passage, match.article.body, text, indent=" " * 21))
        click.echo("")


def _passage_lines(passage: Passage, article: str, page: str, indent: str = "") -> str:
    quote = " ".join(article[passage.article_start : passage.article_end].split())
    if len(quote) > 160:
        quote = quote[:75] + " […] " + quote[-75:]
    return (
        f"{indent}{passage.words:>4} words  article {passage.article_start}-{passage.article_end}"
        f"  page {passage.page_start}-{passage.page_end}\n{indent}      « {quote} »"
    )


@contextmanager
def _progress(paths: tuple[Path, ...], label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal when there are many records; nothing otherwise."""
    total = _count_records(paths) if sys.stderr.isatty() else 0
    if total < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


def _count_records(paths: tuple[Path, ...]) -> int:
    """Roughly how many records the paths hold: lines of JSONL files, one per other file."""
    count = 0
    for path in paths:
        files = (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".jsonl" and file.is_file():
                with file.open("rb") as handle:
                    count += sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
            else:
                count += 1
    return count
