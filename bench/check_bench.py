"""Check latency on a large archive: a 1,500-word page hiding a 60-word excerpt of one article.

In: an archive of N synthetic French articles (default 100,000; bench/corpus.py) in SQLite, built
once and cached under bench/out/ (keyed by N, seed, fingerprint parameters and the fingerprint
code; --rebuild forces it). Out: a Markdown section with

  (a) the time to open the archive and its passage index in a new process (median of 5), with
      the first check made in that process;
  (b) `Archive.check_text` latency p50/p90/p99 over 200 different pages (after a warm-up) and
      the recall: the hidden article is the top match, and it is found with passages that
      overlap the hidden span;
  (c) side by side, page by page: the time datasketch's per-token update() loop takes only to
      make the MinHash of the same page (the reference).

Target: p50 ≤ 10 ms with the excerpt still found.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from common import (
    OUT,
    REPO,
    Counting,
    header,
    median,
    ms,
    percentile,
    profile,
    progress,
    table,
    token_loop_minhash,
    verdict,
)
from corpus import FrenchNews, page_with_excerpt

from compliance.detect.bags import bag_keys, text_bag_keys
from compliance.detect.fingerprint import shingle_hashes, window_minima
from compliance.detect.normalize import token_words, tokenize
from compliance.ingest.readers import read_paths
from compliance.matching import BAG_RANKS, bag_query, candidate_needs, check_page
from compliance.pipeline import Archive, match_article
from compliance.records import Match
from compliance.settings import Settings

TARGET_P50 = 0.010
TARGET_P99 = 0.050
TARGET_FOUND = 0.995
# What the stored archive depends on: the articles' text and their fingerprints.
CODE = (
    "bench/corpus.py",
    "compliance/detect/normalize.py",
    "compliance/detect/fingerprint.py",
    "compliance/detect/bags.py",
)

OPEN_SCRIPT = """
import json, sys, time
start = time.perf_counter()
from compliance.pipeline import Archive, match_article
from compliance.settings import Settings
imported = time.perf_counter()
archive = Archive(Settings(database_url=sys.argv[1]))
stored = time.perf_counter()
index = archive.index
opened = time.perf_counter()
archive.check_text(open(sys.argv[2], encoding="utf-8").read())
checked = time.perf_counter()
print(json.dumps({"imports": imported - start, "store": stored - imported, "index": opened - stored,
                  "first_check": checked - opened, "segments": len(index.segments)}))
