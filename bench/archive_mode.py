"""Archive-mode benchmark: PAN's source documents as our archive, each suspicious document checked
against all of it, as a page is checked in production (retrieval, then alignment).

    python bench/archive_mode.py CORPUS_DIR [--sample N] [--compare] [--pairwise]

Every source document of CORPUS_DIR/src is ingested into a real `Archive` (SQLite and a passage
index in a temporary folder). The suspicious documents of N pairs per subcorpus (evenly spread, as
bench/pan.py samples them; all pairs without --sample) are then checked with `Archive.check_text`'s
own function, once per retrieval setting: window minima alone, bag keys alone, both. Reported per
subcorpus:

* document recall: the share of pairs (suspicious, source) whose source is among the check's
  matches; for 01-no-plagiarism, the share of those pairs whose source is matched (false) and the
  share of no-plagiarism documents (suspicious documents of no other subcorpus) that get any match;
* candidate recall: the share of pairs whose source reached the aligner (what retrieval alone loses);
* check latency, median and 95th percentile per suspicious document.

--pairwise puts the pairwise alignment's recall beside it (bench/pan.py: the source handed to the
aligner directly; a pair counts when it gets any passage). --compare adds the retrieval design
comparison: bag windows of other sizes and content words of other lengths, each on its own index.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import common
import numpy as np
import pan
from bm25_retrieval import Bm25Index

from compliance.detect.arrays import distinct
from compliance.detect.fingerprint import shingle_hashes
from compliance.detect.index import Decoded, PassageIndex
from compliance.detect.normalize import token_hashes
from compliance.matching import check_page
from compliance.pipeline import Archive
from compliance.records import ArticleInput
from compliance.settings import Settings

NEGATIVES = pan.NEGATIVES
RUN_WORDS = 12  # a shared run this long is reproduction whatever the labels say (the size verdict's floor)
MODES = ("minima", "bags", "both")
# The design comparison: (label, settings changes); each gets its own index when its bag params differ.
VARIANTS: tuple[tuple[str, dict[str, int]], ...] = (
    ("bags 4 words, 5 letters", {"bag_words": 4}),
    ("bags 6 words, 5 letters (default)", {}),
    ("bags 8 words, 5 letters", {"bag_words": 8}),
    ("bags 6 words, 4 letters", {"bag_min_letters": 4}),
    ("bags 6 words, 6 letters", {"bag_min_letters": 6}),
    ("bags 6 words, max_df 50", {"bag_max_df": 50}),
    ("bags 6 words, 2 keys shared, 20 candidates", {"bag_min_shared": 2, "bag_candidates": 20}),
    ("bags 6 words, 3 keys shared", {"bag_min_shared": 3}),
)


@dataclass
class Outcome:
    """What one retrieval setting found for the sampled pairs."""

    matched: set[tuple[str, str]] = field(default_factory=set)  # (susp, src) pairs with a match
    aligned: set[tuple[str, str]] = field(default_factory=set)  # ...whose source reached the aligner
    flagged_docs: set[str] = field(default_factory=set)  # suspicious documents with any match
    # ...of which those whose every match shares no run of RUN_WORDS words with the document
    unfounded_docs: set[str] = field(default_factory=set)
    latencies: list[float] = field(default_factory=list)  # seconds per suspicious document


@lru_cache(maxsize=2)
def _bodies(corpus: Path) -> dict[str, str]:
    """Every source document's text by file name (NUL, refused by ingest, as a space: same offsets)."""
    return {path.name: _read(path) for path in sorted((corpus / "src").iterdir())}


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8").replace("\x00", " ")


def sources(corpus: Path) -> Iterator[ArticleInput]:
    """Every source document as one of our articles (its file name as url)."""
    for name, body in _bodies(corpus).items():
        yield ArticleInput(url=name, body=body, title=Path(name).stem)


def build_archive(corpus: Path, folder: Path, settings: Settings) -> tuple[Archive, float]:
    """A real archive of the corpus's source documents in `folder`; with the seconds it took."""
    archive = Archive(
        settings.replace(database_url=f"sqlite:///{folder / 'archive.db'}", index_dir=str(folder / "index"))
    )
    started = time.monotonic()
    report = archive.ingest(sources(corpus))
    if report.failed:
        raise SystemExit(f"ingest failed for {report.failed} documents: {report.errors[:3]}")
    return archive, time.monotonic() - started


