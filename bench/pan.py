"""PAN text-alignment benchmark: the product's aligner on a PAN corpus, scored with plagdet.

    python bench/pan.py CORPUS_DIR --out OUT_DIR [--sample N]

For every line "suspicious-documentXXXXX.txt source-documentYYYYY.txt" of CORPUS_DIR/pairs, the
source document is aligned as the *article* and the suspicious document as the *page*, with the
very function `compliance align` calls (`compliance.pipeline.align_texts`, default settings), and
the passages are written to OUT_DIR/suspicious-documentXXXXX-source-documentYYYYY.xml in PAN's
detection format. When the subcorpus folders (01-no-plagiarism … 05-summary-obfuscation) hold
truth files, precision, recall, granularity and plagdet are printed per subcorpus and overall,
with the share of no-plagiarism pairs that got any detection.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from plagdet import Annotation, Measures, evaluate, read_annotations, write_detections

from compliance.pipeline import align_texts
from compliance.settings import Settings

NEGATIVES = "01-no-plagiarism"


@dataclass(frozen=True, slots=True)
class Pair:
    susp: str
    src: str
    subcorpus: str  # "" when the corpus has no truth folders

    @property
    def stem(self) -> str:
        return f"{Path(self.susp).stem}-{Path(self.src).stem}"


def read_pairs(corpus: Path) -> list[Pair]:
    """Every pair of CORPUS/pairs, with the subcorpus whose `pairs` file lists it."""
    subcorpus_of: dict[tuple[str, str], str] = {}
    for folder in sorted(p for p in corpus.iterdir() if p.is_dir() and (p / "pairs").is_file()):
        for line in (folder / "pairs").read_text(encoding="utf-8").splitlines():
            if line.strip():
                susp, src = line.split()
                subcorpus_of[(susp, src)] = folder.name
    pairs = []
    for line in (corpus / "pairs").read_text(encoding="utf-8").splitlines():
        if line.strip():
            susp, src = line.split()
            pairs.append(Pair(susp, src, subcorpus_of.get((susp, src), "")))
    return pairs


def sample(pairs: list[Pair], per_subcorpus: int) -> list[Pair]:
    """A fixed, evenly spread sample: `per_subcorpus` pairs of each subcorpus, in corpus order."""
    groups: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        groups[pair.subcorpus].append(pair)
    chosen: list[Pair] = []
    for group in groups.values():
        step = max(1.0, len(group) / per_subcorpus)
        chosen.extend(group[int(k * step)] for k in range(min(per_subcorpus, len(group))))
    return chosen


@lru_cache(maxsize=64)
def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def detect(corpus: Path, pair: Pair, settings: Settings) -> list[Annotation]:
    """The product's passages for one pair, as PAN detections (source = article, suspicious = page)."""
    source = _read(corpus / "src" / pair.src)
    suspicious = _read(corpus / "susp" / pair.susp)
    return [
        Annotation(
            pair.susp,
            pair.src,
            p.page_start,
            p.page_end - p.page_start,
            p.article_start,
            p.article_end - p.article_start,
        )
        for p in align_texts(source, suspicious, settings)
    ]


def truth(corpus: Path, pair: Pair) -> list[Annotation] | None:
    """The pair's true cases, or None when the corpus has no truth file for it."""
    path = corpus / pair.subcorpus / f"{pair.stem}.xml"
    if not pair.subcorpus or not path.is_file():
        return None
    return [a for a in read_annotations(path, "plagiarism") if a.src == pair.src]


@dataclass
class Tally:
    """Cases and detections gathered for one subcorpus."""

    cases: list[Annotation]
    detections: list[Annotation]
    pairs: int = 0
    flagged_pairs: int = 0  # pairs with at least one detection

    def measures(self) -> Measures:
        return evaluate(self.cases, self.detections)