"""


# --- the archive, built once per N ----------------------------------------------------------------


def archive_folder(args: argparse.Namespace) -> Path:
    return OUT / f"check-{args.articles}-seed{args.seed}"


def cache_key(args: argparse.Namespace) -> dict[str, Any]:
    digest = hashlib.sha256(b"".join((REPO / name).read_bytes() for name in CODE)).hexdigest()[:16]
    return {
        "articles": args.articles,
        "seed": args.seed,
        "params": Settings().fingerprint_params() | Settings().bag_params(),  # what the database holds
        "code": digest,
    }


def ensure_archive(args: argparse.Namespace, news: FrenchNews) -> tuple[Settings, dict[str, Any]]:
    """Settings of the cached archive, built first when missing, stale or --rebuild."""
    folder = archive_folder(args)
    settings = Settings(database_url=f"sqlite:///{folder / 'archive.db'}")
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if not args.rebuild and meta.get("key") == cache_key(args):
        progress(f"reusing the archive in {folder} (built in {meta['build_seconds']:.0f} s)")
        return settings, meta
    if meta and not args.rebuild:
        progress(f"the archive in {folder} was built by other code or settings: rebuilding")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    meta = {"key": cache_key(args), **build(args, news, settings, folder)}
    meta_path.write_text(json.dumps(meta, indent=2))
    return settings, meta


def corpus_chunk(args: argparse.Namespace, news: FrenchNews, first: int, count: int) -> Path:
    """The JSONL file of articles first … first + count - 1, written once and kept: generating the
    articles costs more than ingesting them, and the same corpus serves every rebuild."""
    digest = hashlib.sha256((REPO / "bench/corpus.py").read_bytes()).hexdigest()[:12]
    path = OUT / f"corpus-seed{args.seed}-{digest}" / f"{first:09d}-{count}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".tmp")
        with partial.open("w", encoding="utf-8") as out:
            for number in range(first, first + count):
                out.write(json.dumps(news.record(number), ensure_ascii=False) + "\n")
        partial.replace(path)
    return path


def generate(args: argparse.Namespace) -> None:
    """Write the corpus chunks only (`--generate-only`), every `--generate-step`-th of them from
    `--generate-offset`: several such processes fill the cache side by side."""
    news = FrenchNews(seed=args.seed)
    firsts = range(args.chunk * args.generate_offset, args.articles, args.chunk * args.generate_step)
    for first in firsts:
        corpus_chunk(args, news, first, min(args.chunk, args.articles - first))
        progress(f"corpus: articles to {first + args.chunk:,} written")


def build(args: argparse.Namespace, news: FrenchNews, settings: Settings, folder: Path) -> dict[str, Any]:
    """Ingest N articles, `--chunk` per JSONL file and per `ingest` call (one index segment each),
    noting the ingest rate of each tenth of the build and the process's peak memory."""
    generating = ingesting = 0.0
    growth: list[dict[str, float]] = []
    tenth, since = max(args.chunk, args.articles // 10), 0.0
    with Archive(settings) as archive:
        for first in range(0, args.articles, args.chunk):
            count = min(args.chunk, args.articles - first)
            start = time.perf_counter()
            chunk = corpus_chunk(args, news, first, count)
            written = time.perf_counter()
            report = archive.ingest(read_paths([chunk], settings))
            done = time.perf_counter()
            if report.failed or report.ingested != count:
                raise SystemExit(f"ingest failed: {report}")
            generating += written - start
            ingesting += done - written
            since += done - written
            if (first + count) % tenth == 0 or first + count == args.articles:
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
                growth.append({"articles": first + count, "rate": tenth / since, "peak_mib": rss})
                since = 0.0
            progress(
                f"built {first + count:,}/{args.articles:,} articles: ingest {ingesting:.0f} s "
                f"({(first + count) / ingesting:,.0f}/s), generating {generating:.0f} s"
            )
    size = sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
    index_size = sum(p.stat().st_size for p in settings.index_path.rglob("*") if p.is_file())
    return {
        "growth": growth,
        "build_seconds": ingesting,
        "generate_seconds": generating,
        "bytes": size,
        "index_bytes": index_size,
        "built": time.strftime("%Y-%m-%d %H:%M"),
    }


# --- (a) opening in a new process ---------------------------------------------------------------


def open_cold(settings: Settings, page: str, runs: int, folder: Path) -> list[dict[str, Any]]:
    page_file = folder / "page.txt"
    page_file.write_text(page, encoding="utf-8")
    results = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", OPEN_SCRIPT, settings.database_url, str(page_file)],
            capture_output=True,
            text=True,
            check=True,
            cwd=REPO,
        )
        wall = time.perf_counter() - start
        results.append({"wall": wall, **json.loads(done.stdout.strip().splitlines()[-1])})
    return results


# --- (b) and (c) checking pages -------------------------------------------------------------------


def make_pages(
    archive: Archive, news: FrenchNews, count: int, args: argparse.Namespace, rng: random.Random
) -> list[tuple[str, tuple[int, int], int]]:
    """(page, hidden span, source article id) for `count` random archive articles."""
    pages = []
    for _ in range(count):
        number = rng.randrange(args.articles)
        article = archive.store.article_by_url(news.record(number)["url"])
        if article is None:
            raise SystemExit(f"article {number} is missing from the archive: use --rebuild")
        page, span = page_with_excerpt(article.body, args.excerpt_words, args.page_words, rng, model=news)
        pages.append((page, span, article.id))
    return pages


def candidates(archive: Archive, page: str) -> int:
    """How many articles the index's two channels hand on for this page (read for the density test)."""
    s = archive.settings
    words = token_words(page)
    minima = window_minima(shingle_hashes(words.hashes, s.shingle_size), s.window)
    keys = bag_keys(words.stems, words.lengths, s.bag_words, s.bag_min_letters)
    by_minima = archive.index.query(minima, s.max_df, s.max_candidates)
    return len(candidate_needs(by_minima, archive.index.query_bags(keys, s.bag_max_df, *bag_query(s)), s))


def aligned(archive: Archive, page: str) -> int:
    """How many articles the check hands to the aligner for this page (those its density test keeps)."""
    counting = Counting()
    check_page(page, archive.index, archive.store, archive.settings, counting)
    return len(counting.bodies)


def excerpt_found(matches: Sequence[Match], source: int, span: Sequence[int]) -> bool:
    """The source article is among the matches, with a passage overlapping the hidden span."""
    start, end = span
    return any(
        m.article.id == source and any(p.page_start < end and start < p.page_end for p in m.passages)
        for m in matches
    )