def run_checks(
    archive: Archive, index: PassageIndex, settings: Settings, corpus: Path, pairs: list[pan.Pair]
) -> Outcome:
    """Check every sampled suspicious document against the whole archive with these settings."""
    outcome = Outcome()
    wanted = _sources_wanted(pairs)
    url_of = {body: url for url, body in _bodies(corpus).items()}

    for susp in sorted(wanted):
        text = _read(corpus / "susp" / susp)
        counting = common.Counting()
        started = time.perf_counter()
        matches = check_page(text, index, archive.store, settings, counting)
        outcome.latencies.append(time.perf_counter() - started)
        found = {m.article.url for m in matches}
        if found:
            outcome.flagged_docs.add(susp)
            if not any(shares_run(text, m.article.body) for m in matches):
                outcome.unfounded_docs.add(susp)
        aligned_urls = {url_of[body] for body in counting.bodies}
        for src in wanted[susp]:
            if src in found:
                outcome.matched.add((susp, src))
            if src in aligned_urls:
                outcome.aligned.add((susp, src))
    return outcome


def document_recall(pairs: list[pan.Pair], outcome: Outcome, aligned: bool = False) -> dict[str, float]:
    """Per subcorpus, the share of pairs whose source was matched (or only aligned)."""
    groups: dict[str, list[pan.Pair]] = defaultdict(list)
    for pair in pairs:
        groups[pair.subcorpus].append(pair)
    found = outcome.aligned if aligned else outcome.matched
    return {name: sum((p.susp, p.src) in found for p in group) / len(group) for name, group in groups.items()}


def flagged_negatives(pairs: list[pan.Pair], outcome: Outcome, unfounded: bool = False) -> float:
    """The share of no-plagiarism documents with any match (0 when the sample holds none); with
    `unfounded`, only those whose matched sources share no run of RUN_WORDS words with them."""
    negatives = _negative_documents(pairs)
    flagged = outcome.unfounded_docs if unfounded else outcome.flagged_docs
    return len(negatives & flagged) / len(negatives) if negatives else 0.0


def shares_run(a: str, b: str, words: int = RUN_WORDS) -> bool:
    """Whether two texts share a run of `words` consecutive words (folded, as the product reads them).

    The corpus labels pairs, not documents: a no-plagiarism document may still hold text of some
    other source verbatim (the corpus's web pages share templates, banners, mirrored articles).
    A match on such a run is the product doing its job; one without any is a false positive.
    """
    first, second = (distinct(shingle_hashes(token_hashes(text), words)) for text in (a, b))
    return bool(len(np.intersect1d(first, second, assume_unique=True)))


def recall_rows(
    pairs: list[pan.Pair], outcomes: dict[str, Outcome], pairwise: dict[str, float]
) -> Iterable[str]:
    """The Markdown table: recall per subcorpus for each setting, the pairwise recall beside."""
    counts: dict[str, int] = defaultdict(int)
    for pair in pairs:
        counts[pair.subcorpus] += 1
    found = {mode: document_recall(pairs, o) for mode, o in outcomes.items()}
    reached = {mode: document_recall(pairs, o, aligned=True) for mode, o in outcomes.items()}
    head = " | ".join(f"{mode}: matched (aligned)" for mode in outcomes)
    yield f"| subcorpus | pairs | {head} | pairwise |"
    yield "| --- | ---: |" + " ---: |" * len(outcomes) + " ---: |"
    for name in sorted(counts):
        cells = [f"{found[mode][name]:.3f} ({reached[mode][name]:.3f})" for mode in outcomes]
        reference = f"{pairwise[name]:.3f}" if name in pairwise else "–"
        yield f"| {name} | {counts[name]} | {' | '.join(cells)} | {reference} |"
    negatives = _negative_documents(pairs)
    if negatives:
        cells = [f"{flagged_negatives(pairs, o):.2%} flagged" for o in outcomes.values()]
        yield f"| {NEGATIVES}: documents with any match | {len(negatives)} docs | {' | '.join(cells)} | – |"
        cells = [f"{flagged_negatives(pairs, o, unfounded=True):.2%}" for o in outcomes.values()]
        yield (
            f"| {NEGATIVES}: ...none of whose matches shares a {RUN_WORDS}-word run with it "
            f"| {len(negatives)} docs | {' | '.join(cells)} | – |"
        )


