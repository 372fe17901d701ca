"""Two tokenized texts → the passages of the first that the second reproduces.

    seeds ─► clusters ─► candidate passages ─► edges ─► accepted ─► settled, cut at word boundaries

Seeds (`seeds`) are exact runs of shared shingles and pairs of similar sentences. Seeds that
follow each other within `max_gap` words in both texts form one candidate, whatever their order
inside it (obfuscation shuffles words and sentences); a seed that a heavier seed contradicts (it
maps the same words somewhere else) is dropped. A page region that shares sentences, in order,
with many places of a longer article region is a *summary* of that region: one candidate.

Edges: a candidate takes in the words just outside it that match across a small edit, and one
that is not a verbatim copy is rounded to the sentences it mostly covers.

A candidate is accepted when it shares enough weighted content words (`min_evidence`), and its
wording is close to the article's (exact runs of ordinary words and shared ordinary content
words make up most of it: `close_wording`), or it is a paraphrase of two sentences or more that
stands out of the page (`paraphrase_contrast`): a page about the same subject shares names and
topic words with the article everywhere, a reproduction shares them in one place. A verbatim
copy of half the shorter text, or an exact run of `min_match_words` words (a short quotation), is
accepted as it is. Overlaps in the page go to the longest passage. Offsets are cut from the
ORIGINAL texts, at word boundaries.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from compliance.detect.arrays import distinct
from compliance.detect.normalize import Tokens
from compliance.detect.seeds import (
    Seed,
    Shared,
    TextInfo,
    exact_runs,
    sentence_seeds,
    shared_words,
    weigh_runs,
)
from compliance.records import Passage
from compliance.settings import Settings

# Calibrated as a set, with the alignment settings in Settings (min_evidence, close_wording,
# paraphrase_contrast…), on PAN 2013 training data and the fixtures: change them together, never
# one in isolation, and rerun the quality gate (tests/test_quality.py against
# tests/quality_floors.json, tests/test_gate.py) and bench/pan.py before keeping a change.
MIN_COMMON = 2  # content words a pair of similar sentences shares at least
STRONG_COMMON = 3  # ...and fewer than this make a weak pair, which never makes a passage's edge
OWNING_RUN = 8  # words of an exact run that no seed of a summary may contradict
WORDING_RUN = 4  # exact runs shorter than this are common phrases, not shared wording
VERBATIM = 0.8  # share of a verbatim passage's page words inside exact runs: its edges are exact
EDGE = 3  # words of a small edit at a passage's edge (as between the seeds inside it)
EDGE_STEPS = 8
SNAP = 5  # words to a sentence edge that a rewritten passage reaches when both texts miss them
BACKGROUND_WORDS = 20  # fewer content words than this outside the candidates: no background
SUMMARY_MAX_RATIO = 40.0  # a "summary" of a far longer region is a topic shared, not a summary
SUMMARY_EVIDENCE = 2.0  # times min_evidence
SUMMARY_DENSITY = 0.5  # share of the summary's content words found in the region it summarises
SUMMARY_MAIN = 0.6  # most weight one ordinary passage may hold inside a summary
SUMMARY_ORDER = 0.2  # least rank correlation of the summary's seeds in the two texts
SUMMARY_HOLE = 0.6  # largest share of the summarised region between two consecutive seeds


@dataclass(slots=True)
class _Candidate:
    """A candidate passage in token indices, end exclusive, and what speaks for it."""

    a0: int
    a1: int
    p0: int
    p1: int
    seeds: list[Seed] = field(default_factory=list)
    evidence: float = 0.0  # weight of the distinct content words shared inside
    wording: float = 0.0  # share of the page words in exact runs of ordinary words
    density: float = 0.0  # share of the page content words found in the article side
    ordinary: float = 0.0  # the same, for content words that are not facts
    sentences: int = 0  # page sentences paired with similar article sentences
    verbatim: bool = False  # exact runs cover nearly all of it: its edges are exact
    copied: bool = False  # holds an exact run of half the shorter text, or of a quotation's length
    summary: bool = False
    background: float = 1.0  # share of the page's other content words the article also has

    @property
    def words(self) -> int:
        return self.a1 - self.a0

    def accepted(self, settings: Settings) -> bool:
        """Enough shared words, and either close wording or a paraphrase standing out of the page."""
        if self.copied:
            return True
        if self.evidence < settings.min_evidence:
            return False
        close = self.verbatim or (self.wording + self.ordinary) / 2 >= settings.close_wording
        standing_out = self.density - self.background >= settings.paraphrase_contrast
        return close or (standing_out and self.sentences >= 2)


def align(article: Tokens, page: Tokens, settings: Settings) -> list[Passage]:
    """The reproduced passages, in page order, each at least `min_passage_words` long."""
    size = min(settings.shingle_size, len(article), len(page))
    if size == 0:
        return []
    shared = shared_words(article, page, settings.sentence_words)
    runs = exact_runs(shared, size)
    whole = max(settings.min_passage_words, min(len(article), len(page)) // 2)
    whole = min(whole, settings.min_match_words)  # a quotation this long stands as it is
    copied = max((r.a1 - r.a0 for r in runs), default=0) >= whole
    if not copied and shared.distinct_words() < settings.min_evidence:
        return []  # a shared content word weighs at most 1: no passage can have enough of them
    candidates = _candidates(runs, shared, whole, settings)
    for c in candidates:
        _fit_edges(c, shared)
    _set_background(candidates, shared)
    kept = _settle([c for c in candidates if c.accepted(settings)], settings.min_passage_words)
    return [_to_passage(c, article, page) for c in sorted(kept, key=lambda c: c.p0)]


def _candidates(runs: list[Seed], shared: Shared, whole: int, settings: Settings) -> list[_Candidate]:
    """The clusters of seeds with enough evidence to be judged, and the summaries."""
    weigh_runs(shared, runs)
    seeds = runs + sentence_seeds(shared, settings.sentence_similarity, MIN_COMMON, STRONG_COMMON)
    candidates = [_measure(_candidate(group), shared, whole) for group in _clusters(seeds, settings.max_gap)]
    candidates = [c for c in candidates if c.evidence >= settings.min_evidence or c.copied]
    return _with_summaries(candidates, seeds, shared, settings)


def _fit_edges(c: _Candidate, shared: Shared) -> None:
    """Edges at the words a small edit left in place; a rewritten passage's at sentence edges."""
    _extend(c, shared)
    if not c.verbatim:
        _snap(c, shared)
        c.a0, c.a1 = _round_to_sentences(c.a0, c.a1, shared.a)
        c.p0, c.p1 = _round_to_sentences(c.p0, c.p1, shared.p)