def run(
    corpus: Path, pairs: list[Pair], settings: Settings, out: Path | None = None, progress: bool = False
) -> dict[str, Tally]:
    """Align every pair, write its detections when `out` is given, and tally by subcorpus."""
    tallies: dict[str, Tally] = defaultdict(lambda: Tally([], []))
    for pair in _progress(pairs, progress):
        detections = detect(corpus, pair, settings)
        if out is not None:
            write_detections(out / f"{pair.stem}.xml", pair.susp, detections)
        cases = truth(corpus, pair)
        if cases is None:
            continue
        tally = tallies[pair.subcorpus]
        tally.cases.extend(cases)
        tally.detections.extend(detections)
        tally.pairs += 1
        tally.flagged_pairs += bool(detections)
    return dict(tallies)


def _progress(items: list[Pair], show: bool) -> Iterator[Pair]:
    """Yield the items, drawing a progress bar on stderr (a plain line now and then if not a TTY)."""
    total, started, tty = len(items), time.monotonic(), sys.stderr.isatty()
    last_line = 0.0
    for done, item in enumerate(items, 1):
        yield item
        if not show:
            continue
        elapsed = time.monotonic() - started
        if tty and (done == total or done % 10 == 0):
            filled = int(30 * done / total)
            eta = elapsed / done * (total - done)
            sys.stderr.write(
                f"\r[{'#' * filled}{'.' * (30 - filled)}] {done}/{total} "
                f"{elapsed:6.1f}s elapsed, {eta:5.1f}s left"
            )
            sys.stderr.flush()
        elif not tty and (elapsed - last_line >= 10 or done == total):
            last_line = elapsed
            sys.stderr.write(f"{done}/{total} pairs, {elapsed:.1f}s\n")
    if show and tty:
        sys.stderr.write("\n")


def report(tallies: dict[str, Tally]) -> Iterable[str]:
    """The table of measures, one line per subcorpus and one for the whole corpus."""
    yield (
        f"{'subcorpus':28} {'pairs':>6} {'cases':>6} {'dets':>6} {'prec':>7} {'rec':>7} "
        f"{'gran':>7} {'plagdet':>8}"
    )
    everything = Tally([], [])
    for name in sorted(tallies):
        tally = tallies[name]
        everything.cases += tally.cases
        everything.detections += tally.detections
        everything.pairs += tally.pairs
        everything.flagged_pairs += tally.flagged_pairs
        if name == NEGATIVES:
            share = tally.flagged_pairs / tally.pairs if tally.pairs else 0.0
            yield (
                f"{name:28} {tally.pairs:6d} {0:6d} {len(tally.detections):6d}   pairs with a "
                f"detection: {tally.flagged_pairs} ({share:.1%})"
            )
        else:
            yield _line(name, tally)
    yield _line("entire corpus", everything)


def _line(name: str, tally: Tally) -> str:
    m = tally.measures()
    return (
        f"{name:28} {tally.pairs:6d} {m.cases:6d} {m.detections:6d} {m.precision:7.4f} "
        f"{m.recall:7.4f} {m.granularity:7.4f} {m.plagdet:8.4f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="PAN corpus folder (pairs, src/, susp/, truth folders)")
    parser.add_argument("--out", type=Path, help="folder for the detection XML files")
    parser.add_argument("--sample", type=int, help="only this many pairs per subcorpus (evenly spread)")
    args = parser.parse_args(argv)
    if not (args.corpus / "pairs").is_file():
        parser.error(f"{args.corpus / 'pairs'} not found")
    pairs = read_pairs(args.corpus)
    if args.sample:
        pairs = sample(pairs, args.sample)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    tallies = run(args.corpus, pairs, Settings(), args.out, progress=True)
    elapsed = time.monotonic() - started
    print(f"{len(pairs)} pairs aligned in {elapsed:.1f}s ({1000 * elapsed / max(1, len(pairs)):.1f} ms/pair)")
    if tallies:
        for line in report(tallies):
            print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
