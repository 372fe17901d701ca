"""Arabic proclitics: recall of copies with their proclitics changed, before and after normalization 2.

In: an archive of N synthetic Arabic articles (default 2,000; generated here from a vocabulary of
ordinary news words, with proclitics as in real text: و, ف, ب, ل, ك and the article ال with its
assimilations) plus the hand-written article of fixtures/arabic/. Out: a Markdown section with

  (a) recall, side by side, of the same archive and the same pages checked by the first
      normalization (the old code path: `old_normalization` below) and by the current one,
      after the upgrade recomputed the fingerprints (`Archive.refresh_fingerprints`, timed):
      whole copies with proclitics changed, 80-word excerpts of them inside unrelated text,
      the fixture's copy, and unrelated pages that must stay clean;
  (b) normalization speed: `token_hashes` with each version on the same texts, cold caches
      (every word folded anew) and warm, interleaved rounds, medians and their ratio;
  (c) French and English untouched: words of the fixture articles and of pan13-train (if
      present in ../shared/data) that the two versions fold differently.

A changed copy gives each word, with probability --change, a different proclitic (the
conjunction alone for the short function words); everything else stays as it was.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import re
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from common import REPO, header, progress

import compliance.detect.normalize as normalize_module
import compliance.matching
from compliance.detect.normalize import WORD, fold, token_hashes
from compliance.pipeline import Archive
from compliance.records import ArticleInput
from compliance.settings import Settings

FIXTURES = REPO / "fixtures"
ARABIC = re.compile("[\u0600-\u06ff]")
SHARED = REPO.parent / "shared" / "data"


def _words(text: str) -> list[str]:
    return text.split()


# Ordinary news vocabulary. Many stems begin with a letter that can also be a proclitic
# (وزير, بلدية, لجنة, كلمة, فريق): the stripping must treat every form of them alike.
NOUNS = _words("""
حكومه وزير وزاره رئيس بلديه مجلس برلمان لجنه مدينه دوله شعب مواطن سكان حي شارع ميناء مطار
مشروع خطه قرار قانون ميزانيه تمويل دعم اصلاح انتخابات حزب معارضه نائب نواب جلسه تصويت
اقتصاد سوق اسعار تضخم بطاله عمل عمال نقابه اضراب شركه مصنع انتاج تصدير استيراد تجاره
مدرسه جامعه طلاب تعليم صحه مستشفي اطباء دواء مرض وباء ماء مياه كهرباء طاقه نفط غاز
طريق سياره قطار نقل حافله امن شرطه جيش حدود سلام حرب مفاوضات اتفاق معاهده منظمه
ثقافه مهرجان مسرح كتاب كاتب شاعر فيلم موسيقي فنان رياضه فريق مباراه بطوله ملعب لاعب
صحفي صحيفه اعلام خبر تقرير بيان مؤتمر لقاء زياره وفد سفير علاقات تعاون مساعده منحه
اسبوع شهر سنه يوم صباح مساء موسم صيف شتاء ربيع خريف مطر جفاف زراعه فلاح محصول قمح
بيئه تلوث غابه بحر شاطئ سياحه فندق مسافر جمهور عائله اطفال نساء شباب كلمه رساله لغه
""")
ADJECTIVES = _words("""
جديد قديم كبير صغير محلي وطني دولي عام خاص اقتصادي سياسي اجتماعي ثقافي رسمي مقبل ماضي
اول ثاني اخير مهم واضح صعب سريع طويل قصير شامل كامل مفتوح مغلق عربي فرنسي جهوي بلدي
""")
VERBS = _words("""
اعلن قال اكد اوضح اضاف قرر طالب رفض وافق دعا نفي كشف اشار بدا انطلق استمر انتهي
ارتفع انخفض بلغ وصل غادر زار استقبل عقد نظم شارك ناقش اقترح صادق وقع نشر اصدر
""")
FUNCTION = _words("في من علي الي عن ان مع بعد قبل حتي كل هذا هذه التي الذي بين خلال منذ لدي")
# Proclitic sets a word can take in a copy: (rendered prefix, whether it carries the article).
PREFIXES = ("", "و", "ف", "ب", "ل", "ك", "ال", "وال", "فال", "بال", "كال", "لل", "ولل", "وبال")


@dataclass(frozen=True)
class Word:
    """One word as written: its proclitics and its stem (ل + ال is written لل, the alef dropped)."""

    prefix: str
    stem: str
    content: bool  # a noun or an adjective: can take the article

    def text(self) -> str:
        return self.prefix + self.stem


class ArabicNews:
    """Synthetic Arabic news text from one seed: sentences of weighted vocabulary."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def word(self) -> Word:
        r = self.rng.random()
        if r < 0.30:
            return Word(self.rng.choice(("", "", "", "و")), self.rng.choice(FUNCTION), False)
        if r < 0.45:
            return Word(self.rng.choice(("", "", "و", "ف")), self.rng.choice(VERBS), False)
        stem = self.rng.choice(NOUNS if r < 0.85 else ADJECTIVES)
        return Word(self.rng.choice(("", "ال", "ال", "وال", "بال", "لل", "ب", "ل")), stem, True)

    def words(self, count: int) -> list[Word]:
        return [self.word() for _ in range(count)]

    def changed(self, words: Sequence[Word], rate: float) -> list[Word]:
        """`words` with a different proclitic on each, with probability `rate`."""
        out = []
        for w in words:
            if self.rng.random() >= rate:
                out.append(w)
                continue
            choices = PREFIXES if w.content else ("", "و")
            out.append(Word(self.rng.choice([p for p in choices if p != w.prefix]), w.stem, w.content))
        return out