def _clusters(seeds: list[Seed], gap: int) -> list[list[Seed]]:
    """Seeds split where `gap` words separate them in the page, then in the article, until stable."""
    groups = [seeds]
    while True:
        parts = [
            part
            for group in groups
            for half in _split(group, gap, page=True)
            for part in _split(half, gap, page=False)
        ]
        if len(parts) == len(groups):
            return parts
        groups = parts


def _split(group: list[Seed], gap: int, page: bool) -> list[list[Seed]]:
    """The seeds in runs along one text, a new run wherever more than `gap` words are uncovered."""
    parts: list[list[Seed]] = []
    reach = 0
    for seed in sorted(group, key=(lambda s: s.p0) if page else (lambda s: s.a0)):
        start, end = (seed.p0, seed.p1) if page else (seed.a0, seed.a1)
        if parts and start <= reach + gap:
            parts[-1].append(seed)
            reach = max(reach, end)
        else:
            parts.append([seed])
            reach = end
    return parts


def _candidate(group: list[Seed]) -> _Candidate:
    """The passage the consistent seeds of a cluster span (weak seeds only inside it)."""
    seeds = _without_weak_edges(_consistent(group))
    return _Candidate(
        min(s.a0 for s in seeds),
        max(s.a1 for s in seeds),
        min(s.p0 for s in seeds),
        max(s.p1 for s in seeds),
        seeds,
    )


