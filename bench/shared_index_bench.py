"""One archive for many processes and hosts: each host's memory-mapped index catching up from
PostgreSQL, against a shared index in Redis.

In: an archive of N synthetic French articles (bench/corpus.py) in a fresh PostgreSQL schema
(COMPLIANCE_TEST_POSTGRES_URL, dropped after), and a Redis server this script starts itself on a
free loopback port (nothing kept on disk, stopped after). Out: a Markdown section comparing

  mmap   every host keeps its own index folder (what `Archive.index` does) and catches up with
         the database by fingerprint id;
  redis  one index in Redis shared by every process: a set of article ids per window minimum,
         written by the ingesting process, read by every checking process with pipelined SCARD
         (the minimum's document frequency) then SMEMBERS (its articles), ranked like the
         passage index (idf-weighted sum, the same `max_df` cut-off).

For each: the catch-up after 10,000 articles are ingested by another process ("another host"),
the memory of a checking process (RSS, and its private part: memory-mapped pages are shared
by every process of a host), and the candidate query's latency on 1,500-word pages, beside the
reference measured in the same process (datasketch's per-token MinHash of the same page).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import redis
import sqlalchemy as sa
from common import REPO, header, median, ms, number, percentile, progress, table, token_loop_minhash
from corpus import FrenchNews, page_with_excerpt

from compliance.detect.fingerprint import decode, shingle_hashes, window_minima
from compliance.detect.normalize import tokenize
from compliance.pipeline import Archive, article_from_dict
from compliance.settings import Settings

POSTGRES = os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BATCH = 5_000


# --- the two indexes' queries ---------------------------------------------------------------------


def page_minima(page: str, settings: Settings) -> np.ndarray:
    hashes = shingle_hashes(tokenize(page).hashes, settings.shingle_size)
    return np.unique(window_minima(hashes, settings.window))


def redis_query(client: redis.Redis, minima: np.ndarray, live: int, max_df: int, limit: int) -> list[int]:
    """The passage index's ranking, over Redis sets: idf-weighted sum of shared minima."""
    keys = [f"m:{int(m):x}" for m in minima]
    with client.pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.scard(key)
        frequencies = pipe.execute()
    searchable = [(k, df) for k, df in zip(keys, frequencies, strict=True) if 0 < df <= max_df]
    with client.pipeline(transaction=False) as pipe:
        for key, _df in searchable:
            pipe.smembers(key)
        members = pipe.execute()
    totals: dict[int, float] = defaultdict(float)
    for (_key, df), articles in zip(searchable, members, strict=True):
        weight = math.log1p(max(live, 1) / df)
        for article in articles:
            totals[int(article)] += weight
    return sorted(totals, key=lambda a: (-totals[a], a))[:limit]


def push_to_redis(client: redis.Redis, archive: Archive, after: int) -> tuple[int, int]:
    """Write the postings of every fingerprint stored after id `after`; (last id, postings)."""
    last, postings = after, 0
    with client.pipeline(transaction=False) as pipe:
        for item in archive.store.fingerprints_after(after, 1000):
            for minimum in np.unique(decode(item.fingerprint).windows):
                pipe.sadd(f"m:{int(minimum):x}", item.article_id)
                postings += 1
            last = item.id
            if len(pipe) >= 20_000:
                pipe.execute()
        pipe.execute()
    client.set("live", len(archive.store.live_fingerprint_ids()))
    return last, postings


# --- a checking process on another host ---------------------------------------------------------------


READER = """
import json, sys, time
sys.path[:0] = ["bench"]
from shared_index_bench import reader
reader(sys.argv[1:])
"""


