"""Sweep throughput: a generated WARC of 10,000 pages swept end to end, against bare extraction.

In: a WARC file written here (gzip per record, a request record before each response), 10,000
HTML pages of synthetic French text (bench/corpus.py), one in COPY_EVERY a copy of a fixture
article (fixtures/archive) inside synthetic text; an archive of the fixture articles plus 1,000
synthetic ones (SQLite). Out: a Markdown section with

  (a) `compliance sweep` with one process pinned to one core (Archive.sweep, jobs=1): pages/s,
      and the time split between reading, extraction, check and storing;
  (b) the same sweep on a fresh copy of the archive with one process per core (jobs = cores):
      pages/s, and pages/s per core;
  (c) side by side in the same run, the reference: warcio iterating the same file and
      trafilatura extracting each page's text, nothing else (one core), pages/s.

Target: >= 40 pages/s per core. The machine is shared (other processes keep both cores busy), so
each run also reports its CPU time (the processes' own, children included) and pages per
CPU-second: what one core gives when the sweep has it to itself. Wall-clock rates are reported
beside them; the ratio to the reference, measured in the same way in the same run, is the figure
that noise moves least.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from html import escape
from io import BytesIO
from pathlib import Path
from typing import Any

import trafilatura
from common import REPO, header, table, verdict
from corpus import FrenchNews
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

import compliance.sweeps.part as part_module
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import ArticleInput
from compliance.settings import Settings

PAGES = 10_000
COPY_EVERY = 10
SYNTHETIC_ARTICLES = 1000


def write_warc(path: Path, count: int) -> int:
    """The bench's WARC: `count` pages, one in COPY_EVERY a copy of a fixture article; copies planted."""
    lines = (REPO / "fixtures" / "archive" / "articles.jsonl").read_text("utf-8").splitlines()
    bodies = [json.loads(line)["body"] for line in lines if line.strip()]
    model, rng = FrenchNews(seed=7), random.Random(7)
    copies = 0
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=True)
        for i in range(count):
            around = model.text(rng, 150)
            copied = i % COPY_EVERY == 0
            copies += copied
            text = bodies[i % len(bodies)] if copied else model.text(rng, 500)
            paragraphs = "".join(f"<p>{escape(p)}</p>" for p in (*text.split("\n\n"), around))
            html = (
                f"<html><head><title>Page {i}</title></head><body><nav><a href='/'>Accueil</a></nav>"
                f"<article><h1>Page {i}</h1>{paragraphs}</article><footer>Mentions</footer></body></html>"
            ).encode()
            url = f"https://copies.example/p/{i}.html"
            request = StatusAndHeaders(
                f"GET /p/{i}.html HTTP/1.1", [("Host", "copies.example")], is_http_request=True
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "request", payload=BytesIO(b""), length=0, http_headers=request
                )
            )
            head = StatusAndHeaders(
                "200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1"
            )
            writer.write_record(
                writer.create_warc_record(
                    url, "response", payload=BytesIO(html), length=len(html), http_headers=head
                )
            )
    return copies


