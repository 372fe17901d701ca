"""A check's cost is bounded: a long page is checked in overlapping parts of bounded length.

What is pinned here is the mechanism, counted rather than timed: every part is looked up once and
aligned with at most `max_candidates` articles, each alignment sees at most `check_part_words`
words, and passages that straddle a part boundary come back whole, with exact offsets into the
page as given. A page up to `align_whole_words` is looked up in parts but aligned whole, once per
article. Timings are in bench/page_size_bench.py.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from compliance import pipeline
from compliance.detect.arrays import distinct
from compliance.detect.index import PassageIndex
from compliance.detect.normalize import Tokens, tokenize
from compliance.detect.parts import merge_passages, page_parts, part_tokens, shifted
from compliance.errors import ConfigurationError
from compliance.pipeline import Archive
from compliance.records import Passage, Verdict
from compliance.settings import Settings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
RECORDS = [
    json.loads(line) for line in (FIXTURES / "archive" / "articles.jsonl").read_text("utf-8").splitlines()
]
SYLLABLES = [consonant + vowel for consonant in "bdfgklmnprstvz" for vowel in "aiou"]


def filler(words: int, rng: random.Random) -> str:
    """Sentences of made-up words that share nothing with the archive."""
    out: list[str] = []
    while len(out) < words:
        sentence = ["".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(rng.randint(6, 18))]
        sentence[0] = sentence[0].capitalize()
        sentence[-1] += "."
        out.extend(sentence)
    return " ".join(out[:words])


def with_parts(archive: Archive, part_words: int, overlap: int, align_whole_words: int = 0) -> Archive:
    """The same archive (store and index shared), checking in parts of `part_words` (and aligning
    pages up to `align_whole_words` whole: none by default)."""
    settings = archive.settings.replace(
        check_part_words=part_words, check_part_overlap=overlap, align_whole_words=align_whole_words
    )
    return Archive(settings, store=archive.store)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[int]]]:
    """Every alignment (the page words it is given) and every index look-up of the checks."""
    seen: dict[str, list[int]] = {"aligned": [], "queries": []}
    align, query = pipeline.align, PassageIndex.query

    def counting_align(article: Tokens, page: Tokens, settings: Settings) -> list[Passage]:
        seen["aligned"].append(len(page))
        return align(article, page, settings)

    def counting_query(self: PassageIndex, windows: np.ndarray, max_df: int, limit: int) -> list:
        seen["queries"].append(len(windows))
        return query(self, windows, max_df, limit)

    monkeypatch.setattr(pipeline, "align", counting_align)
    monkeypatch.setattr(PassageIndex, "query", counting_query)
    yield seen


# --- the parts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 399, 400, 401, 719, 720, 721, 5_000, 12_345])
def test_parts_cover_the_page_with_bounded_overlapping_parts(length: int) -> None:
    parts = page_parts(length, 400, 80)
    if length <= 400:
        assert parts == [(0, length)]
        return
    assert parts[0][0] == 0 and parts[-1][1] == length
    assert all(end - start == 400 for start, end in parts)
    assert all(next_start <= end - 80 for (_, end), (next_start, _) in pairwise(parts))
    # Linear: no more parts than the stride fits in the page, plus the last one.
    assert len(parts) <= (length - 80) // (400 - 80) + 1


def test_a_part_keeps_the_page_text_and_its_offsets() -> None:
    text = "L’État  a dit : « non ».\n\nPuis, 12,5 % de plus… d’accord ? Œuvre fin"
    page = tokenize(text)
    part, offset = part_tokens(page, 2, 7)
    assert part.hashes.tolist() == page.hashes[2:7].tolist()
    for k in range(len(part)):
        word = part.text[part.starts[k] : part.ends[k]]
        assert word == text[offset + part.starts[k] : offset + part.ends[k]]
        assert offset + part.starts[k] == page.starts[2 + k]
    assert part_tokens(page, 0, len(page)) == (page, 0)


def test_pieces_of_one_passage_are_joined_and_copies_kept_once() -> None:
    article = tokenize("un deux trois quatre cinq six sept huit neuf dix")
    starts, ends = article.starts.tolist(), article.ends.tolist()

    def piece(first: int, last: int, page_start: int) -> Passage:
        return Passage(
            starts[first], ends[last], page_start, page_start + ends[last] - starts[first], last - first + 1
        )

    head, tail = piece(0, 5, 100), piece(3, 9, 100 + starts[3])
    assert merge_passages([tail, head], article) == [piece(0, 9, 100)]
    assert merge_passages([head, head], article) == [head]
    elsewhere = piece(1, 2, 500)
    assert merge_passages([elsewhere, head], article) == [head, elsewhere]
    # The same page words mapped to another place of the article: the longer passage stays.
    conflicting = Passage(starts[7], ends[8], 101, 101 + ends[8] - starts[7], 2)
    assert merge_passages([head, conflicting], article) == [head]
    assert shifted([head], 7) == [Passage(head.article_start, head.article_end, 107, head.page_end + 7, 6)]


@pytest.mark.parametrize(("words", "overlap"), [(0, 0), (100, 0), (100, 51), (-5, 1)])
def test_part_settings_are_checked(words: int, overlap: int) -> None:
    with pytest.raises(ConfigurationError, match="check_part"):
        Settings(check_part_words=words, check_part_overlap=overlap)


@pytest.mark.parametrize("words", [-1, 2.5, "many"])
def test_align_whole_words_is_checked(words: object) -> None:
    with pytest.raises(ConfigurationError, match="align_whole_words must be an integer >= 0"):
        Settings(align_whole_words=words)  # type: ignore[arg-type]


def test_distinct_is_numpy_unique() -> None:
    rng = np.random.default_rng(3)
    for values in (rng.integers(0, 50, 300), rng.integers(0, 2**63, 1000, dtype=np.uint64), np.zeros(0)):
        assert np.array_equal(distinct(values), np.unique(values))


# --- a long page, checked in parts ------------------------------------------------------------------


def test_a_passage_straddling_a_part_boundary_is_found_whole_with_exact_offsets(
    loaded_archive: Archive, counted: dict[str, list[int]]
) -> None:
    record = RECORDS[3]
    source = loaded_archive.store.article_by_url(record["url"])
    assert source is not None
    body = tokenize(source.body)
    first, words = 30, 120
    excerpt = (int(body.starts[first]), int(body.ends[first + words - 1]))
    rng = random.Random(7)
    # Parts of 400 words start every 320: the excerpt starts 300 words into one of them, so it runs
    # past that part's end and starts before the next one's start.
    head = filler(4 * 320 + 300, rng)
    page = f"{head} {source.body[excerpt[0] : excerpt[1]]} {filler(1_500, rng)}"
    span = (len(head) + 1, len(head) + 1 + excerpt[1] - excerpt[0])

    tokens = tokenize(page)
    at = int(np.searchsorted(tokens.starts, span[0]))
    parts = page_parts(len(tokens), 400, 80)
    assert len(parts) > 5
    assert not any(start <= at and at + words <= end for start, end in parts), "no part holds it whole"

    [match] = with_parts(loaded_archive, 400, 80).check_text(page)
    assert match.article.id == source.id
    assert match.passages == (Passage(excerpt[0], excerpt[1], span[0], span[1], words),)
    assert page[span[0] : span[1]] == source.body[excerpt[0] : excerpt[1]]
    assert len(counted["queries"]) == len(parts)
    assert max(counted["aligned"]) <= 400

    # The same page checked in one part gives the same match.
    [whole] = with_parts(loaded_archive, 20_000, 100).check_text(page)
    assert (whole.passages, whole.verdict, whole.scores) == (match.passages, match.verdict, match.scores)


def test_work_per_part_is_bounded_and_full_copies_are_found_across_parts(
    loaded_archive: Archive, counted: dict[str, list[int]]
) -> None:
    page = "\n\n".join(record["body"] for record in RECORDS)
    archive = with_parts(loaded_archive, 500, 100)
    matches = {m.article.url: m for m in archive.check_text(page)}

    parts = page_parts(len(tokenize(page)), 500, 100)
    assert len(parts) > 10
    assert len(counted["queries"]) == len(parts)  # one index look-up per part
    per_part = archive.settings.max_candidates + archive.settings.bag_candidates  # the two channels
    assert len(counted["aligned"]) <= len(parts) * per_part
    assert max(counted["aligned"]) == 500  # no alignment ever sees more than one part
    for record in RECORDS:
        match = matches[record["url"]]
        assert match.scores.coverage >= 0.8, record["url"]
        assert match.verdict == Verdict.FULL_REPRODUCTION


def test_a_page_of_one_part_is_aligned_whole(loaded_archive: Archive, counted: dict[str, list[int]]) -> None:
    body = RECORDS[0]["body"]
    page = f"{filler(300, random.Random(1))} {body} {filler(300, random.Random(2))}"
    [match] = loaded_archive.check_text(page)
    assert match.article.url == RECORDS[0]["url"]
    assert counted["aligned"] and set(counted["aligned"]) == {len(tokenize(page))}
    assert len(counted["queries"]) == 1


def test_a_page_up_to_align_whole_words_is_aligned_whole_once_per_article(
    loaded_archive: Archive, counted: dict[str, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    page = "\n\n".join(record["body"] for record in RECORDS)
    length = len(tokenize(page))
    parts = page_parts(length, 500, 100)
    by_part = {m.article.url: m for m in with_parts(loaded_archive, 500, 100).check_text(page)}
    counted["aligned"].clear()
    counted["queries"].clear()
    articles: list[str] = []
    align = pipeline.align

    def recording_align(article: Tokens, page: Tokens, settings: Settings) -> list[Passage]:
        articles.append(article.text)
        return align(article, page, settings)

    monkeypatch.setattr(pipeline, "align", recording_align)
    whole = {m.article.url: m for m in with_parts(loaded_archive, 500, 100, length).check_text(page)}
    assert len(counted["queries"]) == len(parts)  # still looked up part by part
    assert set(counted["aligned"]) == {length}  # ...but every alignment sees the whole page
    assert len(articles) == len(set(articles))  # once per article, not once per part it is found in
    assert whole.keys() == by_part.keys() == {record["url"] for record in RECORDS}
    for url, match in whole.items():
        assert match.verdict == by_part[url].verdict == Verdict.FULL_REPRODUCTION
        assert match.scores.coverage >= 0.8, url

    # One word longer than the setting: aligned part by part again.
    counted["aligned"].clear()
    with_parts(loaded_archive, 500, 100, length - 1).check_text(page)
    assert max(counted["aligned"]) == 500
