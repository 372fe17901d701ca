"""The cost of checking the whole visible page against checking its main text only.

In: the archive of check_bench.py (N synthetic French articles, default 20,000, built once and
cached under bench/out/), and P generated HTML pages of one site: an 800-word article (unrelated
generated text) in <main>, then the rest of a news page: a menu, an « À lire aussi » sidebar of
three teasers, four readers' comments and the site's footer and newsletter box (the same on every
page). One teaser of each page is a 60-word excerpt of a random archive article: a copy outside
the main text. Out: a Markdown section with, page by page in the same run (medians over pages):

  - extraction (`html.extract_page`: trafilatura and the visible lines, one pass for both);
  - main only: `Archive.check_text(main text)`, as URL checks did before;
  - whole page: the line keys of the host's latest 200 captures (one query on a SQLite store that
    also holds other hosts' captures), composing the stored text (page_text.compose), finding
    and blanking the boilerplate (boilerplate.boilerplate_spans, page_text.checked_text), and
    `Archive.check_text` of that text;
  - the reference: datasketch's per-token update() MinHash of the same whole text;
  - whether the hidden excerpt was found, by each.

The ratio whole ÷ main is the figure to compare across runs (the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import itertools
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from check_bench import ensure_archive
from common import OUT, header, median, ms, percentile, progress, table, token_loop_minhash
from corpus import FrenchNews

from compliance.capture.boilerplate import boilerplate_spans, pack, rest_keys, unpack
from compliance.capture.html import extract_page
from compliance.capture.page_text import checked_text, compose
from compliance.pipeline import Archive
from compliance.records import Capture, CaptureKind
from compliance.settings import Settings
from compliance.store import Store

HOST = "copies.example"
EXCERPT_WORDS = 60


def site_chrome(news: FrenchNews) -> tuple[str, str]:
    """The menu and the footer every page of the site repeats."""
    rng = random.Random("chrome")
    menu = "".join(f"<li><a href='/r/{i}'>{news.text(rng, 2)}</a></li>" for i in range(8))
    boxes = "".join(f"<p>{news.text(rng, 30)}</p>" for _ in range(3))
    footer = f"<footer><div class='newsletter'>{boxes}</div><p>© Copies, tous droits réservés.</p></footer>"
    return f"<header><nav class='menu'><ul>{menu}</ul></nav></header>", footer


def make_page(news: FrenchNews, number: int, articles: int, chrome: tuple[str, str]) -> tuple[str, str]:
    """An HTML page of the site and the url of the archive article a teaser copies."""
    rng = random.Random(f"wholepage:{number}")
    source = rng.randrange(articles)
    words = news.article(source).split()
    start = rng.randrange(max(len(words) - EXCERPT_WORDS, 1))
    teasers = [news.text(rng, 40) for _ in range(3)]
    teasers[rng.randrange(3)] = " ".join(words[start : start + EXCERPT_WORDS])
    paragraphs = "".join(f"<p>{news.text(rng, 160)}</p>" for _ in range(5))
    comments = "".join(f"<div class='commentaire'><p>{news.text(rng, 50)}</p></div>" for _ in range(4))
    html = (
        f"<html><head><title>Page {number}</title></head><body>{chrome[0]}"
        f"<main><article><h1>{news.text(rng, 10)}</h1>{paragraphs}</article></main>"
        "<aside class='a-lire-aussi'><h2>À lire aussi</h2>"
        + "".join(f"<div class='teaser'><p>{t}</p></div>" for t in teasers)
        + f"</aside><section id='commentaires'>{comments}</section>{chrome[1]}</body></html>"
    )
    return html, news.record(source)["url"]


def host_store(folder: Path, pages: list[str], others: int) -> Store:
    """A store holding 200 earlier captures of the host (their line keys) and `others` of other hosts."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    store = Store(Settings(database_url=f"sqlite:///{folder / 'captures.db'}"))
    wholes = [compose(page.text, page.blocks) for page in map(extract_page, pages)]
    for n in range(others + 200):
        whole = wholes[n % len(wholes)]
        host = HOST if n >= others else f"other-{n % 50}.example"
        keys = rest_keys(whole.text, whole.blocks)
        store.add_capture(_capture(f"https://{host}/earlier/{n}", whole.text, host, keys))
    return store


def _capture(url: str, text: str, host: str, keys: list[int]) -> Capture:
    return Capture(
        sha256="0" * 64,
        warc_path="bench.warc.gz",
        kind=CaptureKind.URL,
        requested_url=url,
        final_url=url,
        redirects=(),
        status=200,
        headers={},
        server_ip="127.0.0.1",
        fetched_at=datetime.now(UTC),
        tool_version="bench",
        content_type="text/html",
        text=text,
        host=host,
        line_keys=pack(keys),
    )


