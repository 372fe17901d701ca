"""Arabic proclitics (normalization 2) and the upgrade that recomputes older fingerprints.

The fixture in fixtures/arabic/ is an article written for these tests and a copy of it with its
proclitics changed (و added or dropped, ال added, dropped or merged with ل and ب).
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from alembic import command
from click.testing import CliRunner
from databases import query
from hypothesis import given
from hypothesis import strategies as st

from compliance.cli import main
from compliance.detect.align import align
from compliance.detect.fingerprint import encode, fingerprint
from compliance.detect.normalize import (
    MIN_STEM,
    NORMALIZATION,
    WORD,
    fold,
    normalize,
    token_hashes,
    tokenize,
)
from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import ArticleInput
from compliance.settings import Settings
from compliance.store.engine import alembic_config

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ARTICLE_FILE = FIXTURES / "arabic" / "article.json"
ARTICLE = json.loads(ARTICLE_FILE.read_text(encoding="utf-8"))
ARABIC = re.compile("[\u0600-\u06ff]")  # only articles with Arabic words get new windows
COPY = (FIXTURES / "arabic" / "copy_clitics.txt").read_text(encoding="utf-8")


# --- Folding: one word at a time ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("word", "folded"),
    [
        # The article and its assimilations: one stem whatever is in front of it.
        ("الحكومة", "حكومه"),
        ("والحكومة", "حكومه"),
        ("فالحكومة", "حكومه"),
        ("بالحكومة", "حكومه"),
        ("كالحكومة", "حكومه"),
        ("للحكومة", "حكومه"),  # ل + ال, the alef dropped
        ("وللحكومة", "حكومه"),
        ("وبالحكومة", "حكومه"),
        ("حكومة", "حكومه"),
        # One-letter proclitics on a bare word.
        ("وقال", "قال"),
        ("فقال", "قال"),
        ("بمدينة", "مدينه"),
        ("لمدينة", "مدينه"),
        ("كمدينة", "مدينه"),
        # Never below three letters: short words keep what would be a proclitic.
        ("الحي", "الحي"),
        ("ومن", "ومن"),
        ("الله", "الله"),
        ("لكن", "لكن"),
        ("بها", "بها"),
        ("وفي", "وفي"),
        ("في", "في"),
        # A root letter that looks like a proclitic goes in every form alike (light stemming).
        ("وزير", "زير"),
        ("الوزير", "زير"),
        ("والوزير", "زير"),
        # Diacritics, tatweel and letter variants are folded first.
        ("وَالحُكُومَةُ", "حكومه"),
        ("والحكـــومة", "حكومه"),
        ("بالإضافة", "اضافه"),
        ("وأعلنت", "اعلنت"),
        ("وإلى", "الي"),
        # French and digits are untouched.
        ("État", "etat"),
        ("bal", "bal"),
        ("lalala", "lalala"),
        ("٢٠٢١", "2021"),
    ],
)
def test_proclitics_are_stripped_down_to_three_letters(word: str, folded: str) -> None:
    assert fold(word) == folded


def test_the_first_normalization_keeps_proclitics() -> None:
    assert fold("والحكومة", 1) == "والحكومه" and fold("الحكومة", 1) == "الحكومه"
    assert fold("État", 1) == fold("État") == "etat"


def test_an_unknown_normalization_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown normalization 7"):
        token_hashes("نص", 7)


ARABIC_LETTERS = st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
PROCLITICS = st.sampled_from(["و", "ف", "ب", "ل", "ك", "ال", "وال", "بال", "لل", "فال", "كال", "ولل"])


@given(st.text(ARABIC_LETTERS, min_size=MIN_STEM, max_size=9), PROCLITICS)
def test_a_proclitic_in_front_of_a_word_strips_back_to_that_word(word: str, proclitic: str) -> None:
    # "لل" is ل + ال with the alef dropped: it stands for the article, as "الل" never does.
    assert fold(proclitic + word) == fold(word)


@given(st.text(st.sampled_from("ابتثجحخدذرزسشصضطظعغفقكلمنهوي ،.ـَُِ"), max_size=60))
def test_arabic_normalization_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@given(st.text(st.characters(exclude_categories=["Cs"]).filter(lambda c: not ARABIC.match(c)), max_size=80))
def test_text_without_arabic_letters_folds_as_before(text: str) -> None:
    assert np.array_equal(token_hashes(text, 1), token_hashes(text))


def test_the_french_fixture_articles_fold_as_before() -> None:
    bodies = [r.body for r in read_paths([FIXTURES / "archive"], Settings()) if isinstance(r, ArticleInput)]
    words = [w for body in bodies for w in WORD.findall(body) if not ARABIC.search(w)]
    assert len(words) > 5000
    assert [w for w in words if fold(w, 1) != fold(w)] == []


# --- Spans: the whole original word ---------------------------------------------------------------


def test_token_spans_cover_the_whole_original_word() -> None:
    text = "« وَالحكـومة » قررت، وللمدينة خطة"
    tokens = tokenize(text)
    words = [text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)]
    assert words == ["وَالحكـومة", "قررت", "وللمدينة", "خطة"]
    assert normalize(text) == "حكومه قررت مدينه خطه"


def test_copy_with_proclitics_changed_aligns_whole_and_its_passage_cuts_whole_words() -> None:
    settings = Settings()
    before = align(tokenize(ARTICLE["body"], 1), tokenize(COPY, 1), settings)
    [passage] = align(tokenize(ARTICLE["body"]), tokenize(COPY), settings)
    assert before == []  # the first normalization saw 83 of the 177 words differ
    assert passage.words >= 170
    assert COPY[passage.page_start : passage.page_end].startswith("وأعلنت")
    assert COPY[passage.page_end - 1] == "ل"  # …الأشغال: the last word whole, up to its last letter
    assert ARTICLE["body"][passage.article_start : passage.article_end].endswith("الأشغال")


# --- End to end: the archive finds the copy -------------------------------------------------------


def _settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, index_dir=str(tmp_path / "index"))


def test_the_archive_finds_the_copy_with_full_coverage(tmp_path: Path) -> None:
    with Archive(_settings(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)) as archive:
        report = archive.ingest(read_paths([ARTICLE_FILE], archive.settings))
        assert (report.ingested, report.failed) == (1, 0)
        [match] = archive.check_text(COPY)
    assert match.article.url == ARTICLE["url"]
    assert match.scores.coverage == 1.0 and match.verdict == "full_reproduction"


# --- The upgrade: fingerprints of an older normalization are recomputed ---------------------------


def _old_archive(database_url: str, tmp_path: Path) -> list[int]:
    """An archive as the first normalization left it: fixture articles fingerprinted by it, at 0007.

    Returns the fingerprint ids. The schema goes back to revision 0007 (no `normalization`
    column), so reopening it runs migration 0010 as an upgrade of a real archive would.
    """
    settings = _settings(database_url, tmp_path)
    with Archive(settings) as archive:
        records = [*read_paths([FIXTURES / "archive", ARTICLE_FILE], settings)]
        old = [(r, encode(fingerprint(r.body, settings, normalization=1), r.url)) for r in records]
        archive.store.upsert_articles(old)  # type: ignore[arg-type]
        ids = [stored.id for stored in archive.store.fingerprints_after(0)]
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "0007")
            assert "normalization" not in {
                c["name"] for c in sa.inspect(connection).get_columns("fingerprints")
            }
    finally:
        engine.dispose()
    return ids


def _windows_by_url(archive: Archive) -> dict[str, bytes]:
    """The stored window minima of every article, by url."""
    stored = list(archive.store.fingerprints_after(0))
    urls = {a.id: a.url for a in archive.store.get_articles(s.article_id for s in stored).values()}
    return {urls[s.article_id]: s.fingerprint.windows for s in stored}


def _normalizations(database_url: str) -> list[int]:
    return [row[0] for row in query(database_url, "SELECT normalization FROM fingerprints ORDER BY id")]


def test_upgrade_recomputes_every_older_fingerprint_and_then_finds_the_copy(
    database_url: str, tmp_path: Path, runner: CliRunner, clean_env: None
) -> None:
    old_ids = _old_archive(database_url, tmp_path)
    settings = _settings(database_url, tmp_path)
    with Archive(settings) as archive:  # opening migrates: every row says normalization 1
        assert archive.outdated_fingerprints() == len(old_ids) > 10
        assert set(_normalizations(database_url)) == {1}
        before = _windows_by_url(archive)

    env = {"COMPLIANCE_DATABASE_URL": database_url, "COMPLIANCE_INDEX_DIR": settings.index_dir}
    result = runner.invoke(main, ["fingerprints", "refresh", "--batch", "4"], env=env)
    assert result.exit_code == 0, result.output
    assert f"recomputed {len(old_ids)} fingerprints" in result.stderr

    assert _normalizations(database_url) == [NORMALIZATION] * len(old_ids)
    with Archive(settings) as archive:
        new_ids = [stored.id for stored in archive.store.fingerprints_after(0)]
        assert min(new_ids) > max(old_ids)  # new rows: the index follows by id
        after = _windows_by_url(archive)
        changed = {url for url in before if before[url] != after[url]}
        assert ARTICLE["url"] in changed
        assert changed == {a.url for a in archive.store.iter_articles() if ARABIC.search(a.body)}
        assert archive.outdated_fingerprints() == 0
        [match] = [m for m in archive.check_text(COPY) if m.article.url == ARTICLE["url"]]
        assert match.scores.coverage == 1.0 and match.verdict == "full_reproduction"
    again = runner.invoke(main, ["fingerprints", "refresh"], env=env)
    assert again.exit_code == 0 and again.stdout == "every fingerprint is up to date\n"


def test_ingest_recomputes_older_fingerprints_first(
    tmp_path: Path, runner: CliRunner, clean_env: None
) -> None:
    database_url = f"sqlite:///{tmp_path / 'old.db'}"
    old_ids = _old_archive(database_url, tmp_path)
    env = {"COMPLIANCE_DATABASE_URL": database_url, "COMPLIANCE_INDEX_DIR": str(tmp_path / "index")}
    result = runner.invoke(main, ["ingest", str(FIXTURES / "arabic" / "article.json")], env=env)
    assert result.exit_code == 0, result.output
    assert f"recomputed {len(old_ids)} fingerprints" in result.stderr
    assert "unchanged 1" in result.stdout  # the article's new fingerprint has the current params
    assert set(_normalizations(database_url)) == {NORMALIZATION}


def test_an_article_changed_during_the_refresh_keeps_its_new_fingerprint(tmp_path: Path) -> None:
    settings = _settings(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)
    with Archive(settings) as archive:
        [item] = read_paths([ARTICLE_FILE], settings)
        assert isinstance(item, ArticleInput)
        archive.store.upsert_articles([(item, encode(fingerprint(item.body, settings, 1), item.url))])
        [[(old_id, read)]] = archive.store.outdated_fingerprints(NORMALIZATION)
        # Another writer updates the article between the read and the write of the batch.
        edited = replace(item, body=item.body + "\n\nتحديث: صادق المجلس على الخطة.")
        archive.save_article(edited)
        made = [(old_id, encode(fingerprint(read.body, settings), read.url))]
        assert archive.store.replace_fingerprints(made) == 0
        [stored] = archive.store.fingerprints_after(0)
        assert stored.id > old_id and stored.fingerprint.params["normalization"] == NORMALIZATION
        assert archive.outdated_fingerprints() == 0
        [match] = archive.check_text(edited.body)
        assert match.scores.coverage == 1.0


def test_refresh_goes_batch_by_batch_with_progress(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'old.db'}"
    old_ids = _old_archive(database_url, tmp_path)
    steps: list[int] = []
    with Archive(_settings(database_url, tmp_path)) as archive:
        assert archive.refresh_fingerprints(batch=5, progress=steps.append) == len(old_ids)
        assert archive.refresh_fingerprints(batch=5, progress=steps.append) == 0  # nothing left
    assert steps == [5] * (len(old_ids) // 5) + ([len(old_ids) % 5] if len(old_ids) % 5 else [])


def test_a_worker_recomputes_older_fingerprints_before_it_starts(
    tmp_path: Path, runner: CliRunner, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    database_url = f"sqlite:///{tmp_path / 'old.db'}"
    old_ids = _old_archive(database_url, tmp_path)
    started: list[int] = []  # the outdated fingerprints left when the Celery worker would start

    def run_worker(settings: Settings, concurrency: int | None, name: str | None) -> None:
        with Archive(settings) as archive:
            started.append(archive.outdated_fingerprints())

    monkeypatch.setattr("compliance.cli.scan.run_worker", run_worker)
    env = {"COMPLIANCE_DATABASE_URL": database_url, "COMPLIANCE_INDEX_DIR": str(tmp_path / "index")}
    result = runner.invoke(main, ["worker"], env=env)
    assert result.exit_code == 0, result.output
    assert f"recomputed {len(old_ids)} fingerprints" in result.stderr
    assert started == [0]
