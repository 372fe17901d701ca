"""Ingest throughput: JSONL file → fresh SQLite archive with its passage index, everything included.

In: synthetic 5 KB French articles (bench/corpus.py) written to JSONL files first (not timed).
Out: a Markdown section with articles/s of `Archive(settings).ingest(read_paths([jsonl]))` on a
fresh SQLite file (schema creation, reading, parsing, fingerprinting, SQLite writes and the index
sync all included), median of 3 runs, with where the time goes, against the same ingest with
the MinHash made by datasketch's per-token update() loop, run side by side (ours, loop, ours,
loop, …).

Each ingest runs in a new process, as `compliance ingest` does: the word caches start empty and
the interpreter start-up and imports are not counted. Every run reads articles no other run read.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from common import (
    header,
    median,
    number,
    profile,
    progress,
    table,
    token_loop_minhash,
    verdict,
)
from corpus import FrenchNews

import compliance.pipeline
from compliance.detect.bags import text_bag_keys
from compliance.detect.fingerprint import shingle_hashes, window_minima
from compliance.detect.index import PassageIndex
from compliance.detect.normalize import NORMALIZATION, token_hashes
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import Fingerprint
from compliance.settings import Settings

TARGET_RATE = 1000
REFERENCE_OFFSET = 10_000_000  # article numbers of the reference runs: never those of ours


def loop_fingerprint(
    text: str, settings: Settings, normalization: int = NORMALIZATION, with_bags: bool = False
) -> Fingerprint:
    """Our Fingerprint fields, with the MinHash computed by datasketch's per-token update() loop."""
    shingles = shingle_hashes(token_hashes(text, normalization), settings.shingle_size)
    signature = token_loop_minhash(text, settings.num_perm).hashvalues
    return Fingerprint(
        params={**settings.fingerprint_params(), "normalization": normalization},
        signature=np.asarray(signature, dtype=np.uint32),
        windows=window_minima(shingles, settings.window),
        bags=text_bag_keys(text, settings.index_params()) if with_bags else None,
        bag_params=settings.bag_params() if with_bags else None,
    )


# --- one ingest, in its own process ---------------------------------------------------------------


def child(kind: str, jsonl: Path, database: Path, profiled: bool) -> dict[str, Any]:
    """Ingest `jsonl` into a fresh `database`; seconds spent in each part."""
    spent = {"fingerprint": 0.0, "sync": 0.0}
    if kind == "loop":
        compliance.pipeline.fingerprint = loop_fingerprint
    compliance.pipeline.fingerprint = _timing(compliance.pipeline.fingerprint, spent, "fingerprint")
    PassageIndex.sync = _timing(PassageIndex.sync, spent, "sync")  # type: ignore[method-assign]
    settings = Settings(database_url=f"sqlite:///{database}")
    start = time.perf_counter()
    archive = Archive(settings)
    opened = time.perf_counter()
    if profiled:
        profile(f"ingest of {jsonl.name}", lambda: archive.ingest(read_paths([jsonl], settings)))
        return {}
    report = archive.ingest(read_paths([jsonl], settings))
    done = time.perf_counter()
    archive.close()
    if report.failed or not report.ingested:
        raise SystemExit(f"ingest failed: {report}")
    return {
        "articles": report.ingested,
        "open": opened - start,
        "ingest": done - opened,
        **spent,
        "total": done - start,
    }


def _timing(function: Callable[..., Any], spent: dict[str, float], key: str) -> Callable[..., Any]:
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[key] += time.perf_counter() - start

    return timed


def spawn(kind: str, jsonl: Path, database: Path, profiled: bool = False) -> dict[str, Any]:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        kind,
        "--jsonl",
        str(jsonl),
        "--database",
        str(database),
    ] + (["--profile"] if profiled else [])
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1]) if not profiled else {}


# --- the side-by-side runs ------------------------------------------------------------------------


