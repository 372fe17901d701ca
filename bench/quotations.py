"""Short quotations: how many words of ours must a page quote before the check finds them?

In: the fixture archive (fixtures/archive/articles.jsonl, French articles we wrote), split in two
halves: the first half is ingested as ours, the second half are *host* articles that are not in
the archive. Each case quotes N consecutive words (as the check counts them) of one of our
articles, from a sentence start, inside a host article (between two of its paragraphs), in
« guillemets », for N from 10 to 16. Out: per N, the quotations found (the quoted article
reported with a passage overlapping the quotation) and their verdicts; then the same-topic
guard: the hosts alone and the fixture same-topic pages (fixtures/suspects/same_topic_*.txt),
which must stay without a finding.

    .venv/bin/python bench/quotations.py [--cases 40]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
from collections import Counter

from common import REPO, header, table

from compliance.detect.normalize import normalize
from compliance.pipeline import Archive, article_from_dict
from compliance.settings import Settings

SIZES = (10, 11, 12, 13, 14, 15, 16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=40, help="quotations per size (default 40)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = [
        json.loads(line)
        for line in (REPO / "fixtures/archive/articles.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    ours, hosts = rows[: len(rows) // 2], rows[len(rows) // 2 :]
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(database_url=f"sqlite:///{folder}/quotations.db")
        with Archive(settings) as archive:
            archive.ingest(article_from_dict(row, settings) for row in ours)
            found_rows = []
            for size in SIZES:
                found, verdicts = 0, Counter[str]()
                for _ in range(args.cases):
                    source, host = rng.choice(ours), rng.choice(hosts)
                    quote = _quote(source["body"], size, rng)
                    paragraphs = host["body"].split("\n\n")
                    at = rng.randrange(1, max(2, len(paragraphs)))
                    page = "\n\n".join(
                        [*paragraphs[:at], f"Comme l’écrivait la Gazette, « {quote} ».", *paragraphs[at:]]
                    )
                    hit = [m for m in archive.check_text(page) if m.article.url == source["url"]]
                    if hit:
                        found += 1
                        verdicts[hit[0].verdict.value] += 1
                found_rows.append(
                    [size, f"{found}/{args.cases}", ", ".join(f"{v} {n}" for v, n in verdicts.items())]
                )
            clean = [(h["url"].rsplit("/", 1)[-1], len(archive.check_text(h["body"]))) for h in hosts]
            same_topic = sorted((REPO / "fixtures/suspects").glob("same_topic_*.txt"))
            archive.ingest(article_from_dict(row, settings) for row in hosts)
            topic = [(p.name, len(archive.check_text(p.read_text(encoding="utf-8")))) for p in same_topic]
    print(header("Short quotations in unrelated French articles", "quotations.py"))
    print(
        f"{len(ours)} articles ingested as ours, {len(hosts)} host articles not in the archive; "
        f"seed {args.seed}.\n"
    )
    print(table(["quoted words", "found", "verdicts"], found_rows))
    flagged = sum(1 for _, n in clean if n) + sum(1 for _, n in topic if n)
    print(
        f"\nSame-topic guard: {len(clean)} host articles alone and {len(topic)} same-topic pages "
        f"(checked against the whole fixture archive): {flagged} with a finding."
    )


def _quote(body: str, size: int, rng: random.Random) -> str:
    """Exactly `size` words of `body` as the check counts them (« arrière-pays » is two), from a
    sentence start."""
    words = body.split()
    starts = [i for i in range(len(words)) if i == 0 or words[i - 1].endswith((".", "!", "?"))]
    rng.shuffle(starts)
    for start in starts:
        end = start
        while end < len(words) and len(normalize(" ".join(words[start:end]).rstrip(".,;:")).split()) < size:
            end += 1
        quote = " ".join(words[start:end]).rstrip(".,;:")
        if len(normalize(quote).split()) == size:
            return quote
    raise ValueError(f"no quotation of {size} words in the article")


if __name__ == "__main__":
    main()
