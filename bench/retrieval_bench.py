"""Retrieval design: our passage index (window minima) against datasketch's MinHashLSH, same data.

In: one synthetic archive of French articles (default 2,000; bench/corpus.py) and the same pages
for every method: 1,500 words hiding an excerpt of 10, 15, 20, 30, 60 or 120 words of a random
article, or a 60-word excerpt with one word in ten changed. Out: a Markdown section with, per
method, the recall (the source article among the candidates), the mean number of candidates per
page, the query time p50, the index build time and the index size in bytes per article.

  A        compliance.detect.index: the minimum shingle hash of every window of 8 shingles (winnowing),
           queried with the page's minima; candidates = the top `max_candidates` articles
  A+check  `Archive.check_text` on the same archive in SQLite: A, then alignment and the verdict;
           "recall" = the source is reported with passages overlapping the hidden span
  B        the textbook alternative: datasketch MinHashLSH over passage windows of each article
           (24 shingles, stride 12), queried with every window of the page (stride 4)
  C        datasketch MinHashLSH over whole articles, queried with the whole page's MinHash

B and C use the same normalized word 3-shingles, hashed once each with datasketch's SHA-1 hash
(a favour to B: a window does not hash its shingles again). Methods run page by page in turn.
"""

from __future__ import annotations

import argparse
import pickle
import random
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from common import NUM_PERM, header, number, percentile, progress, shingles, table
from corpus import FrenchNews, page_with_excerpt
from datasketch import MinHash, MinHashLSH
from datasketch.hashfunc import sha1_hash32

from compliance.detect.fingerprint import fingerprint, shingle_hashes, window_minima
from compliance.detect.index import PassageIndex
from compliance.detect.normalize import tokenize
from compliance.pipeline import Archive
from compliance.records import ArticleInput, Fingerprint, StoredFingerprint
from compliance.settings import Settings

EXCERPTS = ((10, 0), (15, 0), (20, 0), (30, 0), (60, 0), (120, 0), (60, 10))  # (words, edit every)
METHODS = ("A", "A+check", "B", "C")


# --- A: our passage index, in memory ------------------------------------------------------------


class MemorySource:
    """The fingerprints of the archive, as the index reads them from storage (ids 1…N)."""

    def __init__(self, fingerprints: Sequence[Fingerprint]) -> None:
        self.fingerprints = fingerprints

    def fingerprint_state(self) -> tuple[int, int]:
        return len(self.fingerprints), 0  # (highest id, highest removal id): nothing is removed

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> Iterator[StoredFingerprint]:
        for number_ in range(last_id + 1, len(self.fingerprints) + 1):
            yield StoredFingerprint(number_, number_, self.fingerprints[number_ - 1])

    def fingerprint_removals_after(self, last_removal: int) -> list[tuple[int, int]]:
        return []

    def live_fingerprint_ids(self) -> np.ndarray:
        return np.arange(1, len(self.fingerprints) + 1, dtype=np.int64)


class PassageMethod:
    """A: window minima of the page → the articles sharing the most of them."""

    def __init__(self, bodies: Sequence[str], settings: Settings) -> None:
        self.settings = settings
        self.index = PassageIndex(None, settings.fingerprint_params())
        self.index.sync(MemorySource([fingerprint(body, settings) for body in bodies]))

    def size(self) -> int:
        return sum(s.nbytes for s in self.index.segments)

    def query(self, page: str) -> set[int]:
        """Article numbers (0-based) of the candidates."""
        s = self.settings
        minima = window_minima(shingle_hashes(tokenize(page).hashes, s.shingle_size), s.window)
        return {c.article_id - 1 for c in self.index.query(minima, s.max_df, s.max_candidates)}


# --- B and C: datasketch MinHashLSH -------------------------------------------------------------


def _identity(value: Any) -> Any:
    return value


def shingle_hashes32(text: str) -> np.ndarray:
    """datasketch's default SHA-1 hash of every normalized word 3-shingle, once each."""
    return np.fromiter(map(sha1_hash32, shingles(text)), dtype=np.uint32)


def window_starts(count: int, size: int, stride: int) -> list[int]:
    """Window starts every `stride` shingles, plus one that ends at the last shingle."""
    if count <= size:
        return [0]
    starts = list(range(0, count - size + 1, stride))
    return starts if starts[-1] == count - size else [*starts, count - size]


