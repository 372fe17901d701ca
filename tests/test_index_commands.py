"""`compliance index check|rebuild` (compliance/cli/index.py): the passage index against the database.

Drift is made the ways it happens: articles stored or deleted by a process that never caught this
host's index up, and an index folder that lost a segment (restored from an older copy), which the
ordinary catch-up cannot see since the counts it compares still agree. `check` reports each and
exits 1; `rebuild` puts the folder right, and checks find the articles again.
"""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner, Result
from conftest import FIXTURES
from factories import article_input, excerpt, fixture_bodies, page_with

from compliance.cli import main
from compliance.detect.fingerprint import encode, fingerprint
from compliance.pipeline import Archive
from compliance.settings import Settings
from compliance.store import Store


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def ingested(runner: CliRunner, env: dict[str, str]) -> Settings:
    """The fixture archive ingested by the CLI, its index caught up: the settings the CLI uses."""
    result = run(runner, "ingest", str(FIXTURES / "archive"))
    assert result.exit_code == 0, result.output
    return Settings.from_env()


def behind_the_index(settings: Settings) -> tuple[int, int]:
    """Store one article and delete another without catching the index up: (new id, deleted id)."""
    first = (FIXTURES / "archive" / "articles.jsonl").read_text(encoding="utf-8").splitlines()[0]
    with Store(settings) as store:
        deleted = store.article_by_url(json.loads(first)["url"])
        assert deleted is not None and store.delete_article(deleted.url)
        item = article_input(body=fixture_bodies()[0] + "\n\nUn paragraphe ajouté après coup.")
        make = lambda: encode(fingerprint(item.body, settings), item.url)  # noqa: E731
        [(added, _)] = store.upsert_articles([(item, make)])
    return added.id, deleted.id


def test_check_says_an_index_in_step(runner: CliRunner, ingested: Settings) -> None:
    result = run(runner, "index", "check")
    assert result.exit_code == 0, result.output
    assert (
        "25 fingerprints indexed, 25 stored" in result.output and "in step with the database" in result.output
    )


def test_check_reports_fingerprints_missing_and_entries_of_deleted_articles(
    runner: CliRunner, ingested: Settings
) -> None:
    added, deleted = behind_the_index(ingested)
    result = run(runner, "index", "check")
    assert result.exit_code == 1
    assert "missing from the index: 1 fingerprint(s)" in result.output
    assert "entries of deleted or re-ingested articles: 1 fingerprint(s)" in result.output
    assert f"article(s) ({deleted})" in result.output
    assert "compliance index rebuild" in result.stderr

    document = json.loads(run(runner, "index", "check", "--json").stdout)
    assert document["drift"] is True and document["params_match"] is True
    assert (document["indexed"], document["stored"]) == (25, 25)
    assert len(document["missing"]) == 1 and [entry["article"] for entry in document["stale"]] == [deleted]
    with Store(ingested) as store:
        assert document["missing"] == [store.fingerprints_for(document["missing"])[0].id]
        assert store.fingerprints_for(document["missing"])[0].article_id == added


def test_rebuild_puts_the_drift_right(runner: CliRunner, ingested: Settings) -> None:
    behind_the_index(ingested)
    result = run(runner, "index", "rebuild")
    assert result.exit_code == 0, result.output
    assert "index rebuilt in" in result.output and "25 fingerprints indexed" in result.output
    check = run(runner, "index", "check", "--json")
    assert check.exit_code == 0 and json.loads(check.stdout)["drift"] is False
    assert json.loads(check.stdout)["missing"] == [] and json.loads(check.stdout)["stale"] == []


def test_a_lost_segment_is_drift_only_rebuild_repairs(runner: CliRunner, ingested: Settings) -> None:
    """The index folder restored from a copy made before the last ingest: the counts still agree."""
    folder = ingested.index_path
    manifest = json.loads((folder / "manifest.json").read_text())
    extra = [article_input(body=body + "\n\nMise à jour de la rédaction.") for body in fixture_bodies()[:2]]
    with Archive(ingested) as archive:
        archive.ingest(extra)  # a second segment, then the first one is lost
    restored = json.loads((folder / "manifest.json").read_text())
    lost = [name for name in restored["segments"] if name in manifest["segments"]]
    assert lost, "the fixture ingest wrote a segment the restore can lose"
    restored["segments"] = [name for name in restored["segments"] if name not in lost]
    (folder / "manifest.json").write_text(json.dumps(restored))
    page = page_with(excerpt(fixture_bodies()[5], 120, start=10))
    with Archive(ingested) as archive:
        assert not archive.check_text(page), "the catch-up does not see the lost segment"

    result = run(runner, "index", "check")
    assert result.exit_code == 1 and "missing from the index: 25 fingerprint(s)" in result.output

    assert run(runner, "index", "rebuild").exit_code == 0
    assert run(runner, "index", "check").exit_code == 0
    with Archive(ingested) as archive:
        [match, *_] = archive.check_text(page)
    assert match.article.body == fixture_bodies()[5]


def test_compact_merges_every_segment_into_one_and_checks_still_find_the_articles(
    runner: CliRunner, ingested: Settings
) -> None:
    extra = [article_input(body=body + "\n\nMise à jour de la rédaction.") for body in fixture_bodies()[:3]]
    with Archive(ingested) as archive:
        for item in extra:
            archive.ingest([item])  # a segment each
        segments = len(archive.index.segments)
    assert segments >= 3
    result = run(runner, "index", "compact")
    assert result.exit_code == 0, result.output
    assert f"{segments} segment(s) merged into 1" in result.stdout
    manifest = json.loads((ingested.index_path / "manifest.json").read_text())
    assert len(manifest["segments"]) == 1
    assert sorted(p.name for p in ingested.index_path.iterdir() if p.is_dir()) == manifest["segments"]
    assert run(runner, "index", "check").exit_code == 0
    page = page_with(excerpt(fixture_bodies()[5], 120, start=10))
    with Archive(ingested) as archive:
        [match, *_] = archive.check_text(page)
    assert match.article.body == fixture_bodies()[5]
    assert "searches one" in run(runner, "index", "compact", "--help").output


def test_rebuild_of_an_empty_archive_and_its_help(runner: CliRunner, env: dict[str, str]) -> None:
    result = run(runner, "index", "rebuild")
    assert result.exit_code == 0 and "0 fingerprints indexed" in result.output
    assert run(runner, "index", "check").exit_code == 0
    assert "every stored fingerprint" in run(runner, "index", "rebuild", "--help").output
    assert "without catching it up" in run(runner, "index", "check", "--help").output