def latency_rows(outcomes: dict[str, Outcome]) -> Iterable[str]:
    for mode, outcome in outcomes.items():
        p50, p95 = _p50_p95(outcome.latencies)
        mean = 1000 * statistics.fmean(outcome.latencies)
        yield f"| {mode} | {len(outcome.latencies)} | {p50:.1f} | {p95:.1f} | {mean:.1f} |"


def _p50_p95(latencies: list[float]) -> tuple[float, float]:
    """The median and the 95th percentile (nearest rank below) of latencies, in milliseconds."""
    ms = sorted(1000 * t for t in latencies)
    return statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]


def _sources_wanted(pairs: list[pan.Pair]) -> dict[str, set[str]]:
    """Each sampled suspicious document's paired sources."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for pair in pairs:
        wanted[pair.susp].add(pair.src)
    return wanted


def _negative_documents(pairs: list[pan.Pair]) -> set[str]:
    """Suspicious documents of the no-plagiarism pairs that no other subcorpus names."""
    others = {p.susp for p in pairs if p.subcorpus != NEGATIVES}
    return {p.susp for p in pairs if p.subcorpus == NEGATIVES} - others


def pairwise_recall(corpus: Path, pairs: list[pan.Pair], settings: Settings) -> dict[str, float]:
    """Per subcorpus, the share of pairs the aligner finds anything in when handed the pair."""
    tallies = pan.run(corpus, pairs, settings)
    return {name: t.flagged_pairs / t.pairs for name, t in tallies.items() if t.pairs}


def variant_index(archive: Archive, settings: Settings) -> PassageIndex:
    """An in-memory index with these settings' bag parameters, built from the stored archive."""
    index = PassageIndex(None, settings.index_params())
    index.sync(Decoded(archive.store, index.params))
    return index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="PAN corpus folder (pairs, src/, susp/, truth folders)")
    parser.add_argument("--sample", type=int, help="pairs per subcorpus (evenly spread); all if not given")
    parser.add_argument("--pairwise", action="store_true", help="also the pairwise alignment's recall")
    parser.add_argument("--compare", action="store_true", help="also the retrieval design comparison")
    parser.add_argument(
        "--compare-sample", type=int, help="pairs per subcorpus for --compare (default: --sample)"
    )
    args = parser.parse_args(argv)
    if not (args.corpus / "pairs").is_file() or not (args.corpus / "src").is_dir():
        parser.error(f"{args.corpus} is not a PAN corpus folder (pairs, src/, susp/)")
    pairs = pan.read_pairs(args.corpus)
    pairs = pan.sample(pairs, args.sample) if args.sample else pairs
    settings = Settings()
    print(common.header("archive mode (PAN source documents as the archive)", "archive_mode.py"))
    with tempfile.TemporaryDirectory() as tmp:
        archive, ingest_seconds = build_archive(args.corpus, Path(tmp), settings)
        with archive:
            print(
                f"\narchive: {len(list((args.corpus / 'src').iterdir()))} source documents, ingested in "
                f"{ingest_seconds:.1f}s; {len({p.susp for p in pairs})} suspicious documents checked\n"
            )
            outcomes = {}
            for mode in MODES:
                _progress(f"checking with {mode}")
                mode_settings = settings.replace(retrieval=mode)
                outcomes[mode] = run_checks(archive, archive.index, mode_settings, args.corpus, pairs)
            pairwise = {}
            if args.pairwise:
                _progress("pairwise alignment")
                pairwise = pairwise_recall(args.corpus, pairs, settings)
            print("document recall: source matched (source aligned)\n")
            print("\n".join(recall_rows(pairs, outcomes, pairwise)))
            print("\n| retrieval | checks | p50 ms | p95 ms | mean ms |\n| --- | ---: | ---: | ---: | ---: |")
            print("\n".join(latency_rows(outcomes)))
            if args.compare:
                compared = (
                    pan.sample(pan.read_pairs(args.corpus), args.compare_sample)
                    if args.compare_sample
                    else pairs
                )
                compare(archive, settings, args.corpus, compared)
                bm25_recall(archive, settings, args.corpus, compared, Path(tmp))
    return 0