class LshMethod:
    """B (window > 0): MinHashLSH over article windows; C (window 0): over whole articles."""

    def __init__(
        self, bodies: Sequence[str], threshold: float, window: int = 0, stride: int = 0, query_stride: int = 0
    ) -> None:
        self.window, self.stride, self.query_stride = window, stride, query_stride
        self.template = MinHash(num_perm=NUM_PERM, hashfunc=_identity)
        self.lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
        for number_, body in enumerate(bodies):
            for key, sketch in self._sketches(shingle_hashes32(body), self.stride):
                self.lsh.insert((number_, key), sketch, check_duplication=False)

    def _sketches(self, hashes: np.ndarray, stride: int) -> Iterator[tuple[int, MinHash]]:
        parts = (
            [hashes[s : s + self.window] for s in window_starts(len(hashes), self.window, stride)]
            if self.window
            else [hashes]
        )
        for key, part in enumerate(parts):
            sketch = self.template.copy()
            sketch.update_batch(part)
            yield key, sketch

    def size(self) -> int:
        return len(pickle.dumps(self.lsh, protocol=pickle.HIGHEST_PROTOCOL))

    def query(self, page: str) -> set[int]:
        found: set[int] = set()
        for _, sketch in self._sketches(shingle_hashes32(page), self.query_stride):
            found.update(article for article, _ in self.lsh.query(sketch))
        return found


# --- A+check: the product, on SQLite --------------------------------------------------------------


class CheckMethod:
    """`Archive.check_text` on the same articles stored in SQLite."""

    def __init__(self, bodies: Sequence[str], folder: Path) -> None:
        self.archive = Archive(Settings(database_url=f"sqlite:///{folder / 'retrieval.db'}"))
        inputs = [ArticleInput(url=self._url(n), body=body) for n, body in enumerate(bodies)]
        report = self.archive.ingest(inputs)
        if report.failed or report.ingested != len(bodies):
            raise SystemExit(f"ingest failed: {report}")
        self.numbers = {a.id: int(a.url.rsplit("/", 1)[1]) for a in self.archive.store.iter_articles()}
        self.folder = folder

    @staticmethod
    def _url(number_: int) -> str:
        return f"https://www.bench-gazette.example/retrieval/{number_}"

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.archive.settings.index_path.rglob("*") if p.is_file())

    def query(self, page: str, span: tuple[int, int]) -> tuple[set[int], bool, int]:
        """(articles reported, whether one of them has passages overlapping `span`, how many)."""
        start, end = span
        reported: set[int] = set()
        overlapping: set[int] = set()
        for match in self.archive.check_text(page):
            number_ = self.numbers[match.article.id]
            reported.add(number_)
            if any(p.page_start < end and start < p.page_end for p in match.passages):
                overlapping.add(number_)
        return reported, bool(overlapping), len(reported)


# --- the runs -----------------------------------------------------------------------------------


@dataclass
class Tally:
    hits: int = 0
    candidates: int = 0
    times: list[float] = field(default_factory=list)


def build_all(bodies: Sequence[str], args: argparse.Namespace, folder: Path) -> tuple[dict, dict]:
    settings = Settings()
    makers = {
        "A": lambda: PassageMethod(bodies, settings),
        "A+check": lambda: CheckMethod(bodies, folder),
        "B": lambda: LshMethod(bodies, args.window_threshold, args.window, args.stride, args.query_stride),
        "C": lambda: LshMethod(bodies, args.article_threshold),
    }
    methods, builds = {}, {}
    for name, make in makers.items():
        start = time.perf_counter()
        methods[name] = make()
        builds[name] = time.perf_counter() - start
        progress(f"built {name} in {builds[name]:.1f} s")
    return methods, builds


# (excerpt words, edit every) → pages, each (text, excerpt span, index of the source body)
Pages = dict[tuple[int, int], list[tuple[str, tuple[int, int], int]]]


def make_pages(bodies: Sequence[str], news: FrenchNews, args: argparse.Namespace) -> Pages:
    rng = random.Random(f"retrieval:{args.seed}")
    pages: Pages = {}
    for words, every in EXCERPTS:
        pages[words, every] = []
        for _ in range(args.pages):
            source = rng.randrange(len(bodies))
            page, span = page_with_excerpt(
                bodies[source], words, args.page_words, rng, edit_every=every, model=news
            )
            pages[words, every].append((page, span, source))
    return pages


def query_all(methods: dict, pages: dict) -> dict:
    tallies = {(setting, name): Tally() for setting in pages for name in METHODS}
    for setting, items in pages.items():
        for page, span, source in items:
            for name in METHODS:
                start = time.perf_counter()
                if name == "A+check":
                    found, hit, count = methods[name].query(page, span)
                else:
                    found = methods[name].query(page)
                    hit, count = source in found, len(found)
                tally = tallies[setting, name]
                tally.times.append(time.perf_counter() - start)
                tally.hits += hit
                tally.candidates += count
        progress(
            f"queried {len(items)} pages with excerpts of {setting[0]} words"
            + (f", 1 in {setting[1]} changed" if setting[1] else "")
        )
    return tallies


