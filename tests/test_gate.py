"""Quality gate on the fixtures: every expected match with its verdict, nothing else, and the
reproduced passages within a few characters of the expected spans (fixtures/expected.json).

`suspects` are texts checked as they are; `sites` are fixture sites whose pages are checked by
URL, in the order given, so that the whole visible page and the boilerplate rule are held too."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sites import serve

from compliance.pipeline import Archive
from compliance.records import Judged, Match
from compliance.settings import Settings

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


# --- whole pages of fixture sites, checked by URL in order (fixtures/sites/<site>/) ----------------

SITES = json.loads((FIXTURES / "expected.json").read_text(encoding="utf-8"))["sites"]


@pytest.mark.parametrize("case", SITES, ids=[case["site"] for case in SITES])
def test_fixture_site(case: dict, seeded_folder: Path, tmp_path: Path) -> None:
    """Each page checked by URL, in order, on one archive: copies anywhere on the visible page are
    found with their spans in the stored text; the site's shared boilerplate gives nothing after
    the first page."""
    folder = shutil.copytree(seeded_folder, tmp_path / "archive")
    with serve() as site:
        settings = Settings(
            database_url=f"sqlite:///{folder / 'archive.db'}",
            evidence_dir=str(tmp_path / "evidence"),
            fetch_allow_hosts=(f"127.0.0.1:{site.port}",),
        )
        with Archive(settings) as archive:
            for page in case["pages"]:
                report = archive.record_url(f"{site.url}/{case['site']}/{page['path']}")
                assert report.capture is not None
                assert archive.store.page_text(report.page.id) == report.capture.text == report.text
                found = {r.judged.match.article.url: r.judged for r in report.recorded}
                _check_site_page(page, found, report.text, report.capture.metadata["main_end"])


def _check_site_page(page: dict, found: dict[str, Judged], text: str, main_end: int) -> None:
    expected = {m["article_url"]: m for m in page["matches"]}
    assert set(found) == set(expected), f"{page['path']}: flagged articles differ from the expected ones"
    for url, want in expected.items():
        match = found[url].match
        assert found[url].decision.verdict == want["verdict"], (page["path"], url)
        wanted = merged(quote_spans(text, want["page_quotes"]), text)
        got = merged([(p.page_start, p.page_end) for p in match.passages], text)
        assert len(got) == len(wanted), f"{page['path']}: passages {got} for expected {wanted}"
        for (gs, ge), (ws, we) in zip(got, wanted, strict=True):
            assert abs(gs - ws) <= TOLERANCE and abs(ge - we) <= TOLERANCE, (page["path"], got, wanted)
        if want["outside_main"]:
            assert all(p.page_start > main_end for p in match.passages), (page["path"], url)


def test_every_site_page_has_an_expectation() -> None:
    for case in SITES:
        files = {path.name for path in (FIXTURES / "sites" / case["site"]).glob("*.html")}
        assert files == {page["path"] for page in case["pages"]}, case["site"]