def bm25_recall(
    archive: Archive, settings: Settings, corpus: Path, pairs: list[pan.Pair], folder: Path
) -> None:
    """The BM25 design (bench/bm25_retrieval.py) beside ours, at the retrieval stage: the share of
    pairs whose source is among the articles handed to the aligner, and the time to find them."""
    _progress("BM25 (SQLite FTS5) index")
    bm25 = Bm25Index(archive, folder / "bm25.db")
    limits = (10, 20, settings.max_candidates + settings.bag_candidates)
    wanted = _sources_wanted(pairs)
    url_of = {article.id: article.url for article in archive.store.iter_articles()}
    found: dict[int, set[tuple[str, str]]] = {limit: set() for limit in limits}
    latencies = []
    for susp in sorted(wanted):
        started = time.perf_counter()
        ranked = [url_of[i] for i in bm25.candidates(_read(corpus / "susp" / susp), max(limits))]
        latencies.append(time.perf_counter() - started)
        for limit in limits:
            found[limit] |= {(susp, src) for src in wanted[susp] if src in ranked[:limit]}
    ours = {
        mode: run_checks(archive, archive.index, settings.replace(retrieval=mode), corpus, pairs)
        for mode in MODES
    }
    rows = {f"{mode} (ours: the source aligned)": ours[mode].aligned for mode in MODES}
    for limit in limits:
        rows[f"BM25, FTS5: the source among its top {limit}"] = found[limit]
    rows[f"BM25 top {limits[0]} and window minima, united"] = found[limits[0]] | ours["minima"].aligned
    names = sorted({p.subcorpus for p in pairs if p.subcorpus != NEGATIVES})
    built = f"BM25 index built in {bm25.build_seconds:.1f} s"
    print(f"\nretrieval alone against BM25 ({len(pairs)} pairs; {built})\n")
    print(f"| retrieval | {' | '.join(n[:2] for n in names)} |")
    print("| --- |" + " ---: |" * len(names))
    for label, reached in rows.items():
        recall = document_recall(pairs, Outcome(aligned=reached), aligned=True)
        print(f"| {label} | {' | '.join(f'{recall[name]:.3f}' for name in names)} |")
    p50, p95 = _p50_p95(latencies)
    print(
        f"\nBM25 retrieval alone, per suspicious document: p50 {p50:.1f} ms, "
        f"p95 {p95:.1f} ms (ours: the whole check, above)"
    )


def compare(archive: Archive, settings: Settings, corpus: Path, pairs: list[pan.Pair]) -> None:
    """The design comparison: bag channel variants, alone and with the window minima."""
    outcomes: dict[str, Outcome] = {}
    for label, changes in VARIANTS:
        variant = settings.replace(**changes)
        _progress(f"variant {label}")
        index = variant_index(archive, variant)
        alone = variant.replace(retrieval="bags")
        outcomes[f"{label}, alone"] = run_checks(archive, index, alone, corpus, pairs)
        outcomes[f"{label}, with minima"] = run_checks(archive, index, variant, corpus, pairs)
    print(f"\nretrieval design comparison ({len(pairs)} pairs): document recall (matched), check latency\n")
    names = sorted({p.subcorpus for p in pairs if p.subcorpus != NEGATIVES})
    print(f"| design | {' | '.join(n[:2] for n in names)} | 01 flagged | p50 ms | p95 ms |")
    print("| --- |" + " ---: |" * (len(names) + 3))
    for label, outcome in outcomes.items():
        recall = document_recall(pairs, outcome)
        cells = [f"{recall[name]:.3f}" for name in names]
        flagged = flagged_negatives(pairs, outcome)
        p50, p95 = _p50_p95(outcome.latencies)
        print(f"| {label} | {' | '.join(cells)} | {flagged:.2%} | {p50:.1f} | {p95:.1f} |")


def _progress(what: str) -> None:
    sys.stderr.write(f"{time.strftime('%H:%M:%S')} {what}\n")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