def memory() -> dict[str, int]:
    """This process's resident and private memory, in bytes (Linux)."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Private_Clean", "Private_Dirty"):
            fields[name] = int(rest.split()[0]) * 1024
    return {"rss": fields["Rss"], "private": fields["Private_Clean"] + fields["Private_Dirty"]}


def reader(argv: Sequence[str]) -> None:
    """Line protocol on stdin/stdout: 'sync' → catch-up time; 'query <kind>' → latencies, memory."""
    database_url, index_dir, redis_url, pages_file = argv
    settings = Settings(database_url=database_url, index_dir=index_dir, index_refresh=3600)
    pages = json.loads(Path(pages_file).read_text(encoding="utf-8"))
    archive = Archive(settings)
    client = redis.Redis.from_url(redis_url)
    for line in sys.stdin:
        command = line.split()
        result: dict[str, Any] = {}
        if command[0] == "sync":
            start = time.perf_counter()
            archive.sync_index()
            result["seconds"] = time.perf_counter() - start
        elif command[0] == "query":
            live = int(client.get("live") or 0) if command[1] == "redis" else 0
            queries, references = [], []
            for page in pages:
                minima = page_minima(page, settings)
                start = time.perf_counter()
                if command[1] == "redis":
                    redis_query(client, minima, live, settings.max_df, settings.max_candidates)
                else:
                    archive.index.query(minima, settings.max_df, settings.max_candidates)
                queried = time.perf_counter()
                token_loop_minhash(page)
                queries.append(queried - start)
                references.append(time.perf_counter() - queried)
            result = {"queries": queries, "references": references, **memory()}
        print(json.dumps(result), flush=True)
    archive.close()


@contextmanager
def reading_process(settings: Settings, index_dir: Path, redis_url: str, pages: Path) -> Iterator[Any]:
    process = subprocess.Popen(
        [sys.executable, "-c", READER, settings.database_url, str(index_dir), redis_url, str(pages)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO,
    )

    def ask(command: str) -> dict[str, Any]:
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(command + "\n")
        process.stdin.flush()
        answer = process.stdout.readline()
        if not answer:
            raise SystemExit(f"the reading process died on {command!r}")
        result: dict[str, Any] = json.loads(answer)
        return result

    try:
        yield ask
    finally:
        if process.stdin is not None:
            process.stdin.close()
        process.wait(timeout=60)


# --- services ----------------------------------------------------------------------------------------


@contextmanager
def postgres_schema() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as connection:
        connection.execute(sa.schema.CreateSchema(schema))
    try:
        url = sa.make_url(POSTGRES).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.schema.DropSchema(schema, cascade=True))
        admin.dispose()


@contextmanager
def redis_server() -> Iterator[str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- the run ---------------------------------------------------------------------------------------------


def ingest(archive: Archive, news: FrenchNews, first: int, count: int) -> float:
    start = time.perf_counter()
    for low in range(first, first + count, BATCH):
        items = [
            article_from_dict(news.record(n), archive.settings)
            for n in range(low, min(low + BATCH, first + count))
        ]
        report = archive.ingest(items)
        if report.ingested != len(items):
            raise SystemExit(f"ingest failed: {report}")
        progress(f"  ingested {low + len(items) - first:,}/{count:,}")
    return time.perf_counter() - start


def run(args: argparse.Namespace) -> str:
    news = FrenchNews(seed=args.seed)
    rng = random.Random("shared-index")
    with tempfile.TemporaryDirectory() as tmp, postgres_schema() as url, redis_server() as redis_url:
        folder = Path(tmp)
        writer_settings = Settings(database_url=url, index_dir=str(folder / "host-a"))
        client = redis.Redis.from_url(redis_url)
        with Archive(writer_settings) as archive:
            progress(f"building {args.articles:,} articles in PostgreSQL …")
            ingest(archive, news, 0, args.articles)
            progress("loading the Redis index …")
            start = time.perf_counter()
            last, postings = push_to_redis(client, archive, 0)
            redis_load = time.perf_counter() - start
            pages = []
            for _ in range(args.pages):
                article = archive.store.article_by_url(news.record(rng.randrange(args.articles))["url"])
                assert article is not None
                pages.append(page_with_excerpt(article.body, 60, 1500, rng, model=news)[0])
            pages_file = folder / "pages.json"
            pages_file.write_text(json.dumps(pages), encoding="utf-8")
            with reading_process(writer_settings, folder / "host-b", redis_url, pages_file) as host_b:
                cold = host_b("sync")["seconds"]
                progress(f"another host ingests {args.more:,} articles …")
                ingested = ingest(archive, news, args.articles, args.more)
                start = time.perf_counter()
                push_to_redis(client, archive, last)
                redis_push = time.perf_counter() - start
                caught_up = host_b("sync")["seconds"]
                host_b("query mmap")  # warm-up
                mmap = host_b("query mmap")
                host_b("query redis")
                shared = host_b("query redis")
            used = int(client.info("memory")["used_memory"])
        total = args.articles + args.more
        shutil.rmtree(folder / "host-b", ignore_errors=True)
    return report(
        args, total, postings, cold, ingested, caught_up, redis_load, redis_push, used, mmap, shared
    )


def report(
    args: argparse.Namespace,
    total: int,
    postings: int,
    cold: float,
    ingested: float,
    caught_up: float,
    redis_load: float,
    redis_push: float,
    redis_memory: int,
    mmap: dict[str, Any],
    shared: dict[str, Any],
) -> str:
    def latency(result: dict[str, Any]) -> list[str]:
        queries, references = result["queries"], result["references"]
        ratio = median([q / r for q, r in zip(queries, references, strict=True)])
        return [ms(percentile(queries, 50)), ms(percentile(queries, 99)), f"{ratio:.2f}×"]

    mb = 1024 * 1024
    rows = [
        [
            "mmap: own index per host, catching up from PostgreSQL",
            f"{caught_up:.2f} s (a new host: {cold:.1f} s for {args.articles:,})",
            f"{mmap['rss'] / mb:,.0f} MB ({mmap['private'] / mb:,.0f} MB private)",
            "—",
            *latency(mmap),
        ],
        [
            "redis: one shared index (a set per window minimum)",
            f"0 s for readers; the writer pushes in {redis_push:.2f} s",
            f"{shared['rss'] / mb:,.0f} MB ({shared['private'] / mb:,.0f} MB private)",
            f"{redis_memory / mb:,.0f} MB ({redis_memory / total:,.0f} B/article)",
            *latency(shared),
        ],
    ]
    notes = [
        f"archive: {args.articles:,} synthetic articles in PostgreSQL, then {args.more:,} more "
        f"ingested by another process ({ingested:.1f} s, its own index included); "
        f"{args.pages} pages of 1,500 words",
        f"Redis: {postings:,} postings for the first {args.articles:,} articles loaded in "
        f"{redis_load:.1f} s ({number(postings / redis_load)} postings/s, pipelined)",
    ]
    return "\n".join(
        [
            header("Shared index: per-host memory-mapped index vs Redis", "shared_index_bench.py", notes),
            table(
                [
                    "design",
                    f"catch-up after {args.more:,} articles elsewhere",
                    "memory of a checking process",
                    "server memory",
                    "query p50",
                    "query p99",
                    "query / reference (median ratio)",
                ],
                rows,
            ),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--more", type=int, default=10_000, help="articles ingested by another host")
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    print(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
