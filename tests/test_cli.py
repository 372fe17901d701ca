"""The command line: contracts of DESIGN.md, one-line errors with exit 2, nothing stored lost."""

from __future__ import annotations

import ast
import json
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