def _without_weak_edges(seeds: list[Seed]) -> list[Seed]:
    """The seeds, without the weak ones at the edges of a verbatim copy.

    A copy ends where its exact runs end; a weakly similar sentence next to it is the page
    going on about the same thing (a rewritten passage, by contrast, has no exact edges).
    """
    strong = [s for s in seeds if not s.weak]
    if not strong or len(strong) == len(seeds):
        return seeds
    p0, p1 = min(s.p0 for s in strong), max(s.p1 for s in strong)
    copied = np.zeros(p1 - p0, dtype=bool)
    for s in strong:
        if s.run:
            copied[s.p0 - p0 : s.p1 - p0] = True
    if copied.mean() < VERBATIM:
        return seeds
    a0, a1 = min(s.a0 for s in strong), max(s.a1 for s in strong)
    return [s for s in seeds if not s.weak or (a0 <= s.a0 and s.a1 <= a1 and p0 <= s.p0 and s.p1 <= p1)]


def _consistent(group: list[Seed]) -> list[Seed]:
    """The seeds no heavier seed contradicts, heaviest first.

    Two seeds contradict each other when one covers much of the other's words in one text and
    not in the other: the same words mapped to two places. The heavier one is kept, so a long
    copied run is not stretched by a sentence that merely resembles its neighbour.
    """
    ordered = sorted(group, key=lambda s: -s.weight)
    kept = ordered[:1]
    box = np.array([[s.a0, s.a1, s.p0, s.p1] for s in kept])
    for s in ordered[1:]:
        page = np.clip(np.minimum(s.p1, box[:, 3]) - np.maximum(s.p0, box[:, 2]), 0, None) / (s.p1 - s.p0)
        article = np.clip(np.minimum(s.a1, box[:, 1]) - np.maximum(s.a0, box[:, 0]), 0, None) / (s.a1 - s.a0)
        if np.all(np.abs(page - article) < 0.5):
            kept.append(s)
            box = np.vstack((box, [[s.a0, s.a1, s.p0, s.p1]]))
    return kept


def _measure(c: _Candidate, shared: Shared, whole: int) -> _Candidate:
    """What speaks for a candidate: shared words, their density, shared wording."""
    i, j = shared.pairs_within(c.a0, c.a1, c.p0, c.p1)
    c.evidence = shared.weight_of(i)
    matched = distinct(j)
    content, fact = shared.p.content[c.p0 : c.p1], shared.p.fact[c.p0 : c.p1]
    c.density = len(matched) / max(1, int(content.sum()))
    c.ordinary = int((~shared.p.fact[matched]).sum()) / max(1, int((content & ~fact).sum()))
    c.sentences = len({int(shared.p.sentence[s.p0]) for s in c.seeds if not s.run})
    copied = np.zeros(c.p1 - c.p0, dtype=bool)
    for s in c.seeds:
        if s.run and s.p1 - s.p0 >= WORDING_RUN:
            copied[s.p0 - c.p0 : s.p1 - c.p0] = True
    c.wording = float((copied & ~fact).sum()) / (c.p1 - c.p0)
    c.verbatim = float(copied.mean()) >= VERBATIM
    c.copied = max((s.a1 - s.a0 for s in c.seeds if s.run), default=0) >= whole
    return c


def _with_summaries(
    candidates: list[_Candidate], seeds: list[Seed], shared: Shared, settings: Settings
) -> list[_Candidate]:
    """The candidates, or, where a page region summarises an article region, that one passage."""
    summaries = [
        c for group in _split(seeds, settings.max_gap, page=True) if (c := _summary(group, shared, settings))
    ]
    if not summaries:
        return candidates
    rest = [c for c in candidates if not any(c.p0 < s.p1 and s.p0 < c.p1 for s in summaries)]
    return rest + summaries