def check_pages(archive: Archive, pages: Sequence[tuple[str, tuple[int, int], int]]) -> dict[str, Any]:
    checks, loops, found, top, others, handed, kept = [], [], 0, 0, 0, 0, 0
    for page, (start, end), source in pages:
        began = time.perf_counter()
        matches = archive.check_text(page)
        checked = time.perf_counter()
        token_loop_minhash(page)
        looped = time.perf_counter()
        checks.append(checked - began)
        loops.append(looped - checked)
        top += bool(matches) and matches[0].article.id == source
        found += excerpt_found(matches, source, (start, end))
        others += sum(m.article.id != source for m in matches)
        handed += candidates(archive, page)
        kept += aligned(archive, page)
    n = len(pages)
    return {
        "checks": checks,
        "loops": loops,
        "top": top / n,
        "found": found / n,
        "others": others / n,
        "candidates": handed / n,
        "aligned": kept / n,
    }


def run(args: argparse.Namespace) -> str:
    news = FrenchNews(seed=args.seed)
    settings, meta = ensure_archive(args, news)
    rng = random.Random(f"pages:{args.seed}")
    with Archive(settings) as archive:
        # An index made by other code or with other parameters is rebuilt now, not while timed.
        started = time.perf_counter()
        archive.sync_index()
        progress(f"passage index up to date in {time.perf_counter() - started:.1f} s")
        meta["index_bytes"] = sum(p.stat().st_size for p in settings.index_path.rglob("*") if p.is_file())
        warmup = make_pages(archive, news, args.warmup, args, rng)
        pages = make_pages(archive, news, args.pages, args, rng)
        progress(f"opening the index in a new process, {args.open_runs} times …")
        opens = open_cold(settings, warmup[0][0], args.open_runs, archive_folder(args))
        check_pages(archive, warmup)
        progress(f"checking {args.pages} pages …")
        result = check_pages(archive, pages)
        state = timed_state(archive)
        steps = stages(archive, pages)
        if args.profile:
            profile(f"check_text on {args.pages} pages", lambda: [archive.check_text(p) for p, _, _ in pages])
    return report(args, meta, opens, result, state, steps)


def stages(archive: Archive, pages: Sequence[tuple[str, tuple[int, int], int]]) -> dict[str, float]:
    """Median time of each step of `check_text`, redone one by one on the same pages."""
    s = archive.settings
    times: dict[str, list[float]] = {name: [] for name in STAGES}
    for page_text, _, _ in pages:
        marks = [time.perf_counter()]
        page = tokenize(page_text)
        marks.append(time.perf_counter())
        minima = window_minima(shingle_hashes(page.hashes, s.shingle_size), s.window)
        marks.append(time.perf_counter())
        index = archive.index
        marks.append(time.perf_counter())
        by_minima = index.query(minima, s.max_df, s.max_candidates)
        marks.append(time.perf_counter())
        keys = text_bag_keys(page_text, s.bag_params())
        by_bags = index.query_bags(keys, s.bag_max_df, *bag_query(s))
        marks.append(time.perf_counter())
        ids = list(candidate_needs(by_minima, by_bags, s))  # the articles the check reads
        articles = archive.store.get_articles(ids)
        marks.append(time.perf_counter())
        for article_id in ids:
            match_article(articles[article_id], page, s)
        marks.append(time.perf_counter())
        for name, start, end in zip(STAGES, marks, marks[1:], strict=False):
            times[name].append(end - start)
    return {name: median(values) for name, values in times.items()}


STAGES = {
    "tokenize": "tokenize the page (words and their spans)",
    "minima": "shingles and window minima of the page",
    "sync": "`Archive.index`: staleness query (index sync check)",
    "query": "`PassageIndex.query`: candidates by the window minima",
    "bags": "bag keys of the page and `PassageIndex.query_bags`: candidates by the second channel",
    "fetch": "`Store.get_articles`: both channels' candidates' bodies",
    "align": "`match_article` for every candidate (tokenize, align, score; the check aligns only the "
    "minima's candidates that pass the density test)",
}


