"""Scan throughput with Celery workers: 1, 2 and 4 `compliance worker` processes against the
in-process (embedded) scan, side by side in the same run, on the same database and site.

In: a site served on 127.0.0.1 by a child process (bench/scan_bench.py's pages: one in five a copy
of a fixture article inside synthetic French text), each run reading its own copy of the site
under its own path prefix (so every run fetches, checks and stores every page as new); an archive
of the fixture articles plus 1,000 synthetic ones in PostgreSQL (a database of our own); our own
redis-server on a free port as the broker. Out: a Markdown section with, per run, pages/s, the
ratio to the embedded scan, and the CPU seconds spent by the workers, by redis-server (is the
broker a bottleneck?) and by PostgreSQL's backends, from /proc.

    python bench/worker_bench.py [--pages 400] [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from common import REPO, header, table
from corpus import FrenchNews
from scan_bench import SYNTHETIC_ARTICLES, _without_date, build_pages

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import ArticleInput, Site
from compliance.settings import Settings

PAGES = 300
WORKERS = (1, 2, 4)
WARM_UP_PAGES = 12  # per worker: every worker process opens its Archive and index before timing
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TICK = os.sysconf("SC_CLK_TCK")


def serve(pages: dict[str, bytes], port: Any) -> None:
    """The site, in a child process: /<run>/p/<i>.html and /<run>/n<count>/sitemap.xml for any run."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            run, _, rest = self.path.lstrip("/").partition("/")
            body, kind = pages.get("/" + rest), "text/html; charset=utf-8"
            if rest.endswith("/sitemap.xml") and rest.startswith("n"):
                count = int(rest[1:].split("/")[0])
                locs = "".join(f"<url><loc>{base}/{run}/p/{i}.html</loc></url>" for i in range(count))
                body = f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{locs}</urlset>'.encode()
                kind = "application/xml"
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    port.value = server.server_address[1]
    server.serve_forever()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cpu_seconds(pids: set[int]) -> float:
    """User + system CPU seconds of these processes so far (gone ones count 0)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / TICK


def group(pgid: int) -> set[int]:
    """The processes of one process group (a worker and its children)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[2]) == pgid:
                    found.add(int(entry.name))
            except (OSError, ValueError, IndexError):
                continue
    return found


def backends(database: str) -> set[int]:
    """PostgreSQL's server processes serving our database now (they live on this machine)."""
    engine = sa.create_engine(database)
    try:
        with engine.connect() as connection:
            name = sa.make_url(database).database
            rows = connection.execute(
                sa.text("SELECT pid FROM pg_stat_activity WHERE datname = :n"), {"n": name}
            )
            return {int(row[0]) for row in rows}
    finally:
        engine.dispose()


class Bench:
    """The database, the broker, the site and the workers of one benchmark run."""

    def __init__(self, database: str, folder: Path, site_port: int) -> None:
        self.database, self.folder, self.site_port = database, folder, site_port
        self.redis_port = free_port()
        command = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "no", "--dir", str(folder)]  # fmt: skip
        self.redis = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.workers: list[subprocess.Popen[bytes]] = []
        time.sleep(0.5)

    def env(self, broker: bool = True) -> dict[str, str]:
        values = {
            "COMPLIANCE_DATABASE_URL": self.database,
            "COMPLIANCE_INDEX_DIR": str(self.folder / "index"),
            "COMPLIANCE_EVIDENCE_DIR": str(self.folder / "evidence"),
            "COMPLIANCE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{self.site_port}",
            "COMPLIANCE_BROKER_URL": f"redis://127.0.0.1:{self.redis_port}/0" if broker else "",
        }
        return {**{k: v for k, v in os.environ.items() if not k.startswith("COMPLIANCE_")}, **values}

    def site(self, name: str, count: int) -> None:
        with Archive(Settings.from_env(self.env(broker=False))) as archive:
            seed = f"http://127.0.0.1:{self.site_port}/{name}/n{count}/sitemap.xml"
            archive.add_site(Site(name, (seed,), depth=0, page_limit=10**6, delay=0))

    def start_workers(self, count: int) -> None:
        for n in range(count):
            with (self.folder / f"worker-{len(self.workers)}.log").open("wb") as log:
                command = [sys.executable, "-m", "compliance", "worker", "--name", f"bench{n}@127.0.0.1"]
                self.workers.append(
                    subprocess.Popen(command, env=self.env(), stdout=log, stderr=log, start_new_session=True)
                )

    def stop_workers(self) -> None:
        for worker in self.workers:
            os.killpg(worker.pid, signal.SIGTERM)
        for worker in self.workers:
            try:
                worker.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)
        self.workers = []

    def scan_with_workers(self, name: str) -> tuple[float, int]:
        """Seconds from sending the scan to its completion in the database; pages fetched.

        `Archive.scan` with a broker: the scan's task sent, then the database polled (every
        0.5 s) until the scan is complete, as `compliance scan` does.
        """
        with Archive(Settings.from_env(self.env())) as archive:
            start = time.perf_counter()
            report = archive.scan([name])
            return time.perf_counter() - start, report.sites[0].counts["fetched"]

    def close(self) -> None:
        self.stop_workers()
        self.redis.terminate()
        self.redis.wait(10)


