"""Fingerprint throughput: our `fingerprint()` against datasketch's own ways, side by side.

In: distinct synthetic 5 KB French articles (bench/corpus.py). Out: a Markdown section with the
articles/s of each contender (median over rounds), our speed-up over each (median of the ratios
measured within each round) and the targets with PASS/MISS.

Contenders, interleaved in every round (A B C D E, A B C D E, …) so that noise hits them alike:

  A  compliance.detect.fingerprint.fingerprint(text, Settings())   normalization, MinHash and window minima
  B  datasketch, per-token loop                             normalize(), 3-shingles as bytes,
                                                            MinHash(num_perm=64).update(each)
  C  datasketch batch API, update_batch                     same shingles, one update_batch call
  D  datasketch batch API, MinHash.bulk                     same shingles, one bulk call per round
  E  A with the word caches emptied before each round       what a new process sees at first

Every round reads articles never seen before, so the word caches of A hold the vocabulary, as
they do in a long ingest, but never the article itself.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from common import (
    NUM_PERM,
    batch_minhash,
    bulk_minhashes,
    header,
    median,
    number,
    profile,
    progress,
    table,
    token_loop_minhash,
    verdict,
)
from corpus import FrenchNews

import compliance.detect.normalize
from compliance.detect.fingerprint import fingerprint
from compliance.settings import Settings

TARGET_RATE = 4000
TARGET_LOOP = 15.0
TARGET_BATCH = 2.5
SETTINGS = Settings()


def ours(texts: Sequence[str]) -> None:
    for text in texts:
        fingerprint(text, SETTINGS)


def ours_cold(texts: Sequence[str]) -> None:
    compliance.detect.normalize._CHUNKS.clear()  # what a fresh process starts with
    compliance.detect.normalize._HASHES.clear()
    ours(texts)


def token_loop(texts: Sequence[str]) -> None:
    for text in texts:
        token_loop_minhash(text)


def update_batch(texts: Sequence[str]) -> None:
    for text in texts:
        batch_minhash(text)


def bulk(texts: Sequence[str]) -> None:
    bulk_minhashes(texts)


CONTENDERS: dict[str, Callable[[Sequence[str]], None]] = {
    "A ours: fingerprint()": ours,
    "B datasketch per-token update() loop": token_loop,
    "C datasketch update_batch()": update_batch,
    "D datasketch MinHash.bulk()": bulk,
    "E ours, word caches emptied each round": ours_cold,
}


def timed(function: Callable[[Sequence[str]], None], texts: Sequence[str]) -> float:
    """Articles per second of one call."""
    start = time.perf_counter()
    function(texts)
    return len(texts) / (time.perf_counter() - start)


def sizes(articles: Sequence[str], seconds: float) -> dict[str, int]:
    """How many articles each contender gets per round so that a round lasts about `seconds`."""
    counts = {}
    for name, function in CONTENDERS.items():
        rate = timed(function, articles[:20])
        counts[name] = max(10, min(len(articles), round(rate * seconds)))
    return counts


def run(args: argparse.Namespace) -> str:
    news = FrenchNews(seed=args.seed)
    progress(f"generating {args.per_round * (args.rounds + 1):,} articles …")
    pool = list(news.articles(args.per_round * (args.rounds + 1), chars=args.chars))
    warmup, pool = pool[: args.per_round], pool[args.per_round :]
    counts = sizes(warmup, args.round_seconds)
    rates: dict[str, list[float]] = {name: [] for name in CONTENDERS}
    for round_number in range(args.rounds):
        texts = pool[round_number * args.per_round : (round_number + 1) * args.per_round]
        for name, function in CONTENDERS.items():
            rates[name].append(timed(function, texts[: counts[name]]))
        progress(
            f"round {round_number + 1}/{args.rounds}: "
            + ", ".join(f"{name[0]} {rates[name][-1]:,.0f}/s" for name in CONTENDERS)
        )
    if args.profile:
        profile("fingerprint() on 2,000 articles", lambda: ours(pool[:2000]))
    return report(args, pool, counts, rates)


def report(
    args: argparse.Namespace, pool: Sequence[str], counts: dict[str, int], rates: dict[str, list[float]]
) -> str:
    ours_name = next(iter(CONTENDERS))
    size = sum(len(text.encode()) for text in pool) / len(pool)
    rows, ratio = [], {}
    for name in CONTENDERS:
        ratio[name] = median([a / b for a, b in zip(rates[ours_name], rates[name], strict=True)])
        rows.append(
            [
                name,
                number(median(rates[name])),
                f"{1e6 / median(rates[name]):,.0f}",
                f"{number(min(rates[name]))}–{number(max(rates[name]))}",
                counts[name],
                "1×" if name == ours_name else f"{ratio[name]:.1f}×",
            ]
        )
    names = list(CONTENDERS)
    rate = median(rates[ours_name])
    loop, batch, bulk_ratio = ratio[names[1]], ratio[names[2]], ratio[names[3]]
    targets = [
        [f"≥ {TARGET_RATE:,} articles/s (A)", number(rate), verdict(rate >= TARGET_RATE)],
        [
            f"≥ {TARGET_LOOP:g}× the per-token update() loop (A ÷ B)",
            f"{loop:.1f}×",
            verdict(loop >= TARGET_LOOP),
        ],
        [
            f"≥ {TARGET_BATCH:g}× the batch API, update_batch (A ÷ C)",
            f"{batch:.1f}×",
            verdict(batch >= TARGET_BATCH),
        ],
        [
            f"≥ {TARGET_BATCH:g}× the batch API, MinHash.bulk (A ÷ D)",
            f"{bulk_ratio:.1f}×",
            verdict(bulk_ratio >= TARGET_BATCH),
        ],
    ]
    notes = [
        f"input: {len(pool):,} distinct synthetic French articles (bench/corpus.py, seed {args.seed}),"
        f" mean {size / 1000:.2f} KB of UTF-8; every round reads {args.per_round} new ones",
        f"{args.rounds} rounds, contenders interleaved A B C D E in each; one process, one thread; "
        f"MinHash num_perm={NUM_PERM}, 3-word shingles for all",
        "A also computes the window minima of the passage index (B–D compute a MinHash only); "
        "B–D normalize with compliance.detect.normalize.normalize and hash shingles with datasketch's "
        "default SHA-1",
    ]
    return "\n".join(
        [
            header("Fingerprint throughput", "fingerprint_bench.py", notes),
            table(
                [
                    "contender",
                    "articles/s (median)",
                    "µs/article",
                    "range over rounds",
                    "articles per round",
                    "A ÷ this (median of per-round ratios)",
                ],
                rows,
            ),
            "",
            table(["target", "measured", "result"], targets),
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=15, help="rounds of A B C D E (default 15)")
    parser.add_argument(
        "--per-round",
        type=int,
        default=400,
        help="new articles read per round; slow contenders take the first few (default 400)",
    )
    parser.add_argument(
        "--round-seconds",
        type=float,
        default=0.2,
        help="about how long each contender runs per round (default 0.2)",
    )
    parser.add_argument("--chars", type=int, default=5000, help="characters per article (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="corpus seed (default 0)")
    parser.add_argument("--profile", action="store_true", help="print a cProfile of A to stderr")
    print(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
