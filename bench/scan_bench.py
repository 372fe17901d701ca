"""Scan throughput: a locally served site of 2,000 pages scanned end to end, against `check --url`.

In: a site served on 127.0.0.1 by a child process (so that serving costs the scanner nothing):
a sitemap listing 2,000 pages, one in five a copy of a fixture article (fixtures/archive) inside
synthetic French text (bench/corpus.py), the others synthetic pages; an archive of the fixture
articles plus 1,000 synthetic ones. Out: a Markdown section with

  (a) `compliance scan` (Archive.scan, delay 0, the scanner pinned to one core): pages/s end to
      end, and the time split between fetch, extract, check and store (capture + findings);
  (b) side by side in the same run: `compliance check --url` run page by page as a subprocess
      on a sample of the same pages (the reference), pages/s.

Targets: >= 40 pages/s on one core, and >= 10x the page-by-page CLI.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from common import REPO, header, table, verdict
from corpus import FrenchNews

import compliance.scans.page as page_module
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import ArticleInput, Site
from compliance.settings import Settings

PAGES = 2000
COPY_EVERY = 5
SYNTHETIC_ARTICLES = 1000
CLI_SAMPLE = 20


def build_pages(count: int) -> dict[str, bytes]:
    """Path → HTML: copies of fixture articles inside synthetic text, and synthetic pages."""
    lines = (REPO / "fixtures" / "archive" / "articles.jsonl").read_text("utf-8").splitlines()
    bodies = [json.loads(line)["body"] for line in lines if line.strip()]
    model, rng = FrenchNews(seed=7), random.Random(7)
    pages = {}
    for i in range(count):
        around = model.text(rng, 150)
        text = bodies[i % len(bodies)] if i % COPY_EVERY == 0 else model.text(rng, 500)
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in (*text.split("\n\n"), around))
        pages[f"/p/{i}.html"] = (
            f"<html><head><title>Page {i}</title></head><body><article><h1>Page {i}</h1>"
            f"{paragraphs}</article></body></html>"
        ).encode()
    return pages


def serve(pages: dict[str, bytes], port: Any) -> None:
    """The site, in a child process: pages, a sitemap listing them, no robots.txt."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            body = pages.get(self.path)
            status = 200 if body is not None else 404
            kind = "application/xml" if self.path.endswith(".xml") else "text/html; charset=utf-8"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    urls = "".join(f"<url><loc>{base}{path}</loc></url>" for path in pages if path.startswith("/p/"))
    pages["/sitemap.xml"] = (
        f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    ).encode()
    port.value = server.server_address[1]
    server.serve_forever()


def timed(name: str, function: Callable[..., Any], spent: dict[str, float]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[name] += time.perf_counter() - start

    return wrapper


def scan_once(settings: Settings, base: str) -> tuple[float, dict[str, float], dict[str, int], int]:
    """One scan of the whole site: seconds, time per stage, counts, new matches."""
    spent: dict[str, float] = defaultdict(float)
    page_module.fetch = timed("fetch", page_module.fetch, spent)
    page_module.page_from_fetch = timed("extract", page_module.page_from_fetch, spent)
    page_module.store_page = timed("store: capture (WARC, fsync) and its row", page_module.store_page, spent)
    page_module.record = timed("store: findings, sightings, outcome", page_module.record, spent)
    with Archive(settings) as archive:
        archive.check_text = timed("check", archive.check_text, spent)  # type: ignore[method-assign]
        archive.add_site(Site("bench", (base + "/sitemap.xml",), depth=0, page_limit=10**6, delay=0))
        archive.sync_index()
        start = time.perf_counter()
        report = archive.scan(["bench"])
        seconds = time.perf_counter() - start
    return seconds, dict(spent), dict(report.sites[0].counts), len(report.matches)


def cli_reference(env: dict[str, str], base: str, sample: int, pages: int) -> float:
    """Seconds per page of `compliance check --url` run page by page, as a subprocess."""
    start = time.perf_counter()
    for i in range(sample):
        url = f"{base}/p/{i * 97 % pages}.html"
        command = [sys.executable, "-m", "compliance", "check", "--url", url, "--json"]
        subprocess.run(command, env=env, check=True, capture_output=True)
    return (time.perf_counter() - start) / sample


def _without_date(record: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in record.items() if name != "published_at"}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=PAGES)
    args = parser.parse_args(argv)
    pages = build_pages(args.pages)
    port = multiprocessing.Value("i", 0)
    server = multiprocessing.Process(target=serve, args=(pages, port), daemon=True)
    server.start()
    while not port.value:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port.value}"
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # the scanner on one core
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "COMPLIANCE_DATABASE_URL": f"sqlite:///{folder}/bench.db",
            "COMPLIANCE_EVIDENCE_DIR": f"{folder}/evidence",
            "COMPLIANCE_FETCH_ALLOW_HOSTS": f"127.0.0.1:{port.value}",
        }
        settings = Settings.from_env(env)
        with Archive(settings) as archive:
            archive.ingest(read_paths([REPO / "fixtures" / "archive"], settings))
            model = FrenchNews(seed=11)
            archive.ingest(ArticleInput(**_without_date(model.record(n))) for n in range(SYNTHETIC_ARTICLES))
        seconds, spent, counts, matches = scan_once(settings, base)
        per_cli = cli_reference(env, base, CLI_SAMPLE, args.pages)
    server.terminate()
    rate, cli_rate = counts["fetched"] / seconds, 1 / per_cli
    print(
        header(
            "Scan throughput: one site of 2,000 pages",
            "scan_bench.py",
            [
                f"{args.pages} pages (one in {COPY_EVERY} a copy of a fixture article), served by a child "
                f"process on 127.0.0.1; archive of 22 fixture + {SYNTHETIC_ARTICLES} synthetic articles; "
                "SQLite; delay 0; the scanner pinned to one core",
            ],
        )
    )
    rows = [[stage, f"{spent.get(stage, 0.0):.1f} s", f"{spent.get(stage, 0.0) / seconds:.0%}"]
            for stage in spent]  # fmt: skip
    rest = seconds - sum(spent.values())
    rows.append(
        ["rest: discovery, robots, outcomes of pages, lease", f"{rest:.1f} s", f"{rest / seconds:.0%}"]
    )
    print(table(["stage", "time", "share"], rows))
    print()
    print(
        table(
            ["run", "pages", "seconds", "pages/s", "target"],
            [
                [
                    "`compliance scan` (Archive.scan)",
                    counts["fetched"],
                    f"{seconds:.1f}",
                    f"{rate:.1f}",
                    f"{verdict(rate >= 40)} >= 40",
                ],
                [
                    f"`check --url` page by page (subprocess, {CLI_SAMPLE} pages)",
                    CLI_SAMPLE,
                    f"{per_cli * CLI_SAMPLE:.1f}",
                    f"{cli_rate:.2f}",
                    "",
                ],
                ["ratio", "", "", f"{rate / cli_rate:.0f}x", f"{verdict(rate / cli_rate >= 10)} >= 10x"],
            ],
        )
    )
    print(f"\nmatches found: {matches} new findings; counts: {counts}")


if __name__ == "__main__":
    main()
