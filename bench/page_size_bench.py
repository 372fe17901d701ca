"""Check cost against page length: pages of 1,500 to 1,000,000 words, each hiding a 60-word excerpt.

In: the archive of check_bench.py (N synthetic French articles, default 100,000, built once and
cached under bench/out/), and one page per size made by bench/corpus.py: unrelated generated text
with 60 consecutive words of a random archive article at a random word boundary. Out: a Markdown
section with, per page size, measured in a new process for each size (so that peak memory is that
size's own):

  - `Archive.check_text(page)`: wall and CPU time (median over repeats), the process's peak
    resident memory (ru_maxrss: imports and the index's mapped pages included) and how much it
    grew during the checks;
  - the reference, side by side on the same page in the same process: datasketch's per-token
    update() MinHash of the page (normalize, shingle, hash), whose cost is linear in the length;
  - the work: parts checked, index look-ups, alignments and the words they were given (counted
    by wrapping the functions, not timed), and whether the excerpt was found.

Targets: the cost grows about linearly with the length (check ÷ reference at 1,000,000 words at
most twice what it is at 15,000), and a 1,000,000-word page checks in under 20 s and 1 GB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from check_bench import archive_folder, ensure_archive
from common import OUT, REPO, header, median, progress, table, token_loop_minhash, verdict
from corpus import FrenchNews, page_with_excerpt

from compliance import pipeline
from compliance.detect.index import PassageIndex
from compliance.pipeline import Archive
from compliance.settings import Settings

SIZES = (1_500, 15_000, 150_000, 1_000_000)
TARGET_SECONDS = 20.0
TARGET_BYTES = 1 << 30
TARGET_GROWTH = 2.0  # check ÷ reference at the largest size, against the same at 15,000 words


# --- the pages --------------------------------------------------------------------------------------


def make_pages(args: argparse.Namespace, news: FrenchNews, settings: Settings) -> list[dict[str, Any]]:
    """One page per size, written to bench/out/page-size/, with its hidden span and source."""
    folder = OUT / "page-size"
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    with Archive(settings) as archive:
        for size in args.sizes:
            rng = random.Random(f"page-size:{args.seed}:{size}")
            number = rng.randrange(args.articles)
            article = archive.store.article_by_url(news.record(number)["url"])
            if article is None:
                raise SystemExit(f"article {number} is missing from the archive: use --rebuild")
            started = time.perf_counter()
            text, span = page_with_excerpt(article.body, args.excerpt_words, size, rng, model=news)
            path = folder / f"page-{size}.txt"
            path.write_text(text, encoding="utf-8")
            seconds = time.perf_counter() - started
            progress(f"page of {size:,} words: {len(text.encode()):,} bytes in {seconds:.1f} s")
            pages.append({"size": size, "path": str(path), "span": span, "source": article.id})
    return pages


# --- one size, in a process of its own --------------------------------------------------------------


def measure(database_url: str, page: dict[str, Any], repeats: int, warmup_file: str) -> dict[str, Any]:
    """Check the page `repeats` times, each followed by the reference; count the work of one check."""
    work = {"aligned": 0, "aligned_words": 0, "queries": 0}
    align, query = pipeline.align, PassageIndex.query

    def counting_align(article: Any, part: Any, settings: Settings) -> Any:
        work["aligned"] += 1
        work["aligned_words"] += len(part)
        return align(article, part, settings)

    def counting_query(self: PassageIndex, windows: Any, max_df: int, limit: int) -> Any:
        work["queries"] += 1
        return query(self, windows, max_df, limit)

    pipeline.align = counting_align  # type: ignore[assignment]
    PassageIndex.query = counting_query  # type: ignore[method-assign]
    text = Path(page["path"]).read_text(encoding="utf-8")
    with Archive(Settings(database_url=database_url)) as archive:
        archive.check_text(Path(warmup_file).read_text(encoding="utf-8"))  # index open, imports warm
        before = _rss()
        runs: list[dict[str, float]] = []
        for run in range(repeats):
            work.update(aligned=0, aligned_words=0, queries=0)
            wall, cpu = time.perf_counter(), time.process_time()
            matches = archive.check_text(text)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            peak = _maxrss() if run == 0 else runs[0]["peak"]  # before the reference adds its own
            reference = time.perf_counter()
            token_loop_minhash(text)
            runs.append(
                {"wall": wall, "cpu": cpu, "reference": time.perf_counter() - reference, "peak": peak}
            )
    start, end = page["span"]
    found = any(
        m.article.id == page["source"] and any(p.page_start < end and start < p.page_end for p in m.passages)
        for m in matches
    )
    return {
        "wall": median([r["wall"] for r in runs]),
        "cpu": median([r["cpu"] for r in runs]),
        "reference": median([r["reference"] for r in runs]),
        "ratio": median([r["wall"] / r["reference"] for r in runs]),
        "peak": runs[0]["peak"],
        "growth": runs[0]["peak"] - before,
        "found": found,
        "others": sum(m.article.id != page["source"] for m in matches),
        "bytes": len(text.encode()),
        **work,
    }


def _maxrss() -> int:
    """Peak resident memory of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _rss() -> int:
    """Resident memory of this process now, in bytes."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def in_new_process(settings: Settings, page: dict[str, Any], repeats: int, warmup: dict[str, Any]) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--measure",
        json.dumps({"database_url": settings.database_url, "page": page, "repeats": repeats}),
        "--warmup-file",
        warmup["path"],
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=REPO)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


# --- the report -------------------------------------------------------------------------------------


def run(args: argparse.Namespace) -> str:
    news = FrenchNews(seed=args.seed)
    settings, meta = ensure_archive(args, news)
    pages = make_pages(args, news, settings)
    warmup = make_pages(argparse.Namespace(**{**vars(args), "sizes": (1_499,)}), news, settings)[0]
    results = {}
    for page in pages:
        repeats = args.repeats or max(3, min(9, 200_000 // page["size"]))
        progress(f"checking the {page['size']:,}-word page in a new process, {repeats} times …")
        results[page["size"]] = {**in_new_process(settings, page, repeats, warmup), "repeats": repeats}
    return report(args, meta, results)


def report(args: argparse.Namespace, meta: dict[str, Any], results: dict[int, dict[str, Any]]) -> str:
    s = Settings()
    notes = [
        f"archive: {args.articles:,} synthetic French articles (bench/corpus.py, seed {args.seed}), the "
        f"cached SQLite archive of check_bench.py in {archive_folder(args).relative_to(REPO)} "
        f"({meta['bytes'] / 1e9:.2f} GB, built {meta['built']})",
        f"pages: generated text hiding {args.excerpt_words} consecutive words of a random archive article "
        "at a random word boundary, one page per size; each size is checked in a new process after one "
        "1,500-word warm-up page, then the reference runs on the same page; medians over the repeats",
        f"settings: parts of {s.check_part_words:,} words overlapping by {s.check_part_overlap}, "
        f"max_candidates {s.max_candidates} per part",
        "peak: the process's ru_maxrss after the first check (imports, the index's mapped pages and the "
        "warm-up included); growth: peak minus the resident memory just before the checks",
    ]
    rows = [
        [
            f"{size:,}",
            f"{r['bytes'] / 1e6:.2f} MB",
            r["repeats"],
            f"{r['wall']:.3f} s",
            f"{r['cpu']:.3f} s",
            f"{r['wall'] / size * 1e6:.1f} µs",
            f"{r['reference']:.3f} s",
            f"{r['ratio']:.2f}×",
            f"{r['peak'] / 2**20:,.0f} MiB",
            f"{r['growth'] / 2**20:,.0f} MiB",
            r["queries"],
            r["aligned"],
            f"{r['aligned_words']:,}",
            "yes" if r["found"] else "NO",
            r["others"],
        ]
        for size, r in results.items()
    ]
    head = [
        "page words",
        "page size",
        "runs",
        "check wall",
        "check CPU",
        "wall per word",
        "reference",
        "check ÷ reference",
        "peak RSS",
        "growth",
        "parts (index look-ups)",
        "alignments",
        "words aligned",
        "excerpt found",
        "other articles",
    ]
    return "\n".join(
        [
            header(
                f"Check cost by page length, {args.articles:,}-article archive", "page_size_bench.py", notes
            ),
            table(head, rows),
            "",
            table(["target", "measured", "result"], targets(results)),
            "",
        ]
    )


def targets(results: dict[int, dict[str, Any]]) -> list[list[str]]:
    largest = results[max(results)]
    rows = [
        [
            f"{max(results):,} words: check under {TARGET_SECONDS:g} s",
            f"{largest['wall']:.1f} s",
            verdict(largest["wall"] < TARGET_SECONDS),
        ],
        [
            f"{max(results):,} words: peak memory under 1 GiB",
            f"{largest['peak'] / 2**20:,.0f} MiB",
            verdict(largest["peak"] < TARGET_BYTES),
        ],
        [
            "excerpt found at every size",
            f"{sum(r['found'] for r in results.values())} of {len(results)}",
            verdict(all(r["found"] for r in results.values())),
        ],
    ]
    if 15_000 in results:
        growth = largest["ratio"] / results[15_000]["ratio"]
        rows.insert(
            2,
            [
                f"linear: check ÷ reference at {max(results):,} words ≤ {TARGET_GROWTH:g}× that at 15,000",
                f"{growth:.2f}×",
                verdict(growth <= TARGET_GROWTH),
            ],
        )
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000, help="archive size (default 100000)")
    parser.add_argument("--sizes", type=int, nargs="+", default=SIZES, help="page lengths in words")
    parser.add_argument("--repeats", type=int, default=0, help="checks per size (default: 3 to 9 by size)")
    parser.add_argument("--excerpt-words", type=int, default=60, help="hidden words (default 60)")
    parser.add_argument("--chunk", type=int, default=10_000, help="articles per ingest call (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archive")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: one size, in a new process
    parser.add_argument("--warmup-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.measure:
        job = json.loads(args.measure)
        print(json.dumps(measure(job["database_url"], job["page"], job["repeats"], args.warmup_file)))
        return
    print(run(args))


if __name__ == "__main__":
    main()
