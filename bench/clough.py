"""Clough & Stevenson short-answer corpus: which answers does the product flag as reuse of the source?

    python bench/clough.py CORPUS_DIR

Every answer of CORPUS_DIR/file_information.csv is checked against the Wikipedia text it may reuse
(orig_taskX.txt) with the product's own decision, `compliance.pipeline.match_article` (align,
score, verdict, default settings): an answer is *flagged* when that gives a verdict. The corpus
labels each answer cut, light, heavy (reuse, from verbatim to heavily edited) or non (written
independently on the same topic); the report gives the flagged count and rate per label.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from compliance.detect.normalize import tokenize
from compliance.pipeline import match_article
from compliance.records import Article
from compliance.settings import Settings

CATEGORIES = ("cut", "light", "heavy", "non")


@dataclass(frozen=True, slots=True)
class Decision:
    file: str
    category: str
    verdict: str | None
    coverage: float

    @property
    def flagged(self) -> bool:
        return self.verdict is not None


def read(path: Path) -> str:
    """A corpus file: UTF-8, or Windows-1252 for the answers typed in old word processors."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def decide(corpus: Path, settings: Settings) -> list[Decision]:
    """The product's decision on every answer of the corpus."""
    with (corpus / "file_information.csv").open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["Category"] in CATEGORIES]
    decisions = []
    for row in rows:
        source_name = f"orig_task{row['Task']}.txt"
        article = Article(id=0, url=source_name, body=read(corpus / source_name))
        match = match_article(article, tokenize(read(corpus / row["File"])), settings)
        decisions.append(
            Decision(
                row["File"],
                row["Category"],
                match.verdict if match else None,
                match.scores.coverage if match else 0.0,
            )
        )
    return decisions


def report(decisions: list[Decision]) -> list[str]:
    """Flagged counts and rates per category."""
    totals = Counter(d.category for d in decisions)
    flagged = Counter(d.category for d in decisions if d.flagged)
    lines = [f"{'category':10} {'answers':>8} {'flagged':>8} {'rate':>7}"]
    for category in CATEGORIES:
        total = totals[category]
        rate = flagged[category] / total if total else 0.0
        lines.append(f"{category:10} {total:8d} {flagged[category]:8d} {rate:7.1%}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, help="folder with file_information.csv and the answers")
    parser.add_argument("--verbose", action="store_true", help="one line per answer")
    args = parser.parse_args(argv)
    if not (args.corpus / "file_information.csv").is_file():
        parser.error(f"{args.corpus / 'file_information.csv'} not found")
    decisions = decide(args.corpus, Settings())
    if args.verbose:
        for d in decisions:
            print(f"{d.file:18} {d.category:6} {d.verdict or '-':20} coverage {d.coverage:.2f}")
    for line in report(decisions):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