def write_jsonl(news: FrenchNews, path: Path, first: int, count: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for number_ in range(first, first + count):
            out.write(json.dumps(news.record(number_), ensure_ascii=False) + "\n")


def run(args: argparse.Namespace, folder: Path) -> str:
    news = FrenchNews(seed=args.seed)
    start = time.perf_counter()
    files: dict[tuple[str, int], Path] = {}
    for run_number in range(args.runs):
        for kind, count, offset in (
            ("ours", args.articles, 0),
            ("loop", args.reference_articles, REFERENCE_OFFSET),
        ):
            files[kind, run_number] = folder / f"{kind}-{run_number}.jsonl"
            write_jsonl(news, files[kind, run_number], offset + run_number * count, count)
    written = time.perf_counter() - start
    size = sum(path.stat().st_size for path in files.values())
    progress(f"wrote {len(files)} JSONL files, {size / 1e6:,.0f} MB, in {written:.1f} s")
    results: dict[str, list[dict[str, Any]]] = {"ours": [], "loop": []}
    for run_number in range(args.runs):
        for kind in ("ours", "loop"):
            result = spawn(kind, files[kind, run_number], folder / f"{kind}-{run_number}.db")
            results[kind].append(result)
            progress(
                f"run {run_number + 1}/{args.runs} {kind}: {result['articles']:,} articles, "
                f"{result['articles'] / result['total']:,.0f}/s"
            )
    if args.profile:
        spawn("ours", files["ours", 0], folder / "profile.db", profiled=True)
    db_size = (folder / "ours-0.db").stat().st_size
    return report(args, results, written, size, db_size)


def report(
    args: argparse.Namespace,
    results: dict[str, list[dict[str, Any]]],
    written: float,
    jsonl_bytes: int,
    db_bytes: int,
) -> str:
    rates = {kind: [r["articles"] / r["total"] for r in runs] for kind, runs in results.items()}
    ratio = median([a / b for a, b in zip(rates["ours"], rates["loop"], strict=True)])
    names = {"ours": "ours: fingerprint()", "loop": "reference: MinHash by per-token update() loop"}
    rows = []
    for kind, runs in results.items():
        pick = sorted(runs, key=lambda r: r["articles"] / r["total"])[len(runs) // 2]  # the median run
        per = 1e6 / pick["articles"]
        rest = pick["ingest"] - pick["fingerprint"] - pick["sync"]
        rows.append(
            [
                names[kind],
                f"{pick['articles']:,}",
                number(median(rates[kind])),
                f"{number(min(rates[kind]))}–{number(max(rates[kind]))}",
                f"{pick['total']:.2f} s",
                f"{pick['open'] * 1000:.0f} ms",
                f"{pick['fingerprint'] * per:,.0f} µs",
                f"{rest * per:,.0f} µs",
                f"{pick['sync'] * per:,.0f} µs",
            ]
        )
    rate = median(rates["ours"])
    notes = [
        f"input: {args.articles:,} synthetic French articles per run (bench/corpus.py, seed {args.seed}), "
        f"{args.reference_articles:,} for the reference; {args.runs} runs each, interleaved "
        "ours, reference, ours, …; every run reads articles no other run read",
        f"the JSONL files ({jsonl_bytes / 1e6:,.0f} MB) were written first in {written:.1f} s, not timed; "
        "each ingest runs in a new process (empty word caches), timed from `Archive(settings)` "
        "on a fresh SQLite file to the end of `ingest` (index sync included)",
        f"database after one run of ours: {db_bytes / 1e6:,.0f} MB "
        f"({db_bytes / args.articles / 1000:,.1f} KB per article)",
    ]
    return "\n".join(
        [
            header("Ingest throughput", "ingest_bench.py", notes),
            table(
                [
                    "contender",
                    "articles",
                    "articles/s (median)",
                    "range over runs",
                    "median run",
                    "schema open",
                    "fingerprint / article",
                    "read + store / article",
                    "index sync / article",
                ],
                rows,
            ),
            "",
            table(
                ["target", "measured", "result"],
                [
                    [
                        f"≥ {TARGET_RATE:,} articles/s, everything included",
                        number(rate),
                        verdict(rate >= TARGET_RATE),
                    ],
                    ["ours ÷ reference (median of per-run ratios)", f"{ratio:.1f}×", "—"],
                ],
            ),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=5000, help="articles per run (default 5000)")
    parser.add_argument(
        "--reference-articles",
        type=int,
        default=400,
        help="articles per reference run, which is much slower (default 400)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs of each (default 3)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--keep", action="store_true", help="keep the JSONL and SQLite files")
    parser.add_argument(
        "--profile", action="store_true", help="after the runs, print a cProfile of one ingest to stderr"
    )
    parser.add_argument("--child", choices=("ours", "loop"), help=argparse.SUPPRESS)
    parser.add_argument("--jsonl", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--database", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.jsonl, args.database, args.profile)))
        return
    folder = Path(tempfile.mkdtemp(prefix="ingest-bench-"))
    try:
        print(run(args, folder))
    finally:
        if args.keep:
            progress(f"files kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
