"""The JSON documents the product prints: keys, types and values pinned, as DESIGN.md's contracts say."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from compliance import errors, shapes
from compliance.records import Article, Capture, CaptureKind, IngestReport, Match, Passage, Scores, Verdict

PASSAGE = Passage(article_start=10, article_end=250, page_start=37, page_end=277, words=41)
ARTICLE = Article(id=7, url="https://www.gazette-littoral.example/a", body="…", title="Un titre")
MATCH = Match(
    article=ARTICLE,
    passages=(PASSAGE,),
    scores=Scores(
        coverage=0.123456, similarity=0.0987654, page_share=0.5, reproduced_words=41, longest_passage_words=41
    ),
    verdict=Verdict.SUBSTANTIAL_EXCERPT,
)
CAPTURE = Capture(
    sha256="ab" * 32,
    warc_path="ab/" + "ab" * 32 + ".warc.gz",
    kind=CaptureKind.URL,
    requested_url="https://copier.example/p",
    final_url="https://copier.example/p/",
    redirects=(),
    status=200,
    headers={},
    server_ip="203.0.113.5",
    fetched_at=datetime(2024, 3, 12, 9, 30, tzinfo=UTC),
    tool_version="compliance/test",
    content_type="text/html",
    text="…",
    id=3,
)


def error_tree(cls: type[errors.ComplianceError]) -> list[type[errors.ComplianceError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in error_tree(child))]


ERROR_CLASSES = error_tree(errors.ComplianceError)


def test_passage_has_the_five_offsets_and_words() -> None:
    assert shapes.passage(PASSAGE) == {
        "article_start": 10,
        "article_end": 250,
        "page_start": 37,
        "page_end": 277,
        "words": 41,
    }


def test_match_keys_types_and_rounding() -> None:
    document = shapes.match(MATCH)
    assert list(document) == [
        "article",
        "coverage",
        "similarity",
        "page_share",
        "reproduced_words",
        "longest_passage_words",
        "verdict",
        "passages",
    ]
    assert document["article"] == {"id": 7, "url": ARTICLE.url, "title": "Un titre"}
    assert (document["coverage"], document["similarity"], document["page_share"]) == (0.1235, 0.0988, 0.5)
    assert type(document["verdict"]) is str and document["verdict"] == "substantial_excerpt"
    assert type(document["reproduced_words"]) is int and type(document["longest_passage_words"]) is int
    assert document["passages"] == [shapes.passage(PASSAGE)]


def test_match_serializes_byte_for_byte() -> None:
    """The bytes `check --json` printed before shapes.py existed."""
    expected = (
        '{"article": {"id": 7, "url": "https://www.gazette-littoral.example/a", "title": "Un titre"}, '
        '"coverage": 0.1235, "similarity": 0.0988, "page_share": 0.5, "reproduced_words": 41, '
        '"longest_passage_words": 41, "verdict": "substantial_excerpt", "passages": [{"article_start": 10, '
        '"article_end": 250, "page_start": 37, "page_end": 277, "words": 41}]}'
    )
    assert json.dumps(shapes.match(MATCH), ensure_ascii=False) == expected


def test_capture_says_where_the_evidence_is() -> None:
    assert shapes.capture(CAPTURE) == {
        "id": 3,
        "sha256": "ab" * 32,
        "final_url": "https://copier.example/p/",
        "fetched_at": "2024-03-12T09:30:00+00:00",
        "warc_path": CAPTURE.warc_path,
    }


@pytest.mark.parametrize(
    ("source", "keys"),
    [
        ({}, ["matches"]),
        ({"file": "page.txt"}, ["file", "matches"]),
        ({"file": "page.pdf", "evidence": CAPTURE}, ["file", "capture", "matches"]),
        ({"url": "https://copier.example/p", "evidence": CAPTURE}, ["url", "capture", "matches"]),
    ],
)
def test_check_result_names_its_input_before_the_matches(source: dict, keys: list[str]) -> None:
    document = shapes.check_result([MATCH], **source)
    assert list(document) == keys
    assert document["matches"] == [shapes.match(MATCH)]


def test_align_result_is_a_passages_list() -> None:
    assert shapes.align_result([PASSAGE, PASSAGE]) == {"passages": [shapes.passage(PASSAGE)] * 2}
    assert shapes.align_result([]) == {"passages": []}


def test_ingest_report_counts_and_reasons() -> None:
    report = IngestReport(ingested=2, updated=1, unchanged=0, failed=1, errors=("b.txt: not UTF-8",))
    assert shapes.ingest_report(report) == {
        "ingested": 2,
        "updated": 1,
        "unchanged": 0,
        "failed": 1,
        "errors": ["b.txt: not UTF-8"],
    }


@pytest.mark.parametrize("error_class", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_problem_document_of_every_error(error_class: type[errors.ComplianceError]) -> None:
    error = error_class("what went wrong, with the value")
    document = shapes.problem(error)
    assert list(document) == ["type", "title", "status", "detail"]
    assert document["type"] == errors.PROBLEM_BASE + error_class.problem
    assert document["title"] == error_class.title and document["title"]
    assert document["status"] == error_class.http_status and 400 <= document["status"] < 600
    assert document["detail"] == "what went wrong, with the value"
    assert json.loads(json.dumps(document)) == document
