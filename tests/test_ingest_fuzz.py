"""Properties of `compliance ingest` and `compliance check` on random and hostile input, on SQLite
and PostgreSQL: whatever the input, the command ends with exit 0 or 2 (never a traceback), every
line it writes on stderr is one whole message, and every good record of the same input is stored.

Hostile records: random JSON values in every field, random Unicode (NUL, lone surrogates, zero-width
and combining characters), dates from year 1 to 9999 in any offset, nesting thousands of levels
deep, integers too long for Python, bytes that are not UTF-8.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from compliance.cli import main
from compliance.settings import Settings
from compliance.store import Store

FIELDS = ("url", "body", "title", "author", "section", "language", "rights_notice", "source", "paywalled")
DATES = ("published_at", "updated_at")
# Words of our own, to make good bodies: a good record always has words to fingerprint.
WORDS = (
    *("le", "conseil", "municipal", "vote", "budget", "école", "quartier", "maire", "séance", "port"),
    *("pêcheurs", "marché", "hiver", "tribunal", "audience", "témoin", "route", "travaux", "digue"),
    *("vent", "récolte", "olivier", "bibliothèque", "lecteurs"),
)
PROPERTY = settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

any_text = st.text(st.characters(exclude_categories=()), max_size=40)  # NUL and lone surrogates too
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(any_text, inner, max_size=3),
    max_leaves=8,
)
offsets = st.integers(-24 * 60 + 1, 24 * 60 - 1).map(lambda minutes: timezone(timedelta(minutes=minutes)))
dates = st.datetimes(datetime(1, 1, 1), datetime(9999, 12, 31, 23, 59, 59), timezones=st.none() | offsets)
records = st.fixed_dictionaries(
    {},
    optional={
        **{name: json_values | any_text for name in FIELDS},
        **{name: dates.map(datetime.isoformat) | json_values for name in DATES},
        "extra": json_values,
    },
)
good_bodies = st.lists(st.lists(st.sampled_from(WORDS), min_size=3, max_size=30).map(" ".join), max_size=3)


def nested(levels: int) -> str:
    return '{"url": "https://x.example/deep", "body": "mot", "x": ' + "[" * levels + "]" * levels + "}"


# A JSON value as text: ASCII (lone surrogates as their \u escapes) or raw UTF-8.
json_texts = records.map(json.dumps) | st.integers(1, 3000).map(nested)
jsonl_lines = st.one_of(
    json_texts.map(str.encode),
    records.map(lambda r: json.dumps(r, ensure_ascii=False).encode("utf-8", "surrogatepass")),
    st.integers(4000, 6000).map(lambda n: f'{{"url": "u", "body": "mot", "n": {"9" * n}}}'.encode()),
    st.binary(max_size=30).filter(lambda b: b"\n" not in b),
)


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> str:
    """The CLI on one database for every example: each example's good urls are its own."""
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPLIANCE_EVIDENCE_DIR", str(tmp_path / "evidence"))
    monkeypatch.setenv(
        "COMPLIANCE_INDEX_DIR", str(tmp_path / "index")
    )  # not ./var/index: PostgreSQL's default
    return database_url


def mixed(data: st.DataObject, good: list[bytes], hostile: list[bytes]) -> list[bytes]:
    """The good and hostile lines in an order Hypothesis draws."""
    lines = good + hostile
    return [lines[i] for i in data.draw(st.permutations(range(len(lines))))]


def assert_clean_exit(result: Any) -> None:
    """Exit 0 or 2, and every line on stderr one of the CLI's own one-line messages."""
    assert result.exit_code in (0, 2), (result.exception, result.output)
    assert all(line.startswith("compliance: ") for line in result.stderr.splitlines()), result.stderr


@PROPERTY
@given(data=st.data(), bodies=good_bodies, hostile=st.lists(jsonl_lines, max_size=4), as_list=st.booleans())
def test_ingest_stores_every_good_record_whatever_surrounds_it(
    env: str,
    tmp_path_factory: pytest.TempPathFactory,
    data: st.DataObject,
    bodies: list[str],
    hostile: list[bytes],
    as_list: bool,
) -> None:
    folder = tmp_path_factory.mktemp("input")
    good = {f"https://good.example/{uuid.uuid4().hex}": body for body in bodies}
    good_lines = [json.dumps({"url": url, "body": body}).encode() for url, body in good.items()]
    if as_list:  # one .json document: its items must each be JSON, or the whole file is refused
        items = mixed(data, good_lines, [t.encode() for t in data.draw(st.lists(json_texts, max_size=4))])
        path = folder / "batch.json"
        path.write_bytes(b"[" + b",\n".join(items) + b"]")
    else:
        path = folder / "batch.jsonl"
        path.write_bytes(b"\n".join(mixed(data, good_lines, hostile)))
    result = CliRunner().invoke(main, ["ingest", str(path)])
    assert_clean_exit(result)
    with Store(Settings(database_url=env)) as store:
        stored = {url: article.body for url in good if (article := store.article_by_url(url))}
    assert stored == good


@PROPERTY
@given(page=st.one_of(any_text.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=60)))
def test_check_ends_with_a_result_or_one_line(
    env: str, tmp_path_factory: pytest.TempPathFactory, page: bytes
) -> None:
    path = tmp_path_factory.mktemp("page") / "page.txt"
    path.write_bytes(page)
    assert_clean_exit(CliRunner().invoke(main, ["check", "--json", "--text", str(path)]))
    assert_clean_exit(CliRunner().invoke(main, ["check", "--text", "-"], input=page))
