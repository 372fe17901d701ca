"""The PAN scorer (bench/plagdet.py) on hand-made cases whose measures are known."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from plagdet import Annotation, evaluate, read_annotations, write_detections

SUSP, SRC = "suspicious-document00001.txt", "source-document00001.txt"


def case(this: tuple[int, int], source: tuple[int, int], src: str = SRC) -> Annotation:
    """An annotation of characters [this) of the suspicious document and [source) of `src`."""
    return Annotation(SUSP, src, this[0], this[1] - this[0], source[0], source[1] - source[0])


CASE = case((100, 200), (1000, 1100))


def test_perfect_detection_scores_one() -> None:
    m = evaluate([CASE], [CASE])
    assert (m.precision, m.recall, m.granularity, m.plagdet) == (1.0, 1.0, 1.0, 1.0)


def test_a_detection_split_in_two_has_granularity_two() -> None:
    halves = [case((100, 150), (1000, 1050)), case((150, 200), (1050, 1100))]
    m = evaluate([CASE], halves)
    assert (m.precision, m.recall, m.granularity) == (1.0, 1.0, 2.0)
    assert m.plagdet == pytest.approx(1 / math.log2(3))


def test_half_coverage_in_both_documents_is_recall_one_half() -> None:
    m = evaluate([CASE], [case((100, 150), (1000, 1050))])
    assert (m.precision, m.recall, m.granularity) == (1.0, 0.5, 1.0)
    assert m.plagdet == pytest.approx(2 / 3)


def test_no_detection_scores_zero() -> None:
    m = evaluate([CASE], [])
    assert (m.precision, m.recall, m.plagdet) == (0.0, 0.0, 0.0)


def test_no_case_and_no_detection_is_perfect() -> None:
    assert evaluate([], []).plagdet == 1.0


def test_a_detection_where_there_is_no_case_has_precision_zero() -> None:
    m = evaluate([], [CASE])
    assert (m.precision, m.recall, m.plagdet) == (0.0, 0.0, 0.0)


def test_a_detection_twice_as_long_as_the_case_has_precision_one_half() -> None:
    m = evaluate([CASE], [case((100, 300), (1000, 1200))])
    assert (m.precision, m.recall) == (0.5, 1.0)
    assert m.plagdet == pytest.approx(2 / 3)


def test_overlap_in_one_document_only_detects_nothing() -> None:
    elsewhere = case((100, 200), (5000, 5100))
    m = evaluate([CASE], [elsewhere])
    assert (m.precision, m.recall, m.granularity) == (0.0, 0.0, 1.0)


def test_another_source_document_detects_nothing() -> None:
    m = evaluate([CASE], [case((100, 200), (1000, 1100), src="source-document00002.txt")])
    assert (m.precision, m.recall) == (0.0, 0.0)


def test_characters_of_both_documents_count() -> None:
    long_source = case((100, 200), (1000, 1300))  # 100 + 300 characters
    m = evaluate([long_source], [case((100, 200), (1000, 1100))])  # all of one, a third of the other
    assert m.recall == pytest.approx(200 / 400)
    assert m.precision == 1.0


def test_recall_averages_over_cases_and_precision_over_detections() -> None:
    other = case((500, 600), (2000, 2100))
    m = evaluate([CASE, other], [CASE])
    assert (m.recall, m.precision) == (0.5, 1.0)
    spurious = case((800, 900), (3000, 3100))
    m = evaluate([CASE], [CASE, spurious])
    assert (m.recall, m.precision) == (1.0, 0.5)


def test_overlapping_detections_count_each_character_once() -> None:
    both = [case((100, 200), (1000, 1100)), case((150, 200), (1050, 1100))]
    m = evaluate([CASE], both)
    assert (m.recall, m.precision, m.granularity) == (1.0, 1.0, 2.0)


def test_detections_round_trip_through_pan_xml(tmp_path: Path) -> None:
    path = tmp_path / "detections.xml"
    detections = [CASE, case((300, 350), (7, 9))]
    write_detections(path, SUSP, detections)
    assert read_annotations(path, "detected-plagiarism") == detections
    assert read_annotations(path, "plagiarism") == []