def timed_state(archive: Archive, runs: int = 50) -> float:
    """Median time of the staleness query that every `Archive.index` access makes."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        archive.store.fingerprint_state()
        times.append(time.perf_counter() - start)
    return median(times)


def report(
    args: argparse.Namespace,
    meta: dict[str, Any],
    opens: list[dict[str, Any]],
    result: dict[str, Any],
    state: float,
    steps: dict[str, float],
) -> str:
    checks, loops = result["checks"], result["loops"]
    archive_settings = Settings()
    p50 = percentile(checks, 50)
    ratio = median([c / r for c, r in zip(checks, loops, strict=True)])
    n = args.articles
    open_rows = [
        [
            name,
            ms(median([o[key] for o in opens])),
            f"{ms(min(o[key] for o in opens))}–{ms(max(o[key] for o in opens))}",
        ]
        for name, key in (
            ("whole process: start, imports, open, first check", "wall"),
            ("imports (compliance, numpy, SQLAlchemy, datasketch, …)", "imports"),
            ("`Archive(settings)`: database open, schema check", "store"),
            ("`archive.index`: passage index open and sync check", "index"),
            ("first `check_text` in the new process", "first_check"),
        )
    ]
    notes = [
        f"archive: {n:,} synthetic French articles (bench/corpus.py, seed {args.seed}), SQLite "
        f"{meta['bytes'] / 1e9:.2f} GB with the index ({meta['index_bytes'] / n:,.0f} bytes per article "
        f"in the index, {opens[0]['segments']} segment(s)); built in {meta['build_seconds']:,.0f} s "
        f"({n / meta['build_seconds']:,.0f} articles/s, in `ingest` calls of {args.chunk:,}; generating "
        f"or reading the articles took {meta['generate_seconds']:,.0f} s more) on {meta['built']}",
        *(
            [
                "ingest rate by tenth of the build (articles/s) and peak memory of the building process: "
                + ", ".join(
                    f"{g['articles']:,.0f}: {g['rate']:,.0f}/s, {g['peak_mib']:,.0f} MiB"
                    for g in meta["growth"]
                )
            ]
            if meta.get("growth")
            else []
        ),
        f"pages: {args.page_words:,} words hiding {args.excerpt_words} consecutive words of a random archive "
        f"article at a random word boundary; {args.pages} pages timed after {args.warmup} for warm-up, "
        "each followed by the reference on the same page",
    ]
    rows = [
        ["`Archive.check_text(page)`", ms(p50), ms(percentile(checks, 90)), ms(percentile(checks, 99))],
        [
            "reference: per-token update() MinHash of the page only",
            ms(percentile(loops, 50)),
            ms(percentile(loops, 90)),
            ms(percentile(loops, 99)),
        ],
    ]
    quality = [
        ["source article is the top match", f"{result['top']:.1%}"],
        ["source found, with passages overlapping the hidden span", f"{result['found']:.1%}"],
        ["other articles reported per page (mean)", f"{result['others']:.2f}"],
        [
            f"candidates per page, both channels (mean; read and density-tested; max_candidates "
            f"{archive_settings.max_candidates}, bag_candidates {archive_settings.bag_candidates} "
            f"of {BAG_RANKS} bag ranks)",
            f"{result['candidates']:.1f}",
        ],
        ["articles aligned per page (mean; candidates the density test keeps)", f"{result['aligned']:.1f}"],
        ["staleness query made by each `Archive.index` access (median)", ms(state)],
    ]
    return "\n".join(
        [
            header(f"Check latency, {n:,}-article archive", "check_bench.py", notes),
            f"(a) Opening the archive in a new process, median of {args.open_runs} "
            f"(how long opening it takes for {n:,} articles):",
            "",
            table(["step", "median", "range"], open_rows),
            "",
            f"(b), (c) One page, {args.pages} pages:",
            "",
            table(["", "p50", "p90", "p99"], rows),
            "",
            table(["recall and work", ""], quality),
            "",
            "Where the time goes: each step of `check_text` redone separately on the same pages "
            "(median per page; the steps' medians need not add up to the median check):",
            "",
            table(["step", "median"], [[STAGES[name], ms(value)] for name, value in steps.items()]),
            "",
            table(
                ["target", "measured", "result"],
                [
                    [f"check p50 ≤ {TARGET_P50 * 1000:g} ms", ms(p50), verdict(p50 <= TARGET_P50)],
                    [
                        f"check p99 ≤ {TARGET_P99 * 1000:g} ms",
                        ms(percentile(checks, 99)),
                        verdict(percentile(checks, 99) <= TARGET_P99),
                    ],
                    [
                        f"excerpt still found (≥ {TARGET_FOUND:.1%} of pages)",
                        f"{result['found']:.1%}",
                        verdict(result["found"] >= TARGET_FOUND),
                    ],
                    [
                        "check ÷ reference MinHash of the page (median of per-page ratios)",
                        f"{ratio:.2f}×",
                        "—",
                    ],
                ],
            ),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=100_000, help="archive size (default 100000)")
    parser.add_argument("--pages", type=int, default=200, help="pages timed (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="pages checked first, not timed (default 20)")
    parser.add_argument("--excerpt-words", type=int, default=60, help="hidden words (default 60)")
    parser.add_argument("--page-words", type=int, default=1500, help="page length in words (default 1500)")
    parser.add_argument("--open-runs", type=int, default=5, help="new processes opening it (default 5)")
    parser.add_argument("--chunk", type=int, default=10_000, help="articles per ingest call (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archive")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of the checks to stderr")
    parser.add_argument("--generate-only", action="store_true", help="only write the corpus's JSONL chunks")
    parser.add_argument("--generate-step", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--generate-offset", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.generate_only:
        generate(args)
    else:
        print(run(args))


if __name__ == "__main__":
    main()
