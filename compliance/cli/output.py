"""What the command line writes to the terminal, shared by every command.

    an error raised by a command ─► one line on stderr and its exit status, never a traceback
    matches of a checked input   ─► readable lines with passages quoted, or one JSON document
    passages of an alignment     ─► the same lines, or `{"passages": [...]}`
    many records to ingest       ─► a progress bar on stderr, on a terminal only

JSON documents are shaped by `compliance.shapes`, the same for the CLI, the API and scan records;
this module only prints them. A one-line summary that only one command prints stays in that command.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import click

from compliance import shapes
from compliance.errors import ComplianceError
from compliance.records import CheckReport, IngestReport, Passage, Recorded

PROGRESS_FROM = 1000  # records: smaller inputs finish before a bar would help
QUOTE_MAX_CHARS = 160  # a longer passage is quoted by its two ends
QUOTE_END_CHARS = 75
MATCH_INDENT = " " * 21  # under the text after the verdict column


class Failure(Exception):
    """A command's own failure, not the core's: reported as the core's errors are (exit 1 unless told)."""

    def __init__(self, message: str, exit_status: int = 1) -> None:
        super().__init__(message)
        self.exit_status = exit_status


@contextmanager
def reported_errors() -> Iterator[None]:
    """Turn an error into one line on stderr and an exit status: the core's errors carry theirs."""
    try:
        yield
    except (ComplianceError, Failure) as exc:
        _exit(str(exc), exc.exit_status)
    except BrokenPipeError:
        # The reader went away (`compliance demo | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise SystemExit(1) from None
    except OSError as exc:
        _exit(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc), 1)


def _exit(message: str, status: int) -> NoReturn:
    click.echo(f"compliance: error: {message}", err=True)
    raise SystemExit(status)


class ReportingGroup(click.Group):
    """A command group whose commands' errors all go through `reported_errors`."""

    def invoke(self, ctx: click.Context) -> Any:
        with reported_errors():
            return super().invoke(ctx)


def print_json(document: Mapping[str, Any]) -> None:
    """One JSON document on one line of stdout, non-ASCII characters kept as they are."""
    click.echo(json.dumps(document, ensure_ascii=False))


def ingest_summary(report: IngestReport) -> str:
    """What an ingest run did, in one line."""
    return (
        f"ingested {report.ingested}, updated {report.updated}, "
        f"unchanged {report.unchanged}, failed {report.failed}"
    )


@dataclass(frozen=True)
class CheckPrinter:
    """Prints each checked input: one JSON document (JSON Lines for several), or readable lines."""

    as_json: bool
    several: bool

    def __call__(self, report: CheckReport, *, file: str | None = None, url: str | None = None) -> None:
        """The findings one check of one input kept."""
        if self.as_json:
            print_json(shapes.check_report(report, file=file, url=url))
            return
        if self.several:
            click.secho(f"== {url or file}", bold=True)
        if report.capture is not None:
            capture = report.capture
            click.echo(f"capture {capture.id}  {capture.final_url}  sha256 {capture.sha256}")
        if not report.recorded:
            click.echo("no match\n")
        for kept in report.recorded:
            _print_recorded(kept, report.text)
        if report.gone:
            click.echo(f"gone from this page: finding {', '.join(map(str, report.gone))}\n")


def _print_recorded(kept: Recorded, page: str) -> None:
    match, decision = kept.judged.match, kept.judged.decision
    s, level = match.scores, decision.severity
    click.echo(
        f"{decision.verdict:<20} coverage {decision.coverage:6.1%}  {s.reproduced_words:>5} words  "
        f"longest {s.longest_passage_words:>4}  {match.article.title or ''}"
    )
    click.echo(f"{MATCH_INDENT}{match.article.url}")
    state = "new" if kept.new else kept.status.value.replace("_", " ")
    credit = decision.attribution
    claims = [word for word, ok in (("credited", credit.credited), ("linked", credit.linked)) if ok]
    click.echo(
        f"{MATCH_INDENT}finding {kept.finding_id} ({state})  severity {level.level} {level.score}  "
        f"notice {decision.notice}  {' and '.join(claims) or 'no credit'}"
    )
    for reason in decision.reasons:
        click.echo(f"{MATCH_INDENT}· {reason}")
    for passage in match.passages:
        click.echo(passage_lines(passage, match.article.body, page, indent=MATCH_INDENT))
    click.echo("")


def print_alignment(passages: list[Passage], article: str, page: str, as_json: bool) -> None:
    """The passages of `article` that `page` reproduces: `{"passages": [...]}` or readable lines."""
    if as_json:
        print_json(shapes.align_result(passages))
        return
    if not passages:
        click.echo("no reproduced passage")
    for passage in passages:
        click.echo(passage_lines(passage, article, page))


def passage_lines(passage: Passage, article: str, page: str, indent: str = "") -> str:
    """Two lines: the passage's size and offsets, then its text quoted from the article."""
    quote = " ".join(article[passage.article_start : passage.article_end].split())
    if len(quote) > QUOTE_MAX_CHARS:
        quote = quote[:QUOTE_END_CHARS] + " […] " + quote[-QUOTE_END_CHARS:]
    return (
        f"{indent}{passage.words:>4} words  article {passage.article_start}-{passage.article_end}"
        f"  page {passage.page_start}-{passage.page_end}\n{indent}      « {quote} »"
    )


@contextmanager
def progress(paths: Sequence[Path], label: str) -> Iterator[Callable[[int], None] | None]:
    """A progress bar on a terminal when there are many records; nothing otherwise."""
    total = _count_records(paths) if sys.stderr.isatty() else 0
    if total < PROGRESS_FROM:
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_pos=True) as bar:
        yield bar.update


def _count_records(paths: Sequence[Path]) -> int:
    """Roughly how many records the paths hold: lines of JSONL files, one per other file."""
    count = 0
    for path in paths:
        files = (p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if file.suffix == ".jsonl" and file.is_file():
                count += _count_lines(file)
            else:
                count += 1
    return count


def _count_lines(file: Path) -> int:
    with file.open("rb") as handle:
        return sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