def embedded(bench: Bench, name: str) -> tuple[float, int, float, float]:
    """The in-process scan (no broker) of one site: seconds, pages fetched, CPU seconds of this
    process and of its PostgreSQL backends."""
    with Archive(Settings.from_env(bench.env(broker=False))) as archive:
        archive.sync_index()
        pg = backends(bench.database)
        pg_before, own_before, start = cpu_seconds(pg), cpu_seconds({os.getpid()}), time.perf_counter()
        report = archive.scan([name])
        seconds = time.perf_counter() - start
        own, pg_cpu = cpu_seconds({os.getpid()}) - own_before, cpu_seconds(pg) - pg_before
        return seconds, report.sites[0].counts["fetched"], own, pg_cpu


def fsync_ms(folder: Path, times: int = 40) -> float:
    """Median milliseconds to write and fsync 20 KB (a WARC's size) in `folder`: the disk's latency."""
    spent = []
    for n in range(times):
        path = folder / f"probe-{n}"
        start = time.perf_counter()
        with path.open("wb") as handle:
            handle.write(os.urandom(20_000))
            handle.flush()
            os.fsync(handle.fileno())
        spent.append((time.perf_counter() - start) * 1000)
        path.unlink()
    return statistics.median(spent)


def prepare(database: str, folder: Path) -> None:
    settings = Settings(
        database_url=database, index_dir=str(folder / "index"), evidence_dir=str(folder / "ev")
    )
    with Archive(settings) as archive:
        archive.ingest(read_paths([REPO / "fixtures" / "archive"], settings))
        model = FrenchNews(seed=11)
        archive.ingest(ArticleInput(**_without_date(model.record(n))) for n in range(SYNTHETIC_ARTICLES))


def measure(bench: Bench, pages: int) -> list[list[str]]:
    rows: list[list[str]] = []
    bench.site("embedded", pages)
    seconds, fetched, own_cpu, pg_cpu = embedded(bench, "embedded")
    reference = fetched / seconds
    rows.append(["embedded (in-process, no broker)", str(fetched), f"{seconds:.1f}", f"{reference:.1f}",
                 "1.00x", f"{own_cpu:.1f} s (the scanning process)", f"{pg_cpu:.1f} s", "-",
                 f"{(own_cpu + pg_cpu) / seconds:.2f}"])  # fmt: skip
    for count in WORKERS:
        bench.start_workers(count)
        bench.site(f"warm{count}", WARM_UP_PAGES * count)
        bench.scan_with_workers(f"warm{count}")  # every worker process opens its Archive first
        name = f"w{count}"
        bench.site(name, pages)
        worker_pids = set().union(*(group(w.pid) for w in bench.workers))
        redis_before, workers_before = cpu_seconds({bench.redis.pid}), cpu_seconds(worker_pids)
        pg = backends(bench.database)
        pg_before = cpu_seconds(pg)
        seconds, fetched = bench.scan_with_workers(name)
        redis_cpu = cpu_seconds({bench.redis.pid}) - redis_before
        workers_cpu = cpu_seconds(worker_pids) - workers_before
        pg_cpu = cpu_seconds(pg) - pg_before
        rate = fetched / seconds
        rows.append([f"{count} worker(s)", str(fetched), f"{seconds:.1f}", f"{rate:.1f}",
                     f"{rate / reference:.2f}x", f"{workers_cpu:.1f} s", f"{pg_cpu:.1f} s",
                     f"{redis_cpu:.2f} s ({redis_cpu / seconds:.1%} of a core)",
                     f"{(workers_cpu + pg_cpu + redis_cpu) / seconds:.2f}"])  # fmt: skip
        bench.stop_workers()
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=PAGES)
    parser.add_argument("--postgres", default=os.environ.get("COMPLIANCE_TEST_POSTGRES_URL", POSTGRES))
    args = parser.parse_args(argv)
    pages = build_pages(max(args.pages, WARM_UP_PAGES * max(WORKERS)))
    port = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(pages, port), daemon=True)
    server.start()
    while not port.value:
        time.sleep(0.05)
    name = f"bench_workers_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(args.postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    database = sa.make_url(args.postgres).set(database=name).render_as_string(hide_password=False)
    try:
        with tempfile.TemporaryDirectory() as folder:
            prepare(database, Path(folder))
            fsync = fsync_ms(Path(folder))
            bench = Bench(database, Path(folder), port.value)
            try:
                rows = measure(bench, args.pages)
            finally:
                bench.close()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        server.terminate()
    notes = [
        f"{args.pages} pages a run (one in 5 a copy of a fixture article), served by a child process on "
        f"127.0.0.1, each run under its own path (every page new to it); archive of the fixture + "
        f"{SYNTHETIC_ARTICLES} synthetic articles in PostgreSQL 15 (a database of its own); broker: our "
        "own redis-server 7 (no persistence); each worker a `compliance worker` (1 process, prefork), "
        f"warmed up with {WARM_UP_PAGES} pages per worker before timing; delay 0",
        "time: from `Archive.scan` sending the scan to its end in the database (polled every 0.5 s);"
        " CPU seconds from /proc during the timed scan; cores busy = all that CPU / the run's seconds;"
        " one run each (not a median)",
        f"the disk: writing and fsyncing 20 KB took {fsync:.1f} ms (median of 40) in the run's folder",
    ]
    print(header("Scan throughput with Celery workers", "worker_bench.py", notes))
    print(
        table(
            [
                "run",
                "pages",
                "seconds",
                "pages/s",
                "vs embedded",
                "workers' CPU",
                "PostgreSQL CPU",
                "Redis CPU",
                "cores busy",
            ],
            rows,
        )
    )
    rates = [float(row[3]) for row in rows]
    print(f"\nmedian pages/s over the worker runs: {statistics.median(rates[1:]):.1f}")


if __name__ == "__main__":
    main()