def _summary(group: list[Seed], shared: Shared, settings: Settings) -> _Candidate | None:
    """The page region's seeds as a summary of a longer article region, if they look like one."""
    owners = [s for s in group if s.run and s.a1 - s.a0 >= OWNING_RUN]
    seeds = [s for s in group if s in owners or all(_agree(s, r) for r in owners)]
    c = _Candidate(
        min(s.a0 for s in seeds),
        max(s.a1 for s in seeds),
        min(s.p0 for s in seeds),
        max(s.p1 for s in seeds),
        seeds,
    )
    page_words, article_words = c.p1 - c.p0, c.a1 - c.a0
    if not settings.summary_ratio * page_words <= article_words <= SUMMARY_MAX_RATIO * page_words:
        return None
    c = _measure(c, shared, whole=len(shared.article) + 1)
    if (
        page_words < BACKGROUND_WORDS
        or c.evidence < SUMMARY_EVIDENCE * settings.min_evidence
        or c.density < SUMMARY_DENSITY
    ):
        return None
    parts = sorted((sum(s.weight for s in part) for part in _clusters(seeds, settings.max_gap)), reverse=True)
    if parts[0] > SUMMARY_MAIN * sum(parts):
        return None  # one ordinary passage and a few stray seeds, not a summary
    if _order(seeds) < SUMMARY_ORDER or _largest_hole(seeds) > SUMMARY_HOLE * article_words:
        return None
    c.summary = True
    return c


def _agree(seed: Seed, run: Seed) -> bool:
    """Whether `run` covers about as much of `seed`'s words in the page as in the article."""
    page = max(0, min(seed.p1, run.p1) - max(seed.p0, run.p0)) / (seed.p1 - seed.p0)
    article = max(0, min(seed.a1, run.a1) - max(seed.a0, run.a0)) / (seed.a1 - seed.a0)
    return abs(page - article) < 0.5


def _order(seeds: list[Seed]) -> float:
    """Rank correlation of the seeds' places in the page and in the article (summaries keep order)."""
    if len(seeds) < 3:
        return 1.0
    page = np.argsort(np.argsort([s.p0 + s.p1 for s in seeds]))
    article = np.argsort(np.argsort([s.a0 + s.a1 for s in seeds]))
    if not page.std() or not article.std():
        return 0.0
    return float(np.corrcoef(page, article)[0, 1])


def _largest_hole(seeds: list[Seed]) -> int:
    """The most article words between two consecutive seeds."""
    hole, reach = 0, None
    for s in sorted(seeds, key=lambda s: s.a0):
        if reach is not None:
            hole = max(hole, s.a0 - reach)
        reach = s.a1 if reach is None else max(reach, s.a1)
    return hole


def _extend(c: _Candidate, shared: Shared) -> None:
    """Take in the words just outside a passage that match across a small edit (as inside it).

    Never across a sentence edge: the words after a copied sentence belong to what follows it.
    """
    article, page, a, p = shared.article.hashes, shared.page.hashes, shared.a, shared.p
    for _ in range(EDGE_STEPS):
        floor_a, floor_p = a.bounds[a.sentence[c.a0]], p.bounds[p.sentence[c.p0]]
        step = _nearest_match(
            article[max(floor_a, c.a0 - EDGE) : c.a0], page[max(floor_p, c.p0 - EDGE) : c.p0], before=True
        )
        if step is None:
            break
        c.a0, c.p0 = c.a0 - step[0], c.p0 - step[1]
    for _ in range(EDGE_STEPS):
        ceiling_a, ceiling_p = a.bounds[a.sentence[c.a1 - 1] + 1], p.bounds[p.sentence[c.p1 - 1] + 1]
        step = _nearest_match(
            article[c.a1 : min(ceiling_a, c.a1 + EDGE)],
            page[c.p1 : min(ceiling_p, c.p1 + EDGE)],
            before=False,
        )
        if step is None:
            break
        c.a1, c.p1 = c.a1 + step[0], c.p1 + step[1]