def run(args: argparse.Namespace) -> str:
    news = FrenchNews(seed=args.seed)
    bodies = list(news.articles(args.articles, start=args.first))
    with tempfile.TemporaryDirectory(prefix="retrieval-bench-") as folder:
        methods, builds = build_all(bodies, args, Path(folder))
        sizes = {name: method.size() for name, method in methods.items()}
        pages = make_pages(bodies, news, args)
        tallies = query_all(methods, pages)
        bands = {name: (methods[name].lsh.b, methods[name].lsh.r) for name in ("B", "C")}
        methods["A+check"].archive.close()
    return report(args, builds, sizes, bands, tallies, pages)


def report(
    args: argparse.Namespace, builds: dict, sizes: dict, bands: dict, tallies: dict, pages: dict
) -> str:
    n, s = args.articles, Settings()
    described = {
        "A": f"window minima: {s.shingle_size}-word shingles, window {s.window} shingles (any shared run of "
        f"{s.window + s.shingle_size - 1} words shares a minimum), max_df {s.max_df}, top "
        f"{s.max_candidates}; fingerprint() + in-memory PassageIndex",
        "A+check": "A stored: `Archive.ingest` into SQLite (bodies, fingerprints, index files); "
        "size = index files only",
        "B": f"MinHashLSH over windows of {args.window} shingles, stride {args.stride} (query stride "
        f"{args.query_stride}), num_perm {NUM_PERM}, threshold {args.window_threshold} "
        f"(b={bands['B'][0]}, r={bands['B'][1]}); size = pickled index",
        "C": f"MinHashLSH over whole articles, num_perm {NUM_PERM}, threshold {args.article_threshold} "
        f"(b={bands['C'][0]}, r={bands['C'][1]}); size = pickled index",
    }
    build_rows = [
        [name, described[name], f"{builds[name]:.1f} s", number(n / builds[name]), number(sizes[name] / n)]
        for name in METHODS
    ]
    rows = []
    for setting in pages:
        words, every = setting
        label = f"{words} words" + (f", 1 in {every} changed" if every else "")
        row = [label]
        for name in METHODS:
            t = tallies[setting, name]
            count = len(t.times)
            row += [
                f"{t.hits / count:.0%}",
                f"{t.candidates / count:.1f}",
                f"{percentile(t.times, 50) * 1000:.1f}",
            ]
        rows.append(row)
    measures = ("recall", "cand.", "p50 ms")
    head = ["hidden excerpt"] + [f"{name} {what}" for name in METHODS for what in measures]
    notes = [
        f"archive: {n:,} synthetic French articles (bench/corpus.py, seed {args.seed}); pages: "
        f"{args.page_words:,} words with the excerpt at a random word boundary, {args.pages} pages per "
        "row, the same pages for every method, methods run in turn on each page",
        "recall: the source article is among the candidates (A, B, C); for A+check it is reported by "
        "`check_text` with passages overlapping the hidden span (a verdict needs ≥ "
        f"{s.min_match_words} reproduced words: shorter excerpts are found only when the aligner's "
        "passage reaches past them); cand.: candidates per page (A+check: articles reported, the "
        "source included); p50: query time, page text in, candidates (or matches) out",
    ]
    return "\n".join(
        [
            header(f"Retrieval: passage index vs MinHashLSH, {n:,} articles", "retrieval_bench.py", notes),
            table(["method", "parameters", "index build", "articles/s", "index bytes / article"], build_rows),
            "",
            table(head, rows),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000, help="archive size (default 2000)")
    parser.add_argument("--pages", type=int, default=100, help="pages per excerpt length (default 100)")
    parser.add_argument("--page-words", type=int, default=1500, help="page length in words (default 1500)")
    parser.add_argument("--window", type=int, default=24, help="B: shingles per window (default 24)")
    parser.add_argument("--stride", type=int, default=12, help="B: article window stride (default 12)")
    parser.add_argument("--query-stride", type=int, default=4, help="B: page window stride (default 4)")
    parser.add_argument("--window-threshold", type=float, default=0.5, help="B: LSH threshold (default 0.5)")
    parser.add_argument("--article-threshold", type=float, default=0.3, help="C: LSH threshold (default 0.3)")
    parser.add_argument("--first", type=int, default=0, help="number of the first article (default 0)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    print(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
