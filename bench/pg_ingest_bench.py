"""Ingest into PostgreSQL at scale: 1 and 2 processes, while the archive grows to N articles.

In: N synthetic French articles (bench/corpus.py) as JSONL chunks of 10,000 under bench/out/
(exported once from check_bench.py's SQLite archive of N articles when it exists, read-only,
else generated), and a fresh PostgreSQL database per run (COMPLIANCE_TEST_POSTGRES_URL's server,
dropped after). Each run is `P:M`: P processes ingest the first M articles, process k taking
chunks k, k+P, … with its own `Archive` over the one database and one index folder, as ingest
workers on one host do. Out: a Markdown section with, per run, the rate of each tenth of the
archive's growth (all processes together), the peak memory of one process (anonymous, i.e. not
counting the memory-mapped index, which every process of a host shares, and file-backed), and,
side by side, the reference measured in the same run: datasketch's per-token MinHash of 1,000 of
the same articles in one process (articles/s).

    .venv/bin/python bench/pg_ingest_bench.py --articles 1000000 --runs 1:200000 2:1000000
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sqlite3
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from common import OUT, PeakMemory, header, progress, table, token_loop_minhash
from corpus import FrenchNews

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.settings import Settings

POSTGRES = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHUNK = 10_000
FIELDS = ("url", "title", "published_at", "author", "section", "language", "body")


def chunks(n: int) -> list[Path]:
    """The JSONL chunks of the first `n` articles, written once."""
    folder = OUT / "jsonl"
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"chunk-{k:04d}.jsonl" for k in range((n + CHUNK - 1) // CHUNK)]
    missing = [p for p in paths if not p.exists()]
    if not missing:
        return paths
    source = OUT / f"check-{n}-seed0" / "archive.db"
    if source.exists():
        progress(f"exporting {n:,} articles from {source} …")
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as db:
            rows = db.execute(f"SELECT {', '.join(FIELDS)} FROM articles ORDER BY id")
            for path in paths:
                with path.open("w", encoding="utf-8") as out:
                    for row in rows.fetchmany(CHUNK):
                        out.write(json.dumps(dict(zip(FIELDS, row, strict=True)), ensure_ascii=False) + "\n")
        return paths
    news = FrenchNews(seed=0)
    for path in missing:
        first = int(path.stem.split("-")[1]) * CHUNK
        progress(f"generating {path.name} …")
        with path.open("w", encoding="utf-8") as out:
            for number in range(first, first + CHUNK):
                out.write(json.dumps(news.record(number), ensure_ascii=False) + "\n")
    return paths


def reference_rate(path: Path, count: int = 1000) -> float:
    """Articles/s of datasketch's per-token MinHash alone, on the first `count` of a chunk."""
    bodies = [json.loads(line)["body"] for line in path.read_text(encoding="utf-8").splitlines()[:count]]
    start = time.perf_counter()
    for body in bodies:
        token_loop_minhash(body)
    return len(bodies) / (time.perf_counter() - start)


def ingester(settings: Settings, paths: list[Path], queue: Any) -> None:
    """Ingest these chunks in turn; report each chunk's end time, then the peak memory."""
    peak = PeakMemory()
    with Archive(settings) as archive:
        for path in paths:
            report = archive.ingest(read_paths([path], settings))
            if report.failed:
                raise SystemExit(f"{path.name}: {report.errors[:3]}")
            queue.put(("chunk", time.time(), report.ingested))
    queue.put(("peak", round(peak.anon), round(peak.file)))


def run(processes: int, count: int, paths: list[Path]) -> dict[str, Any]:
    name = f"bench_ingest_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES.rsplit("/", 1)[0] + f"/{name}"
    try:
        with tempfile.TemporaryDirectory() as folder:
            settings = Settings(database_url=url, index_dir=str(Path(folder) / "index"))
            Archive(settings).close()  # the schema, made once before the processes race for it
            mine = paths[: (count + CHUNK - 1) // CHUNK]
            context = multiprocessing.get_context("spawn")
            queue = context.Queue()
            children = [
                context.Process(target=ingester, args=(settings, mine[k::processes], queue))
                for k in range(processes)
            ]
            start = time.time()
            for child in children:
                child.start()
            ends: list[tuple[float, int]] = []
            peaks: list[list[int]] = []
            done = 0
            while len(peaks) < processes:
                kind, *values = queue.get()
                if kind == "chunk":
                    done += values[1]
                    ends.append((values[0] - start, done))
                    progress(
                        f"{processes} process(es): {done:,}/{count:,} ({done / (values[0] - start):,.0f}/s)"
                    )
                else:
                    peaks.append(values)
            for child in children:
                child.join()
                if child.exitcode:
                    raise SystemExit(f"an ingest process failed (exit {child.exitcode})")
    finally:
        admin.dispose()
        admin = sa.create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    tenth = max(CHUNK, count // 10)
    rates, last = [], (0.0, 0)
    for seconds, total in ends:
        if total - last[1] >= tenth or total == count:
            rates.append((total, (total - last[1]) / (seconds - last[0])))
            last = (seconds, total)
    return {
        "seconds": ends[-1][0],
        "rates": rates,
        "anon": max(p[0] for p in peaks),
        "file": max(p[1] for p in peaks),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=1_000_000, help="articles exported (default 1M)")
    parser.add_argument("--runs", nargs="+", default=["1:200000", "2:1000000"], help="PROCESSES:ARTICLES")
    args = parser.parse_args()
    paths = chunks(args.articles)
    rows, notes = [], []
    for spec in args.runs:
        processes, count = (int(x) for x in spec.split(":"))
        before = reference_rate(paths[0])
        result = run(processes, count, paths)
        after = reference_rate(paths[-1])
        reference = (before + after) / 2
        overall = count / result["seconds"]
        growth = ", ".join(f"{n:,}: {r:,.0f}/s" for n, r in result["rates"])
        rows.append(
            [
                processes,
                f"{count:,}",
                f"{overall:,.0f}/s",
                f"{overall / processes / reference:.2f}×",
                f"{result['anon']:,} MiB (+{result['file']:,} MiB mapped files)",
            ]
        )
        notes.append(f"{processes} process(es), rate by tenth of the growth: {growth}")
        notes.append(f"reference for that run: {before:,.0f} and {after:,.0f} articles/s before and after")
    print(header("Ingest into PostgreSQL, 1 and 2 processes", "pg_ingest_bench.py", notes))
    print(
        table(
            [
                "processes",
                "articles",
                "ingest rate, all processes",
                "per process ÷ reference (per-token MinHash alone)",
                "peak memory of a process",
            ],
            rows,
        )
    )


if __name__ == "__main__":
    main()