def render(words: Sequence[Word], per_sentence: int = 14) -> str:
    """Sentences of `per_sentence` words, paragraphs of five sentences."""
    sentences = [
        " ".join(w.text() for w in words[i : i + per_sentence]) + "."
        for i in range(0, len(words), per_sentence)
    ]
    return "\n\n".join(" ".join(sentences[i : i + 5]) for i in range(0, len(sentences), 5))


@contextmanager
def old_normalization() -> Iterator[None]:
    """Within: every tokenization of the product folds as the first normalization did.

    The product always folds with the current version; its per-version caches are the one
    place every word goes through, so pointing the current version's caches at version 1's
    runs the old code path end to end (fingerprints, retrieval, alignment).
    """
    hashes, chunks = normalize_module._HASHES, normalize_module._CHUNKS
    current = normalize_module.NORMALIZATION
    saved = hashes[current], chunks[current]
    hashes[current], chunks[current] = hashes[1], chunks[1]
    compliance.matching._article_tokens.cache_clear()
    try:
        yield
    finally:
        hashes[current], chunks[current] = saved
        compliance.matching._article_tokens.cache_clear()


# --- (a) recall before and after ---------------------------------------------------------------


@dataclass
class Page:
    """A page to check: its text, the article it copies and how many of that article's words."""

    text: str
    url: str
    copied_words: int


@dataclass
class Corpus:
    articles: list[ArticleInput]
    pages: dict[tuple[str, float], list[Page]]  # by (kind, change rate)
    unrelated: list[str]