def _nearest_match(article: np.ndarray, page: np.ndarray, before: bool) -> tuple[int, int] | None:
    """How many words to take in, in each text, to reach the nearest word both windows share."""
    pairs = np.argwhere(article[:, None] == page[None, :])
    if not len(pairs):
        return None
    steps = np.column_stack((len(article) - pairs[:, 0], len(page) - pairs[:, 1])) if before else pairs + 1
    best = steps[np.argmin(steps.max(axis=1))]
    return int(best[0]), int(best[1])


def _snap(c: _Candidate, shared: Shared) -> None:
    """Stretch a rewritten passage to the sentence edges it nearly reaches in both texts.

    Only when words are missing on both sides: an excerpt that starts or ends exactly at a
    sentence edge of one text was cut there, and the other text's extra words were not taken.
    """
    a, p = shared.a, shared.p
    start_a, start_p = int(a.bounds[a.sentence[c.a0]]), int(p.bounds[p.sentence[c.p0]])
    end_a, end_p = int(a.bounds[a.sentence[c.a1 - 1] + 1]), int(p.bounds[p.sentence[c.p1 - 1] + 1])
    if 0 < c.a0 - start_a <= SNAP and 0 < c.p0 - start_p <= SNAP:
        c.a0, c.p0 = start_a, start_p
    if 0 < end_a - c.a1 <= SNAP and 0 < end_p - c.p1 <= SNAP:
        c.a1, c.p1 = end_a, end_p


def _round_to_sentences(start: int, end: int, info: TextInfo) -> tuple[int, int]:
    """A rewritten passage spanning sentences, stretched over the edge sentences it mostly covers."""
    first, last = info.sentence[start], info.sentence[end - 1]
    if first == last:
        return start, end
    head_start, head_end = int(info.bounds[first]), int(info.bounds[first + 1])
    tail_start, tail_end = int(info.bounds[last]), int(info.bounds[last + 1])
    if 2 * (head_end - start) >= head_end - head_start:
        start = head_start
    if 2 * (end - tail_start) >= tail_end - tail_start:
        end = tail_end
    return start, end


def _set_background(candidates: list[_Candidate], shared: Shared) -> None:
    """The share of the page's content words outside every candidate that the article also has."""
    outside = shared.p.content.copy()
    for c in candidates:
        outside[c.p0 : c.p1] = False
    if outside.sum() < BACKGROUND_WORDS:
        return  # the candidates are the whole page: nothing to compare them with
    found = float(np.isin(shared.page.hashes[outside], shared.article.hashes).mean())
    for c in candidates:
        c.background = found


def _settle(candidates: list[_Candidate], min_words: int) -> list[_Candidate]:
    """Keep the longest passages; trim the others off the page text already claimed."""
    kept: list[_Candidate] = []
    for c in sorted(candidates, key=lambda c: (-c.words, c.p0)):
        for other in kept:
            _trim(c, other)
        if c.words >= min_words and c.p1 - c.p0 >= min_words:
            kept.append(c)
    return kept


def _trim(c: _Candidate, other: _Candidate) -> None:
    """`c` without the page words `other` covers (keeping its larger free side)."""
    if c.p1 <= other.p0 or other.p1 <= c.p0:
        return
    head, tail = other.p0 - c.p0, c.p1 - other.p1
    if head >= tail and head > 0:
        c.a1, c.p1 = max(c.a0, c.a1 - (c.p1 - other.p0)), other.p0
    elif tail > 0:
        c.a0, c.p0 = min(c.a1, c.a0 + (other.p1 - c.p0)), other.p1
    else:
        c.a1, c.p1 = c.a0, c.p0


def _to_passage(c: _Candidate, article: Tokens, page: Tokens) -> Passage:
    return Passage(
        article_start=int(article.starts[c.a0]),
        article_end=int(article.ends[c.a1 - 1]),
        page_start=int(page.starts[c.p0]),
        page_end=int(page.ends[c.p1 - 1]),
        words=c.words,
    )
