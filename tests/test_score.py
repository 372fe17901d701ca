"""Tests of compliance.detect.score: the verdict by size, each threshold of Settings on both sides."""

from __future__ import annotations

import pytest
from factories import article, excerpt, fixture_bodies, page_with, scores_of

from compliance.detect.normalize import tokenize
from compliance.detect.score import scores, verdict
from compliance.pipeline import match_article
from compliance.records import Passage, Verdict
from compliance.settings import Settings

DEFAULTS = Settings()
FULL, SUBSTANTIAL = Verdict.FULL_REPRODUCTION, Verdict.SUBSTANTIAL_EXCERPT
QUOTATION, SNIPPET = Verdict.SHORT_QUOTATION, Verdict.SNIPPET


def test_the_table_below_is_written_for_these_thresholds() -> None:
    assert DEFAULTS.thresholds() == {
        "full_coverage": 0.8,
        "substantial_coverage": 0.2,
        "substantial_words": 50,
        "quotation_words": 12,
        "min_match_words": 12,
    }


# (coverage, reproduced_words, longest_passage_words) → verdict under the default thresholds.
BOUNDARIES = [
    # min_match_words = 12: fewer reproduced words is too small to report, whatever the coverage.
    pytest.param(1.0, 11, 11, None, id="min_match_words-below:none-even-at-full-coverage"),
    pytest.param(0.01, 11, 11, None, id="min_match_words-below:none"),
    pytest.param(0.01, 12, 5, SNIPPET, id="min_match_words-at:snippet"),
    # full_coverage = 0.8
    pytest.param(0.8, 400, 400, FULL, id="full_coverage-at:full"),
    pytest.param(0.7999, 399, 399, SUBSTANTIAL, id="full_coverage-below:substantial"),
    pytest.param(0.95, 12, 12, FULL, id="full_coverage-above:full-for-a-short-article"),
    # substantial_coverage = 0.2 (passages shorter than substantial_words)
    pytest.param(0.2, 100, 40, SUBSTANTIAL, id="substantial_coverage-at:substantial"),
    pytest.param(0.1999, 100, 40, QUOTATION, id="substantial_coverage-below:quotation"),
    # substantial_words = 50 (coverage below substantial_coverage)
    pytest.param(0.1, 50, 50, SUBSTANTIAL, id="substantial_words-at:substantial"),
    pytest.param(0.1, 49, 49, QUOTATION, id="substantial_words-below:quotation"),
    pytest.param(0.1, 120, 49, QUOTATION, id="substantial_words-counts-the-longest-passage-not-the-sum"),
    # quotation_words = 12
    pytest.param(0.05, 12, 12, QUOTATION, id="quotation_words-at:quotation"),
    pytest.param(0.05, 30, 11, SNIPPET, id="quotation_words-below:snippet"),
]


@pytest.mark.parametrize(("coverage", "reproduced", "longest", "expected"), BOUNDARIES)
def test_verdict_boundaries(coverage: float, reproduced: int, longest: int, expected: Verdict | None) -> None:
    result = scores_of(coverage=coverage, reproduced_words=reproduced, longest_passage_words=longest)
    assert verdict(result, DEFAULTS) == expected


# The same sides with every threshold moved: the verdict reads Settings, not constants.
MOVED = Settings(
    full_coverage=0.5, substantial_coverage=0.1, substantial_words=30, quotation_words=20, min_match_words=25
)


@pytest.mark.parametrize(
    ("coverage", "reproduced", "longest", "expected"),
    [
        pytest.param(0.5, 25, 25, FULL, id="full_coverage-at"),
        pytest.param(0.49, 100, 100, SUBSTANTIAL, id="full_coverage-below"),
        pytest.param(0.1, 100, 10, SUBSTANTIAL, id="substantial_coverage-at"),
        pytest.param(0.09, 100, 29, QUOTATION, id="substantial_coverage-below"),
        pytest.param(0.05, 30, 30, SUBSTANTIAL, id="substantial_words-at"),
        pytest.param(0.05, 29, 29, QUOTATION, id="substantial_words-below"),
        pytest.param(0.05, 25, 20, QUOTATION, id="quotation_words-at"),
        pytest.param(0.05, 25, 19, SNIPPET, id="quotation_words-below"),
        pytest.param(0.9, 24, 24, None, id="min_match_words-below"),
    ],
)
def test_verdict_reads_the_thresholds_in_force(
    coverage: float, reproduced: int, longest: int, expected: Verdict | None
) -> None:
    result = scores_of(coverage=coverage, reproduced_words=reproduced, longest_passage_words=longest)
    assert verdict(result, MOVED) == expected


def test_verdicts_are_the_contract_words() -> None:
    found = verdict(scores_of(coverage=1.0, reproduced_words=300, longest_passage_words=300), DEFAULTS)
    assert isinstance(found, Verdict) and found == "full_reproduction"


def test_scores_count_the_words_inside_the_passages() -> None:
    body = "un deux trois quatre cinq six sept huit neuf dix"
    page = page_with(excerpt(body, 4, start=2))
    start = page.index("trois")
    passage = Passage(
        body.index("trois"), body.index(" sept"), start, start + len("trois quatre cinq six"), 4
    )
    page_tokens = tokenize(page)
    result = scores([passage], tokenize(body), page_tokens, DEFAULTS)
    assert (result.reproduced_words, result.longest_passage_words) == (4, 4)
    assert result.coverage == pytest.approx(0.4)
    assert result.page_share == pytest.approx(4 / len(page_tokens)) and len(page_tokens) > 30


# Whole pipeline, one article: how much of it a page reproduces decides the verdict.
@pytest.mark.parametrize(
    ("words", "expected"),
    [
        pytest.param(10_000, FULL, id="the-whole-article"),
        pytest.param(150, SUBSTANTIAL, id="over-a-fifth-of-it"),
        pytest.param(60, SUBSTANTIAL, id="one-long-passage"),
        pytest.param(25, QUOTATION, id="a-quotation"),
        pytest.param(6, None, id="a-few-words"),
    ],
)
def test_a_page_with_part_of_an_article_gets_the_verdict_of_its_size(
    words: int, expected: Verdict | None
) -> None:
    ours = article(body=fixture_bodies()[2])
    page = page_with(excerpt(ours.body, words, start=40 if words < 10_000 else 0))
    found = match_article(ours, tokenize(page), DEFAULTS)
    assert (found.verdict if found else None) == expected