def make_corpus(args: argparse.Namespace) -> Corpus:
    news = ArabicNews(args.seed)
    bodies = [news.words(args.article_words) for _ in range(args.articles)]
    articles = [
        ArticleInput(url=f"https://www.gazette-littoral.example/ar/{i}", body=render(body), language="ar")
        for i, body in enumerate(bodies)
    ]
    fixture = json.loads((FIXTURES / "arabic" / "article.json").read_text(encoding="utf-8"))
    articles.append(ArticleInput(url=fixture["url"], body=fixture["body"], language="ar"))
    picked = news.rng.sample(range(args.articles), args.copies)
    pages: dict[tuple[str, float], list[Page]] = {}
    for rate in args.change:
        pages["whole", rate] = [
            Page(render(news.changed(bodies[i], rate)), articles[i].url, len(bodies[i])) for i in picked
        ]
        pages["excerpt", rate] = [_excerpt_page(news, bodies[i], articles[i].url, rate, args) for i in picked]
    unrelated = [render(news.words(args.article_words)) for _ in range(args.copies // 2)]
    return Corpus(articles, pages, unrelated)


def _excerpt_page(
    news: ArabicNews, body: list[Word], url: str, rate: float, args: argparse.Namespace
) -> Page:
    start = news.rng.randrange(len(body) - args.excerpt_words)
    excerpt = news.changed(body[start : start + args.excerpt_words], rate)
    around = news.words(args.page_words)
    cut = news.rng.randrange(len(around))
    return Page(render(around[:cut] + excerpt + around[cut:]), url, args.excerpt_words)


def recall(archive: Archive, corpus: Corpus) -> dict[Any, Any]:
    """Per kind of page: found, found whole (80% of the copied words), median share of them found."""
    result: dict[Any, Any] = {}
    for key, pages in corpus.pages.items():
        found, whole, shares = 0, 0, []
        for page in pages:
            match = next((m for m in archive.check_text(page.text) if m.article.url == page.url), None)
            share = min(1.0, match.scores.reproduced_words / page.copied_words) if match else 0.0
            found += match is not None
            whole += share >= 0.8
            shares.append(share)
        result[key] = {"found": found, "whole": whole, "share": statistics.median(shares), "n": len(pages)}
    result["unrelated"] = sum(len(archive.check_text(page)) for page in corpus.unrelated)
    fixture_copy = (FIXTURES / "arabic" / "copy_clitics.txt").read_text(encoding="utf-8")
    result["fixture"] = max((m.scores.coverage for m in archive.check_text(fixture_copy)), default=0.0)
    return result


def before_and_after(corpus: Corpus, folder: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, float]]:
    """Recall with the old code path, the upgrade (timed), then recall with the current code."""
    settings = Settings(database_url=f"sqlite:///{folder / 'arabic.db'}", index_dir=str(folder / "index"))
    with old_normalization(), Archive(settings) as archive:
        progress(f"ingesting {len(corpus.articles)} articles with the first normalization")
        archive.ingest(corpus.articles)
        progress("checking with the first normalization")
        before = recall(archive, corpus)
    # The old code's rows had no normalization column: migration 0010 marks them all 1.
    with sqlite3.connect(folder / "arabic.db") as connection:
        connection.execute("UPDATE fingerprints SET normalization = 1")
    with Archive(settings) as archive:
        outdated = archive.outdated_fingerprints()
        progress(f"upgrade: recomputing {outdated} fingerprints")
        start = time.perf_counter()
        replaced = archive.refresh_fingerprints()
        spent = time.perf_counter() - start
        progress("checking with the current normalization")
        after = recall(archive, corpus)
    return before, after, {"outdated": outdated, "replaced": replaced, "seconds": spent}


# --- (b) speed, (c) other languages untouched ----------------------------------------------------


def _clear_caches() -> None:
    for version in normalize_module.VERSIONS:
        normalize_module._HASHES[version].clear()
        normalize_module._CHUNKS[version].clear()


def speed(texts: Sequence[str], rounds: int) -> dict[str, dict[int, float]]:
    """Median seconds of `token_hashes` over `texts` per version, cold caches and warm.

    Each round runs both versions, in alternating order: cold (caches cleared, every word
    folded anew), then warm (the fastest of five passes after a first, every chunk from the cache).
    """
    times: dict[str, dict[int, list[float]]] = {"cold": {1: [], 2: []}, "warm": {1: [], 2: []}}
    for round_ in range(rounds):
        for version in (1, 2) if round_ % 2 == 0 else (2, 1):
            work = partial(_hash_all, texts, version)
            _clear_caches()
            times["cold"][version].append(_timed(work))
            _timed(work)
            passes = [_timed(work) for _ in range(5)]
            times["warm"][version].append(min(passes))  # a pass is short: other processes' noise only adds
    return {kind: {v: statistics.median(ts) for v, ts in by.items()} for kind, by in times.items()}


def _hash_all(texts: Sequence[str], version: int) -> None:
    for text in texts:
        token_hashes(text, version)


def _timed(work: Callable[[], object]) -> float:
    """Seconds `work` takes, with the garbage collector off (as `timeit` does)."""
    gc.collect()
    gc.disable()
    try:
        start = time.perf_counter()
        work()
        return time.perf_counter() - start
    finally:
        gc.enable()


def folded_differently(texts: Sequence[str]) -> tuple[int, int, int, int]:
    """Over `texts`: (words without Arabic letters, of them folded differently by the two
    versions, words with Arabic letters, of them folded differently)."""
    words = [w for text in texts for w in WORD.findall(text)]
    arabic = [w for w in words if ARABIC.search(w)]
    other = [w for w in words if not ARABIC.search(w)]
    return (
        len(other),
        sum(fold(w, 1) != fold(w, 2) for w in other),
        len(arabic),
        sum(fold(w, 1) != fold(w, 2) for w in arabic),
    )


def other_languages() -> dict[str, list[str]]:
    """French fixture articles; pan13-train's source documents (English) when they are there."""
    found = {"fixture articles (French; one quotes Arabic)": _fixture_bodies()}
    pan = SHARED / "pan13-train" / "src"
    if pan.is_dir():
        texts = [path.read_text(encoding="utf-8") for path in sorted(pan.glob("*.txt"))]
        found["pan13-train sources (English)"] = texts
    return found


def _fixture_bodies() -> list[str]:
    lines = (FIXTURES / "archive" / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["body"] for line in lines if line.strip()]


# --- the report -----------------------------------------------------------------------------------


def report(args: argparse.Namespace, corpus: Corpus, runs: tuple[Any, ...], timing: Any, langs: Any) -> str:
    before, after, upgrade = runs
    rates = " and ".join(str(rate) for rate in args.change)
    notes = [
        f"archive: {args.articles:,} synthetic Arabic articles of {args.article_words} words "
        f"(seed {args.seed}) + the fixture article of fixtures/arabic/; SQLite file, passage index on disk",
        f"pages: {args.copies} whole copies and {args.copies} excerpts of {args.excerpt_words} words inside "
        f"{args.page_words} unrelated words, each word's proclitics changed with probability {rates}; "
        f"{len(corpus.unrelated)} unrelated pages",
        "before: the first normalization end to end (fingerprints, retrieval, alignment); after: the same "
        "archive upgraded (`Archive.refresh_fingerprints`), the same pages",
        "found: the source article is among the matches; whole: its match holds ≥ 80% of the copied words",
    ]
    lines = [header("Arabic proclitics: recall before and after normalization 2", "arabic_bench.py", notes)]
    lines += [
        "| pages | proclitics changed | found before | after | whole before | after "
        "| median share of copied words found before | after |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, rate in corpus.pages:
        b, a = before[kind, rate], after[kind, rate]
        label = "whole copies" if kind == "whole" else f"{args.excerpt_words}-word excerpts in a page"
        lines.append(
            f"| {label} | {rate:.0%} of words | {b['found']}/{b['n']} | {a['found']}/{a['n']} | "
            f"{b['whole']}/{b['n']} | {a['whole']}/{a['n']} | {b['share']:.2f} | {a['share']:.2f} |"
        )
    lines.append(
        "| fixtures/arabic/copy_clitics.txt (coverage) | 47% of words | | | | | "
        f"{before['fixture']:.2f} | {after['fixture']:.2f} |"
    )
    unrelated = f"{before['unrelated']} | {after['unrelated']}"
    lines.append(f"| unrelated pages: matches (must be 0) | | {unrelated} | | | | |")
    rate = upgrade["replaced"] / upgrade["seconds"] if upgrade["seconds"] else 0.0
    lines += [
        "",
        f"Upgrade: {upgrade['outdated']:,} fingerprints marked normalization 1, {upgrade['replaced']:,} "
        f"recomputed in {upgrade['seconds']:.2f} s ({rate:,.0f} articles/s, batches of 200, "
        "index caught up).",
        "",
        f"Normalization speed, `token_hashes` over the same texts, median of {args.rounds} "
        "interleaved rounds:",
        "",
        "| texts | cache | version 1 | version 2 | 2 ÷ 1 |",
        "|---|---|---|---|---|",
    ]
    for label, by_kind in timing.items():
        for kind in ("cold", "warm"):
            one, two = by_kind[kind][1], by_kind[kind][2]
            times = f"{one * 1000:.1f} ms | {two * 1000:.1f} ms | {two / one:.2f}×"
            lines.append(f"| {label} | {kind} | {times} |")
    lines += [
        "",
        "| texts | words without Arabic letters | of them folded differently | Arabic words "
        "| of them folded differently |",
        "|---|---|---|---|---|",
    ]
    for label, (other, other_differ, arabic, arabic_differ) in langs.items():
        lines.append(f"| {label} | {other:,} | {other_differ} | {arabic:,} | {arabic_differ} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--article-words", type=int, default=300)
    parser.add_argument("--copies", type=int, default=200)
    parser.add_argument("--excerpt-words", type=int, default=80)
    parser.add_argument("--page-words", type=int, default=400)
    parser.add_argument(
        "--change", type=float, nargs="+", default=[0.3, 0.6], help="shares of words whose proclitics change"
    )
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    corpus = make_corpus(args)
    with tempfile.TemporaryDirectory() as folder:
        runs = before_and_after(corpus, Path(folder))
    progress("timing the normalization")
    arabic = [a.body for a in corpus.articles[:500]]
    others = other_languages()
    timing = {f"{len(arabic)} Arabic articles": speed(arabic, args.rounds)}
    timing |= {label: speed(texts[:100], args.rounds) for label, texts in others.items()}
    langs = {label: folded_differently(texts) for label, texts in others.items()}
    print(report(args, corpus, runs, timing, langs))


if __name__ == "__main__":
    main()