def cpu() -> float:
    """CPU seconds of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def reference(path: Path) -> tuple[int, float, float]:
    """warcio iterating, trafilatura extracting each HTML response, nothing else: (pages, s, CPU s)."""
    start, started_cpu, pages = time.perf_counter(), cpu(), 0
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream):
            if record.rec_type != "response":
                continue
            html = record.content_stream().read().decode("utf-8")
            trafilatura.extract(html, url=record.rec_headers.get_header("WARC-Target-URI"))
            pages += 1
    return pages, time.perf_counter() - start, cpu() - started_cpu


def timed(name: str, function: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return wrapper


def sweep_one_core(
    settings: Settings, path: Path
) -> tuple[float, float, dict[str, float], dict[str, int], int]:
    """The sweep in this process (jobs=1), its stages timed: seconds, CPU s, time per stage, counts, new."""
    spent: dict[str, float] = defaultdict(float)
    extract = timed("extract (trafilatura, visible text, links)", part_module.page_from_bytes, spent)
    capture = timed("capture of a match (WARC, fsync)", part_module.capture_from_record, spent)
    part_module.page_from_bytes = extract
    part_module.capture_from_record = capture
    with Archive(settings) as archive:
        archive.store.record_sweep_check = timed(  # type: ignore[method-assign]
            "store a match (capture row, findings, outcome)", archive.store.record_sweep_check, spent
        )
        archive.store.save_sweep_outcomes = timed(  # type: ignore[method-assign]
            "store clean outcomes (batches of 100)", archive.store.save_sweep_outcomes, spent
        )
        archive.check_text = timed("check (index, align, score)", archive.check_text, spent)  # type: ignore[method-assign]
        archive.sync_index()
        start, started_cpu = time.perf_counter(), cpu()
        report = archive.sweep([path], jobs=1)
        seconds, cpu_seconds = time.perf_counter() - start, cpu() - started_cpu
    return seconds, cpu_seconds, dict(spent), dict(report.counts), len(report.new_findings)


def sweep_all_cores(settings: Settings, path: Path, jobs: int) -> tuple[float, float, dict[str, int]]:
    """The sweep with `jobs` processes (the pool's CPU time counted once it has ended): s, CPU s, counts."""
    with Archive(settings) as archive:
        start, started_cpu = time.perf_counter(), cpu()
        report = archive.sweep([path], jobs=jobs)
        return time.perf_counter() - start, cpu() - started_cpu, dict(report.counts)


def _without_date(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != "published_at"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes of run (b)")
    args = parser.parse_args(argv)
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        warc = base / "bench.warc.gz"
        copies = write_warc(warc, args.pages)
        print(f"WARC: {args.pages} pages, {warc.stat().st_size / 1e6:.1f} MB", file=sys.stderr)
        archive_dir = base / "archive"
        settings = Settings(
            database_url=f"sqlite:///{archive_dir}/bench.db", evidence_dir=f"{archive_dir}/evidence"
        )
        with Archive(settings) as archive:
            archive.ingest(read_paths([REPO / "fixtures" / "archive"], settings))
            model = FrenchNews(seed=11)
            archive.ingest(ArticleInput(**_without_date(model.record(n))) for n in range(SYNTHETIC_ARTICLES))
        shutil.copytree(archive_dir, base / "fresh")
        if cores:
            os.sched_setaffinity(0, {cores[0]})  # (a) and (c) on one core
        ref_pages, ref_seconds, ref_cpu = reference(warc)
        seconds, cpu_seconds, spent, counts, new = sweep_one_core(settings, warc)
        if cores:
            os.sched_setaffinity(0, set(cores))
        fresh = Settings(
            database_url=f"sqlite:///{base}/fresh/bench.db", evidence_dir=f"{base}/fresh/evidence"
        )
        many_seconds, many_cpu, many_counts = sweep_all_cores(fresh, warc, args.jobs)
    checked = sum(counts.values())
    rate, ref_rate = checked / seconds, ref_pages / ref_seconds
    many_rate = sum(many_counts.values()) / many_seconds
    print(
        header(
            f"Sweep throughput: a WARC of {args.pages:,} pages",
            "sweep_bench.py",
            [
                f"{args.pages} HTML pages (one in {COPY_EVERY} a copy of a fixture article inside synthetic "
                f"text, {copies} copies), gzip per record, a request record before each response; archive "
                f"of 22 fixture + {SYNTHETIC_ARTICLES} synthetic articles; SQLite; parts of 500 pages",
            ],
        )
    )
    rows = [[stage, f"{value:.1f} s", f"{value / seconds:.0%}"] for stage, value in spent.items()]
    rest = seconds - sum(spent.values())
    rows.append(
        ["rest: planning pass, reading records, part bookkeeping", f"{rest:.1f} s", f"{rest / seconds:.0%}"]
    )
    print(table(["stage (run a)", "time", "share"], rows))
    print()
    many = sum(many_counts.values())
    per_cpu, ref_per_cpu, many_per_cpu = checked / cpu_seconds, ref_pages / ref_cpu, many / many_cpu
    print(
        table(
            ["run", "pages", "wall s", "pages/s", "per core (wall)", "CPU s", "pages per CPU-s", "target"],
            [
                ["(a) `compliance sweep`, 1 process on 1 core", checked, f"{seconds:.1f}", f"{rate:.1f}",
                 f"{rate:.1f}", f"{cpu_seconds:.1f}", f"{per_cpu:.1f}", f"{verdict(per_cpu >= 40)} >= 40"],
                [f"(b) `compliance sweep -j {args.jobs}`", many, f"{many_seconds:.1f}", f"{many_rate:.1f}",
                 f"{many_rate / max(args.jobs, 1):.1f}", f"{many_cpu:.1f}", f"{many_per_cpu:.1f}",
                 f"{verdict(many_per_cpu >= 40)} >= 40"],
                ["(c) reference: warcio + trafilatura.extract only, 1 core", ref_pages, f"{ref_seconds:.1f}",
                 f"{ref_rate:.1f}", f"{ref_rate:.1f}", f"{ref_cpu:.1f}", f"{ref_per_cpu:.1f}", ""],
                ["(a) ÷ (c)", "", "", f"{rate / ref_rate:.2f}", "", "", f"{per_cpu / ref_per_cpu:.2f}", ""],
            ],
        )
    )  # fmt: skip
    print(f"\nrun (a): {counts}, {new} new findings; run (b): {many_counts}")


if __name__ == "__main__":
    main()