def measure(archive: Archive, store: Store, html: str, source: str, limit: int) -> dict[str, Any]:
    """One page: each step's seconds and whether each check found the copied article."""
    marks = [time.perf_counter()]
    page = extract_page(html, url=f"https://{HOST}/new")
    marks.append(time.perf_counter())
    main = archive.check_text(page.text)
    marks.append(time.perf_counter())
    seen: set[int] = set()
    for keys in store.host_line_keys(HOST, f"https://{HOST}/new", f"https://{HOST}/new", limit):
        seen |= unpack(keys)
    marks.append(time.perf_counter())
    whole = compose(page.text, page.blocks)
    spans = boilerplate_spans(whole.text, whole.blocks, seen)
    text = checked_text(whole.text, {"boilerplate": spans})
    marks.append(time.perf_counter())
    found = archive.check_text(text)
    marks.append(time.perf_counter())
    token_loop_minhash(whole.text)
    marks.append(time.perf_counter())
    steps = [b - a for a, b in itertools.pairwise(marks)]
    return {
        "extract": steps[0],
        "main": steps[1],
        "keys": steps[2],
        "compose": steps[3],
        "whole_check": steps[4],
        "whole": steps[2] + steps[3] + steps[4],
        "reference": steps[5],
        "main_found": any(m.article.url == source for m in main),
        "whole_found": any(m.article.url == source for m in found),
        "main_words": len(page.text.split()),
        "whole_words": len(whole.text.split()),
        "blanked": sum(end - start for start, end in spans) / max(len(whole.text) - whole.main_end, 1),
    }


def run(args: argparse.Namespace) -> str:
    news = FrenchNews(seed=args.seed)
    settings, meta = ensure_archive(args, news)
    chrome = site_chrome(news)
    pages = [make_page(news, n, args.articles, chrome) for n in range(args.warmup + args.pages)]
    progress(f"storing {args.other_captures:,} captures of other hosts and 200 of the page's host …")
    earlier = [make_page(news, 10**6 + n, args.articles, chrome)[0] for n in range(20)]  # other pages
    store = host_store(OUT / "wholepage-captures", earlier, args.other_captures)
    with Archive(settings) as archive, store:
        for html, source in pages[: args.warmup]:
            measure(archive, store, html, source, settings.boilerplate_captures)
        progress(f"checking {args.pages} pages, main text only and whole page …")
        rows = [measure(archive, store, h, s, settings.boilerplate_captures) for h, s in pages[args.warmup :]]
    return report(args, meta, rows)


def report(args: argparse.Namespace, meta: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    def col(name: str) -> list[float]:
        return [row[name] for row in rows]

    ratio = median([row["whole"] / row["main"] for row in rows])
    lines = [
        header("Whole visible page against main text only", "wholepage_bench.py"),
        f"{args.articles:,} articles in the archive (built in {meta['build_seconds']:.0f} s); "
        f"{args.pages} pages after {args.warmup} warm-up pages; main text median "
        f"{median(col('main_words')):.0f} words, whole page {median(col('whole_words')):.0f} words; "
        f"{args.other_captures:,} captures of other hosts in the store; "
        f"share of the rest of the page blanked as boilerplate: median {median(col('blanked')):.0%}.",
        "",
        table(
            ["step, per page", "p50", "p90", "p99"],
            [
                [name, ms(median(col(key))), ms(percentile(col(key), 90)), ms(percentile(col(key), 99))]
                for name, key in (
                    ("extraction (trafilatura + visible lines, shared)", "extract"),
                    ("check of the main text only", "main"),
                    ("whole page: the host's line keys (latest 200 captures, one query)", "keys"),
                    ("whole page: compose, find and blank the boilerplate", "compose"),
                    ("whole page: check of the composed text", "whole_check"),
                    ("whole page: everything after extraction", "whole"),
                    ("reference: datasketch per-token MinHash of the whole text", "reference"),
                )
            ],
        ),
        "",
        f"- whole ÷ main, per page, median: **{ratio:.2f}×**; whole ÷ reference: "
        f"{median([r['whole'] / r['reference'] for r in rows]):.2f}×, main ÷ reference: "
        f"{median([r['main'] / r['reference'] for r in rows]):.2f}×",
        f"- excerpt in a sidebar teaser found: main text only {sum(col('main_found')):.0f}/{len(rows)}, "
        f"whole page {sum(col('whole_found')):.0f}/{len(rows)}",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000, help="archive size (default 20000)")
    parser.add_argument("--pages", type=int, default=100, help="pages timed (default 100)")
    parser.add_argument("--warmup", type=int, default=10, help="pages checked first, not timed (default 10)")
    parser.add_argument("--other-captures", type=int, default=2_000, help="other hosts' captures (2000)")
    parser.add_argument("--chunk", type=int, default=10_000, help="articles per ingest call (default 10000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archive")
    sys.stdout.write(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
