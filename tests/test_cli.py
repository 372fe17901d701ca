"""The command line: contracts of DESIGN.md, one-line errors with exit 2, nothing stored lost."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from compliance.cli import main
from compliance.errors import ComplianceError
from compliance.pipeline import Archive
from compliance.settings import Settings
from compliance.store import Store

CLI = Path(__file__).resolve().parent.parent / "compliance" / "cli"

ARTICLE = {
    "url": "https://www.gazette-littoral.example/societe/2021/11/24/essai",
    "title": "Un essai",
    "published_at": "2021-11-24T11:37:00+01:00",
    "body": (
        "Le conseil municipal a adopté mardi soir un plan de rénovation des écoles primaires "
        "de la ville, après trois heures de débats parfois vifs entre la majorité et "
        "l’opposition.\n\nLe maire a promis que les travaux commenceraient avant l’été et "
        "seraient financés sans hausse des impôts locaux, une promesse que ses adversaires "
        "jugent imprudente au vu de l’état des finances communales."
    ),
}


def write_jsonl(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def stored_urls(env: dict[str, str]) -> set[str]:
    with Store(Settings(database_url=env["COMPLIANCE_DATABASE_URL"])) as store:
        return {a.url for a in store.iter_articles()}


@pytest.fixture
def seeded(tmp_path: Path, env: dict[str, str], runner: CliRunner) -> dict[str, str]:
    """A CLI database that already holds one article."""
    result = runner.invoke(main, ["ingest", str(write_jsonl(tmp_path / "seed.jsonl", ARTICLE))])
    assert result.exit_code == 0, result.output
    return env


def test_ingest_summary_then_unchanged_then_updated(tmp_path: Path, seeded: dict, runner: CliRunner) -> None:
    path = write_jsonl(tmp_path / "again.jsonl", ARTICLE)
    assert "ingested 0, updated 0, unchanged 1, failed 0" in runner.invoke(main, ["ingest", str(path)]).output
    changed = {**ARTICLE, "title": "Un essai corrigé"}
    result = runner.invoke(main, ["ingest", str(write_jsonl(path, changed))])
    assert "ingested 0, updated 1, unchanged 0, failed 0" in result.output
    assert stored_urls(seeded) == {ARTICLE["url"]}


def test_check_json_contract(tmp_path: Path, seeded: dict, runner: CliRunner) -> None:
    page = tmp_path / "page.txt"
    page.write_text("Revue du jour. " + ARTICLE["body"].split("\n\n")[1] + " Fin.", encoding="utf-8")
    result = runner.invoke(main, ["check", "--text", str(page), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    [match] = document["matches"]
    assert match["article"] == {"id": 1, "url": ARTICLE["url"], "title": "Un essai"}
    assert match["verdict"] == "substantial_excerpt"
    assert set(match) >= {"coverage", "similarity", "reproduced_words", "longest_passage_words", "passages"}
    [passage] = match["passages"]
    text = page.read_text(encoding="utf-8")
    assert text[passage["page_start"] : passage["page_end"]].startswith("Le maire a promis")
    assert ARTICLE["body"][passage["article_start"] : passage["article_end"]].endswith("finances communales")


def test_several_files_give_json_lines_with_file(tmp_path: Path, seeded: dict, runner: CliRunner) -> None:
    copy, other = tmp_path / "copy.txt", tmp_path / "other.txt"
    copy.write_text(ARTICLE["body"], encoding="utf-8")
    other.write_text("Rien à voir : la météo de demain sera clémente sur tout le littoral.", encoding="utf-8")
    result = runner.invoke(main, ["check", "--text", str(copy), "--text", str(other), "--json"])
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [line["file"] for line in lines] == [str(copy), str(other)]
    assert lines[0]["matches"][0]["verdict"] == "full_reproduction" and lines[1]["matches"] == []


def test_check_reads_stdin_and_prints_a_table(seeded: dict, runner: CliRunner) -> None:
    result = runner.invoke(main, ["check", "--text", "-"], input=ARTICLE["body"])
    assert result.exit_code == 0
    assert "full_reproduction" in result.output and "« Le conseil municipal" in result.output


def test_align_json(tmp_path: Path, runner: CliRunner) -> None:
    article, page = tmp_path / "a.txt", tmp_path / "b.txt"
    article.write_text(ARTICLE["body"], encoding="utf-8")
    page.write_text("Intro. " + ARTICLE["body"], encoding="utf-8")
    result = runner.invoke(main, ["align", str(article), str(page), "--json"])
    [passage] = json.loads(result.output)["passages"]
    assert passage["page_start"] == 7 and passage["article_start"] == 0
    assert passage["article_end"] == len(ARTICLE["body"]) - 1 and passage["words"] > 50  # up to the last word


BAD_INPUTS = {
    "empty.jsonl": b"",
    "invalid.txt": b"Un texte valide puis " + b"\xff\xfe des octets invalides",
    "binary.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "nobody.jsonl": json.dumps({"url": "https://x.example/a", "title": "sans corps"}).encode() + b"\n",
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_ingest_input_is_one_line_exit_2_and_loses_nothing(
    name: str, tmp_path: Path, seeded: dict, runner: CliRunner
) -> None:
    path = tmp_path / name
    path.write_bytes(BAD_INPUTS[name])
    result = runner.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert any(name in line for line in result.stderr.splitlines())
    assert stored_urls(seeded) == {ARTICLE["url"]}


def test_a_50_mb_file_is_refused(tmp_path: Path, seeded: dict, runner: CliRunner) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)
    result = runner.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 2 and "larger than" in result.stderr
    result = runner.invoke(main, ["check", "--text", str(path)])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert stored_urls(seeded) == {ARTICLE["url"]}


def test_folder_with_one_bad_file_ingests_the_good_ones(
    tmp_path: Path, seeded: dict, runner: CliRunner
) -> None:
    folder = tmp_path / "batch"
    folder.mkdir()
    second = {**ARTICLE, "url": ARTICLE["url"] + "-2", "body": ARTICLE["body"].replace("mardi", "lundi")}
    write_jsonl(folder / "a.jsonl", second)
    (folder / "b.txt").write_bytes(b"\xff\xfe\xfa")
    (folder / "c.json").write_text(json.dumps({**ARTICLE, "url": ARTICLE["url"] + "-3"}), encoding="utf-8")
    result = runner.invoke(main, ["ingest", str(folder)])
    assert result.exit_code == 2
    assert "ingested 2, updated 0, unchanged 0, failed 1" in result.output
    assert "b.txt" in result.stderr
    assert stored_urls(seeded) == {ARTICLE["url"], second["url"], ARTICLE["url"] + "-3"}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check"], "nothing to check"),
        (["check", "--text", "/nonexistent/page.txt"], "page.txt"),
        (["align", "/nonexistent/a.txt", "/nonexistent/b.txt"], "a.txt"),
        (["ingest", "/nonexistent/folder"], "no such file"),
        (["delete", "https://nowhere.example/"], "no article"),
    ],
)
def test_usage_errors_exit_2_with_one_line(
    args: list[str], needle: str, env: dict, runner: CliRunner
) -> None:
    result = runner.invoke(main, args)
    assert result.exit_code == 2
    assert needle in result.stderr and len(result.stderr.strip().splitlines()) <= 2


def test_bad_setting_is_a_usage_error(env: dict, runner: CliRunner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COMPLIANCE_NUM_PERM", "lots")
    result = runner.invoke(main, ["check", "--text", "-"], input="texte")
    assert result.exit_code == 2 and "COMPLIANCE_NUM_PERM" in result.stderr


def test_delete_removes_from_the_index(tmp_path: Path, seeded: dict, runner: CliRunner) -> None:
    assert runner.invoke(main, ["delete", ARTICLE["url"]]).exit_code == 0
    result = runner.invoke(main, ["check", "--text", "-", "--json"], input=ARTICLE["body"])
    assert json.loads(result.output)["matches"] == []


def test_text_takes_several_files_after_one_flag(tmp_path: Path, seeded: dict, runner: CliRunner) -> None:
    first, second = tmp_path / "1.txt", tmp_path / "2.txt"
    first.write_text(ARTICLE["body"], encoding="utf-8")
    second.write_text("La météo sera clémente demain sur tout le littoral.", encoding="utf-8")
    result = runner.invoke(main, ["check", "--json", "--text", str(first), str(second)])
    assert [json.loads(line)["file"] for line in result.output.splitlines()] == [str(first), str(second)]


# --- One bad record never costs a good one (on SQLite and PostgreSQL) ----------------------------


@pytest.fixture
def db_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> dict:
    """The CLI on an empty database of each kind."""
    values = {
        "COMPLIANCE_DATABASE_URL": database_url,
        "COMPLIANCE_EVIDENCE_DIR": str(tmp_path / "evidence"),
        "COMPLIANCE_INDEX_DIR": str(tmp_path / "index"),  # not ./var/index, PostgreSQL's default
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


BAD = {**ARTICLE, "url": ARTICLE["url"] + "-bad"}
HOSTILE_LINES = {  # one JSONL line each, and the reason it is refused
    "nested 1,000 deep": (
        json.dumps(BAD)[:-1] + f', "extra": {nested(1000)}}}',
        "JSON nested more than 32 levels deep",
    ),
    "year 1": (json.dumps({**BAD, "published_at": "0001-01-01T00:00:00"}), "'published_at' is out of range"),
    "year 1 at +01:00": (
        json.dumps({**BAD, "published_at": "0001-01-01T00:30:00+01:00"}),
        "'published_at' is out of range",
    ),
    "year 9999 at -12:00": (
        json.dumps({**BAD, "updated_at": "9999-12-31T23:59:59-12:00"}),
        "'updated_at' is out of range",
    ),
    "NUL in the body": (json.dumps({**BAD, "body": "Un texte\u0000 coupé"}), "NUL character"),
    "NUL in the title": (json.dumps({**BAD, "title": "\u0000"}), "'title' contains a NUL"),
    "lone surrogate": (json.dumps({**BAD, "author": "\ud83d"}), "lone surrogate (U+D83D)"),
    "punctuation only": (json.dumps({**BAD, "body": "!!! ... ?! — « » ;"}), "no words to fingerprint"),
    "emoji only": (json.dumps({**BAD, "body": "😀 🎉🎉 👍"}), "no words to fingerprint"),
    "zero-width only": (json.dumps({**BAD, "body": "\u200b\u200c \u200d\ufeff"}), "no words to fingerprint"),
    "language too long": (json.dumps({**BAD, "language": "fr" * 17}), "'language' is longer than 32"),
    "url too long": (json.dumps({**BAD, "url": BAD["url"] + "/" + "x" * 3000}), "'url' is longer than 2048"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE_LINES))
def test_a_hostile_record_is_refused_alone(
    case: str, tmp_path: Path, db_env: dict, runner: CliRunner
) -> None:
    line, reason = HOSTILE_LINES[case]
    path = tmp_path / "batch.jsonl"
    path.write_text(json.dumps(ARTICLE) + "\n" + line + "\n", encoding="utf-8")
    result = runner.invoke(main, ["ingest", str(path)])
    assert result.exit_code == 2, result.output
    [skipped, _summary] = result.stderr.splitlines()
    assert skipped.startswith(f"compliance: skipped {path}:2: ") and reason in skipped
    assert "ingested 1, updated 0, unchanged 0, failed 1" in result.stdout
    assert stored_urls(db_env) == {ARTICLE["url"]}


def test_a_nested_json_file_loses_only_its_nested_item(
    tmp_path: Path, db_env: dict, runner: CliRunner
) -> None:
    items = tmp_path / "items.json"
    items.write_text(f'[{json.dumps(ARTICLE)}, {{"url": "u", "body": {nested(1000)}}}]', encoding="utf-8")
    alone = tmp_path / "alone.json"
    alone.write_text(json.dumps(BAD)[:-1] + f', "extra": {nested(1000)}}}', encoding="utf-8")
    result = runner.invoke(main, ["ingest", str(items), str(alone)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[:2] == [
        f"compliance: skipped {items}:2: JSON nested more than 32 levels deep",
        f"compliance: skipped {alone}: JSON nested more than 32 levels deep",
    ]
    assert stored_urls(db_env) == {ARTICLE["url"]}


def test_an_unreadable_folder_or_path_is_reported_and_the_rest_ingested(
    tmp_path: Path, db_env: dict, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, locked, secret = tmp_path / "batch", tmp_path / "batch" / "locked", tmp_path / "secret"
    locked.mkdir(parents=True)
    secret.mkdir()
    write_jsonl(folder / "a.jsonl", ARTICLE)
    write_jsonl(locked / "b.jsonl", BAD)
    write_jsonl(secret / "c.jsonl", BAD)
    second = write_jsonl(tmp_path / "d.jsonl", {**ARTICLE, "url": ARTICLE["url"] + "-2"})
    # Tests run as root, who reads everything: the two refusals a user would meet are simulated.
    real_scandir, real_stat = os.scandir, os.stat

    def scandir(path: str | os.PathLike[str] = ".") -> object:
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    def stat(path: str | os.PathLike[str], *args: object, **kwargs: object) -> os.stat_result:
        if Path(path).parent == secret:  # a folder on the way that the user may not enter
            raise PermissionError(13, "Permission denied", str(path))
        return real_stat(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    monkeypatch.setattr(os, "stat", stat)
    result = runner.invoke(main, ["ingest", str(folder), str(secret / "c.jsonl"), str(second)])
    assert result.exit_code == 2, result.output
    assert result.stderr.splitlines()[:2] == [
        f"compliance: skipped {locked}: cannot read the folder: Permission denied",
        f"compliance: skipped {secret / 'c.jsonl'}: cannot read: Permission denied",
    ]
    assert stored_urls(db_env) == {ARTICLE["url"], ARTICLE["url"] + "-2"}


def test_utf16_files_are_read(tmp_path: Path, db_env: dict, runner: CliRunner) -> None:
    page = tmp_path / "powershell.txt"
    page.write_bytes(("Un essai\r\n\r\n" + ARTICLE["body"]).encode("utf-16"))  # BOM, little-endian
    lines = tmp_path / "export.jsonl"
    lines.write_bytes(
        (json.dumps(BAD, ensure_ascii=False) + "\r\n").encode("utf-16-be").join([b"\xfe\xff", b""])
    )
    result = runner.invoke(main, ["ingest", str(page), str(lines)])
    assert result.exit_code == 0, result.output
    with Store(Settings(database_url=db_env["COMPLIANCE_DATABASE_URL"])) as store:
        stored = store.article_by_url(page.resolve().as_uri())
        assert stored is not None and (stored.title, stored.body) == ("Un essai", ARTICLE["body"])
        assert store.article_by_url(BAD["url"]) is not None


def compliance_in_a_shell(command: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`compliance` run by sh, as a user runs it (`command` may redirect its descriptors)."""
    return subprocess.run(
        ["sh", "-c", f'exec "$0" -m compliance {command}', sys.executable],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_closed_stdin_is_one_line_exit_2(env: dict[str, str]) -> None:
    for command in ("check --text - <&-", "align - /dev/null <&-"):
        result = compliance_in_a_shell(command, env)
        assert (result.returncode, result.stderr) == (
            2,
            "compliance: error: stdin: standard input is closed\n",
        )


def test_each_skipped_record_is_printed_once(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "batch.jsonl"
    path.write_text(
        json.dumps(ARTICLE) + "\n" + json.dumps({"url": "https://x.example/"}) + "\n", encoding="utf-8"
    )
    result = compliance_in_a_shell(f"ingest {path}", env)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"compliance: skipped {path}:2: missing required field 'body'",
        "compliance: error: 1 record(s) could not be ingested (see above)",
    ]


def error_tree(cls: type[ComplianceError]) -> list[type[ComplianceError]]:
    return [cls, *(sub for child in cls.__subclasses__() for sub in error_tree(child))]


@pytest.mark.parametrize("error", [*error_tree(ComplianceError), OSError], ids=lambda cls: cls.__name__)
def test_an_error_gives_its_exit_status_and_one_line(
    error: type[Exception], env: dict, runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(self: Archive, text: str) -> None:
        raise error("the reason, in words")

    monkeypatch.setattr(Archive, "check_text", fail)
    result = runner.invoke(main, ["check", "--text", "-"], input="texte")
    assert result.exit_code == getattr(error, "exit_status", 1)
    assert result.stderr == "compliance: error: the reason, in words\n" and result.stdout == ""


CLI_MAY_IMPORT = (
    "compliance.cli.",
    "compliance.__version__",
    "compliance.pipeline",
    "compliance.settings",
    "compliance.errors",
    "compliance.records",
    "compliance.shapes",
)


def imported_names(path: Path) -> set[str]:
    """`a.b` for `import a.b`, `a.b.c` for `from a.b import c`."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names |= {f"{node.module}.{alias.name}" for alias in node.names}
        elif isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
    return names


@pytest.mark.parametrize("module", sorted(p.name for p in CLI.glob("*.py")))
def test_the_cli_reaches_the_core_only_through_the_pipeline_facade(module: str) -> None:
    names = imported_names(CLI / module)
    outside = {n for n in names if n.startswith("compliance") and not n.startswith(CLI_MAY_IMPORT)}
    libraries = {n.split(".")[0] for n in names} - set(sys.stdlib_module_names) - {"__future__"}
    app = {"web"} if module == "serve.py" else set()  # `compliance serve` runs the web app, nothing else does
    assert outside == set() and libraries <= {"click", "compliance", *app}


def test_an_id_larger_than_any_column_holds_is_not_found(runner: CliRunner, env: dict[str, str]) -> None:
    """PostgreSQL refuses an id over its integer range where SQLite finds nothing: exit 2 on both."""
    for huge in (2**31, 2**40):
        result = runner.invoke(main, ["cases", "show", str(huge)])
        assert result.exit_code == 2, result.output
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        assert f"no case with id {huge}" in result.stderr or "out of the database's range" in result.stderr
