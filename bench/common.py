"""What every benchmark shares: the run's environment, the datasketch reference, figures, profiling.

In: nothing. Out: the Markdown
header every script prints (date, commit, versions, machine), the textbook datasketch MinHash
the figures are compared with, and small helpers for medians, percentiles and PASS/MISS lines.
"""

from __future__ import annotations

import os

# One thread per process: the machine is shared, and figures must not depend on idle cores. This
# only binds if it runs before numpy is imported; numpy's element-wise work, all the benchmarks
# do, is single-threaded anyway.
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import cProfile  # noqa: E402
import hashlib  # noqa: E402
import io  # noqa: E402
import platform  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from datasketch import MinHash  # noqa: E402

from compliance.detect.align import align  # noqa: E402
from compliance.detect.normalize import Tokens, normalize  # noqa: E402
from compliance.records import Passage  # noqa: E402
from compliance.settings import Settings  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"
NUM_PERM = 64
SHINGLE = 3


# --- the reference: datasketch as its documentation teaches it ----------------------------------


def shingles(text: str, size: int = SHINGLE) -> list[bytes]:
    """Word `size`-shingles of the normalized text, as UTF-8 bytes (datasketch's default input)."""
    words = normalize(text).split()
    if len(words) < size:
        return [" ".join(words).encode()] if words else []
    return [" ".join(words[i : i + size]).encode() for i in range(len(words) - size + 1)]


def token_loop_minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """The textbook MinHash: normalize, shingle, then `update()` once per shingle."""
    sketch = MinHash(num_perm=num_perm)
    for shingle in shingles(text):
        sketch.update(shingle)
    return sketch


def batch_minhash(text: str, num_perm: int = NUM_PERM) -> MinHash:
    """The same MinHash through datasketch's batch API (`update_batch`)."""
    sketch = MinHash(num_perm=num_perm)
    sketch.update_batch(shingles(text))
    return sketch


def bulk_minhashes(texts: Sequence[str], num_perm: int = NUM_PERM) -> list[MinHash]:
    """The same MinHashes through `MinHash.bulk` (one permutation set for the whole batch)."""
    return MinHash.bulk([shingles(text) for text in texts], num_perm=num_perm)


# --- the report ---------------------------------------------------------------------------------


def commit() -> str:
    """`git rev-parse --short HEAD`, or "uncommitted" outside a repository."""
    try:
        found = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "uncommitted"
    return found.stdout.strip() or "uncommitted"


def source_digest() -> str:
    """SHA-256 (12 hex digits) of compliance/**/*.py as measured: the commit may not be the tree."""
    digest = hashlib.sha256()
    for path in sorted((REPO / "compliance").rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def header(title: str, script: str, notes: Sequence[str] = ()) -> str:
    """The Markdown section head: what ran, when, on which code and which machine."""
    libraries = ", ".join(f"{name} {_version(name)}" for name in ("numpy", "datasketch", "SQLAlchemy"))
    lines = [
        f"## {title}",
        "",
        f"- run: `python bench/{script}` on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit `{commit()}`, compliance/ source digest `{source_digest()}`",
        f"- Python {platform.python_version()}, {libraries}",
        f"- machine: {os.cpu_count()} cores (nproc {_nproc()}), {cpu_model()}, {platform.system()}; "
        "shared and noisy: every figure is a median over repeats, compared with a reference "
        "measured side by side in the same run",
        *[f"- {note}" for note in notes],
        "",
    ]
    return "\n".join(lines)


def _nproc() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _version(name: str) -> str:
    try:
        return version(name)
    except Exception:
        return "?"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A Markdown table; numbers should come formatted."""
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0–100), linear between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    position = (len(ordered) - 1) * q / 100
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def number(value: float, digits: int = 0) -> str:
    """1234.5 → "1,234" (or "1,234.5" with digits=1)."""
    return f"{value:,.{digits}f}"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


def progress(message: str) -> None:
    """Progress goes to stderr, so stdout stays a Markdown section ready to paste."""
    print(message, file=sys.stderr, flush=True)


def profile(label: str, function: Callable[[], object], top: int = 25) -> None:
    """Run `function` under cProfile and print its top functions by own time to stderr."""
    profiler = cProfile.Profile()
    profiler.enable()
    function()
    profiler.disable()
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.sort_stats("tottime").print_stats(top)
    progress(f"\n### profile: {label}\n{stream.getvalue()}")


class Counting:
    """The product's aligner, noting the body of every article it is handed."""

    def __init__(self) -> None:
        self.bodies: set[str] = set()

    def __call__(self, article: Tokens, page: Tokens, settings: Settings) -> list[Passage]:
        self.bodies.add(article.text)
        return align(article, page, settings)


class PeakMemory:
    """This process's peak resident memory in MiB, sampled by a daemon thread from /proc: its own
    (anonymous) and file-backed (memory-mapped pages, such as the index's, which the page cache
    holds once for every process of the host)."""

    def __init__(self, every: float = 0.02) -> None:
        self.anon = self.file = 0.0
        self.every = every
        threading.Thread(target=self._sample, daemon=True).start()

    def _sample(self) -> None:
        while True:
            status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
            self.anon = max(self.anon, int(status["RssAnon"].split()[0]) / 1024)
            self.file = max(self.file, int(status["RssFile"].split()[0]) / 1024)
            time.sleep(self.every)
