"""Checks from several processes at once, on the archive bench/check_bench.py built and cached.

In: the cached archive of `check_bench.py --articles N` (build it first), and pages of 1,500 words
hiding a 60-word excerpt of a random archive article, made as check_bench makes them. Out: for 1,
2 and 4 processes checking at the same time (each its own `Archive` over the same SQLite file and
the same memory-mapped index, as web or worker processes do), the latency of a check p50/p99,
the excerpt recall, the throughput of all processes together, and each process's peak memory:
anonymous (its own) and file-backed (the memory-mapped index pages it touched, which the page cache
holds once for every process of the host); beside, in every process, the reference: datasketch's per-token
MinHash of the same page, timed right after each check.

    .venv/bin/python bench/concurrent_check_bench.py --articles 1000000 [--pages 100]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import time
from pathlib import Path
from typing import Any

from check_bench import archive_folder, cache_key, make_pages
from common import PeakMemory, header, median, ms, percentile, progress, table, token_loop_minhash
from corpus import FrenchNews

from compliance.pipeline import Archive
from compliance.settings import Settings


def worker(settings: Settings, pages_file: Path, first: int, count: int, start_at: float, queue: Any) -> None:
    """Check `count` pages from `first`, after a common start time; report timings and memory."""
    pages = json.loads(pages_file.read_text(encoding="utf-8"))[first : first + count]
    peak = PeakMemory()
    with Archive(settings) as archive:
        archive.check_text(pages[0][0])  # opens the index, as a serving process already has
        while time.time() < start_at:
            time.sleep(0.001)
        checks, loops, found = [], [], 0
        began = time.perf_counter()
        for page, span, article_id in pages:
            t0 = time.perf_counter()
            matches = archive.check_text(page)
            t1 = time.perf_counter()
            token_loop_minhash(page)
            t2 = time.perf_counter()
            checks.append(t1 - t0)
            loops.append(t2 - t1)
            found += any(
                m.article.id == article_id
                and any(p.page_start < span[1] and p.page_end > span[0] for p in m.passages)
                for m in matches
            )
        elapsed = time.perf_counter() - began - sum(loops)
    queue.put(
        {
            "checks": checks,
            "loops": loops,
            "found": found,
            "elapsed": elapsed,
            "anon_mib": peak.anon,
            "file_mib": peak.file,
        }
    )


def run(args: argparse.Namespace) -> str:
    folder = archive_folder(args)
    meta_path = folder / "meta.json"
    if (
        not meta_path.exists()
        or json.loads(meta_path.read_text()).get("key", {}).get("code") != cache_key(args)["code"]
    ):
        raise SystemExit(f"no archive of {args.articles:,} articles in {folder}: run check_bench.py first")
    settings = Settings(database_url=f"sqlite:///{folder / 'archive.db'}")
    news, rng = FrenchNews(args.seed), random.Random(args.seed + 7)
    total = args.pages * max(args.processes)
    progress(f"making {total} pages …")
    with Archive(settings) as archive:
        pages = make_pages(archive, news, total, args, rng)
    pages_file = folder / "concurrent-pages.json"
    pages_file.write_text(json.dumps(pages), encoding="utf-8")
    rows = []
    context = multiprocessing.get_context("spawn")
    for processes in args.processes:
        progress(f"{processes} process(es) × {args.pages} pages …")
        queue = context.Queue()
        start_at = time.time() + 3.0 + processes
        children = [
            context.Process(
                target=worker, args=(settings, pages_file, n * args.pages, args.pages, start_at, queue)
            )
            for n in range(processes)
        ]
        for child in children:
            child.start()
        results = [queue.get() for _ in children]
        for child in children:
            child.join()
        checks = [c for r in results for c in r["checks"]]
        ratios = [c / r for res in results for c, r in zip(res["checks"], res["loops"], strict=True)]
        throughput = sum(len(r["checks"]) for r in results) / max(r["elapsed"] for r in results)
        rows.append(
            [
                processes,
                ms(percentile(checks, 50)),
                ms(percentile(checks, 99)),
                f"{median(ratios):.2f}×",
                f"{sum(r['found'] for r in results)}/{len(checks)}",
                f"{throughput:,.1f}",
                f"{max(r['anon_mib'] for r in results):,.0f} MiB "
                f"(+ {max(r['file_mib'] for r in results):,.0f} MiB of mapped index pages)",
            ]
        )
    pages_file.unlink()
    base = float(rows[0][5].replace(",", ""))
    for row in rows:
        row[5] = f"{row[5]} ({float(row[5].replace(',', '')) / base:.2f}×)"
    notes = [
        f"archive: check_bench.py's {args.articles:,} synthetic French articles in SQLite, with its index",
        f"pages: {args.page_words:,} words hiding {args.excerpt_words} words of a random archive article; "
        f"{args.pages} pages per process, every process its own pages",
    ]
    return "\n".join(
        [
            header(
                f"Checks from several processes, {args.articles:,}-article archive",
                "concurrent_check_bench.py",
                notes,
            ),
            table(
                [
                    "processes",
                    "check p50",
                    "check p99",
                    "check / reference (median)",
                    "excerpt found",
                    "checks/s, all processes (vs 1)",
                    "peak memory per process: its own (+ shared page cache)",
                ],
                rows,
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000, help="archive size (default 100000)")
    parser.add_argument("--pages", type=int, default=100, help="pages per process (default 100)")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--excerpt-words", type=int, default=60)
    parser.add_argument("--page-words", type=int, default=1500)
    parser.add_argument("--chunk", type=int, default=10_000, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0)
    print(run(parser.parse_args()))


if __name__ == "__main__":
    main()
