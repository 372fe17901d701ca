"""Quality gate on the fixtures: every expected match with its verdict, nothing else, and the
reproduced passages within a few characters of the expected spans (fixtures/expected.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.pipeline import Archive
from compliance.records import Match

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
EXPECTED = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))["suspects"]
TOLERANCE = 5  # characters: a passage may stop before a closing quote or a final full stop


def merged(spans: list[tuple[int, int]], text: str) -> list[tuple[int, int]]:
    """Spans joined where only white space or punctuation separates them."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and not any(c.isalnum() for c in text[out[-1][1] : start]):
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def quote_spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    spans = []
    for quote in quotes:
        assert text.count(quote) == 1, f"fixture quote not unique: {quote[:40]}"
        spans.append((text.index(quote), text.index(quote) + len(quote)))
    return spans


@pytest.mark.parametrize("case", EXPECTED, ids=[case["file"] for case in EXPECTED])
def test_fixture_suspect(case: dict, loaded_archive: Archive) -> None:
    text = (FIXTURES / "suspects" / case["file"]).read_text(encoding="utf-8")
    found: dict[str, Match] = {m.article.url: m for m in loaded_archive.check_text(text)}
    expected = {m["article_url"]: m for m in case["matches"]}
    assert set(found) == set(expected), "flagged articles differ from the expected ones"
    for url, want in expected.items():
        match = found[url]
        assert match.verdict == want["verdict"], url
        wanted = merged(quote_spans(text, want["page_quotes"]), text)
        got = merged([(p.page_start, p.page_end) for p in match.passages], text)
        assert len(got) == len(wanted), f"{url}: passages {got} for expected {wanted}"
        for (gs, ge), (ws, we) in zip(got, wanted, strict=True):
            assert abs(gs - ws) <= TOLERANCE and abs(ge - we) <= TOLERANCE, (got, wanted)
        for passage in match.passages:
            assert 0 <= passage.article_start < passage.article_end <= len(match.article.body)


def test_every_suspect_file_has_an_expectation() -> None:
    files = {path.name for path in (FIXTURES / "suspects").glob("*.txt")}
    assert files == {case["file"] for case in EXPECTED}
