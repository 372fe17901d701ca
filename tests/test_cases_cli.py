"""The workflow from the command line, on the embedded default (SQLite): users, cases, notices,
evidence packs checked by themselves, and one clear line for every refusal."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from factories import article_input, excerpt, fixture_bodies, page_with

from compliance.cli import main
from compliance.pipeline import Archive
from compliance.settings import Settings

PASSWORD = "une phrase de passe assez longue\n"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheap argon2 parameters: the hashes are still argon2id, the tests do not wait for them."""
    monkeypatch.setattr(
        "compliance.users._hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def cli(env: dict[str, str], runner: CliRunner, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """`cli(*args, as_user=…, stdin=…)` runs the command line and returns the result."""
    monkeypatch.setenv("COMPLIANCE_PUBLISHER_NAME", "La Gazette du Littoral")
    monkeypatch.setenv("COMPLIANCE_PUBLISHER_CONTACT", "juridique@gazette-littoral.example")

    def run(*args: str, as_user: str | None = None, stdin: str | None = None):  # type: ignore[no-untyped-def]
        extra = ["--as", as_user] if as_user else []
        return runner.invoke(main, [*args, *extra], input=stdin)

    return run


@pytest.fixture
def team(cli) -> None:  # type: ignore[no-untyped-def]
    """An admin, a legal reviewer and an analyst."""
    assert cli("users", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD).exit_code == 0
    for name, role in (("lea", "legal"), ("ana", "analyst")):
        result = cli("users", "add", name, "--role", role, "--password-stdin", as_user="root", stdin=PASSWORD)
        assert result.exit_code == 0, result.output


@pytest.fixture
def copied(env: dict[str, str], tmp_path: Path) -> list[int]:
    """Two findings on files that copy one of our articles (captured, with a WARC each)."""
    ids = []
    with Archive(Settings.from_env()) as archive:
        archive.ingest([article_input()])
        for n, words in enumerate((120, 90)):
            path = tmp_path / f"copie-{n}.txt"
            path.write_text(
                page_with(excerpt(fixture_bodies()[0], words, start=n)) + "\nredaction@copies.example"
            )
            ids.append(archive.record_file(str(path)).recorded[0].finding_id)
    return ids


def test_users_passwords_come_from_stdin_only(cli, env: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    refused = cli("users", "add", "root", "--role", "admin")
    assert refused.exit_code == 2 and "--password-stdin" in refused.output
    assert cli("users", "add", "root", "--role", "admin", "--password", "x").exit_code == 2
    first = cli("users", "add", "lea", "--role", "legal", "--password-stdin", stdin=PASSWORD)
    assert first.exit_code == 2 and "the first user must be an admin" in first.output
    assert cli("users", "add", "root", "--role", "admin", "--password-stdin", stdin=PASSWORD).exit_code == 0
    anonymous = cli("users", "add", "ana", "--role", "analyst", "--password-stdin", stdin=PASSWORD)
    assert anonymous.exit_code == 2 and "say who acts" in anonymous.output
    short = cli(
        "users", "add", "ana", "--role", "analyst", "--password-stdin", as_user="root", stdin="court\n"
    )
    assert short.exit_code == 2 and "password too short" in short.output
    with Archive(Settings.from_env()) as archive:
        user = archive.users.authenticate("root", PASSWORD.strip())
        assert user is not None and user.role == "admin"
        assert archive.users.authenticate("root", "une autre phrase de passe") is None
        _user, stored = archive.store.workflow.credentials("root") or (None, "")
        assert stored.startswith("$argon2id$") and PASSWORD.strip() not in stored


def test_disabled_users_cannot_act(cli, team) -> None:  # type: ignore[no-untyped-def]
    assert cli("users", "disable", "ana", as_user="root").exit_code == 0
    listed = cli("users", "list", "--json", as_user="root")
    assert {json.loads(line)["name"]: json.loads(line)["active"] for line in listed.output.splitlines()} == {
        "ana": False,
        "lea": True,
        "root": True,
    }
    refused = cli("cases", "list", as_user="ana")
    assert refused.exit_code == 2 and "user 'ana' is disabled" in refused.output
    assert cli("users", "disable", "lea", as_user="lea").exit_code == 2  # a legal reviewer manages no user


def test_the_workflow_from_the_command_line(cli, team, copied: list[int], tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    opened = cli(
        "cases", "open", "--finding", str(copied[0]), "--finding", str(copied[1]), "--json", as_user="ana"
    )
    assert opened.exit_code == 0, opened.output
    case = json.loads(opened.output)
    assert case["state"] == "new" and case["findings"] == copied
    cid = str(case["id"])
    assert cli("cases", "move", cid, "under_review", as_user="ana").exit_code == 0
    refused = cli("cases", "move", cid, "confirmed", as_user="ana")
    assert refused.exit_code == 2
    assert refused.output.strip() == "compliance: error: ana (analyst) may not confirm; allowed: legal"
    illegal = cli("cases", "move", cid, "closed", as_user="lea")
    assert (
        illegal.exit_code == 2
        and "under_review cannot move to closed; allowed: dismissed, confirmed" in illegal.output
    )
    for state in ("confirmed", "evidence_frozen"):
        assert cli("cases", "move", cid, state, as_user="lea").exit_code == 0
    assert cli("cases", "note", cid, "Hébergeur identifié.", as_user="ana").exit_code == 0
    assert cli("cases", "assign", cid, "ana", as_user="lea").exit_code == 0

    drafted = cli("notices", "draft", cid, "--kind", "formal_notice", "--lang", "fr", "--json", as_user="ana")
    notice = json.loads(drafted.output)
    assert notice["missing"] == [] and notice["recipient"] == "redaction@copies.example"
    nid = str(notice["id"])
    early = cli(
        "notices",
        "sent",
        nid,
        "--channel",
        "email",
        "--to",
        "redaction@copies.example",
        "--proof",
        "x",
        as_user="ana",
    )
    assert early.exit_code == 2 and "has no approver" in early.output
    assert cli("notices", "approve", nid, as_user="lea").exit_code == 0
    sent = cli(
        "notices",
        "sent",
        nid,
        "--channel",
        "email",
        "--to",
        "redaction@copies.example",
        "--proof",
        "<m@x>",
        as_user="ana",
    )
    assert sent.exit_code == 0, sent.output

    shown = json.loads(cli("cases", "show", cid, "--json", as_user="root").output)
    assert shown["state"] == "notice_sent" and shown["assignee"] == "ana"
    assert [h["to"] for h in shown["history"] if h["kind"] == "state"] == [
        "under_review",
        "confirmed",
        "evidence_frozen",
        "notice_sent",
    ]
    listed = cli("cases", "list", "--state", "notice_sent", as_user="root")
    assert listed.output.startswith(f"case {cid}  notice_sent")

    pack = tmp_path / "dossier.zip"
    made = cli("evidence", "pack", cid, "--out", str(pack), as_user="lea")
    assert made.exit_code == 0, made.output
    with zipfile.ZipFile(pack) as opened_pack:
        names = opened_pack.namelist()
        assert opened_pack.read("report.pdf").startswith(b"%PDF")
        report = opened_pack.read("report.html").decode()
    assert sum(name.startswith("captures/") for name in names) == 2
    assert {"case.json", "audit.jsonl", "report.html", "report.pdf", "manifest.json"} <= set(names)
    assert "Hébergeur identifié." in report and "evidence_frozen" in report
    verified = cli("audit", "verify", as_user="lea")
    assert verified.exit_code == 0 and "audit log intact" in verified.output


def flip(pack: Path, member: str, out: Path) -> None:
    """A copy of `pack` with one byte of `member` flipped (the ZIP itself rewritten, CRCs right)."""
    with zipfile.ZipFile(pack) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = bytearray(source.read(info))
            if info.filename == member:
                data[len(data) // 2] ^= 0x01
            target.writestr(info, bytes(data))


def test_evidence_verify_checks_a_pack_by_itself(  # type: ignore[no-untyped-def]
    cli, team, copied: list[int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cid = json.loads(cli("cases", "open", "--finding", str(copied[0]), "--json", as_user="ana").output)["id"]
    pack = tmp_path / "pack.zip"
    assert cli("evidence", "pack", str(cid), "--out", str(pack), as_user="ana").exit_code == 0
    warc = next(n for n in zipfile.ZipFile(pack).namelist() if n.startswith("captures/"))
    # No database from here on: verifying a pack must not need one.
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:9/none")
    fresh = cli("evidence", "verify", str(pack))
    assert fresh.exit_code == 0, fresh.output
    assert fresh.output.strip().endswith("files, intact")
    for member in ("report.html", warc):
        changed = tmp_path / f"changed-{member.replace('/', '_')}.zip"
        flip(pack, member, changed)
        result = cli("evidence", "verify", str(changed))
        assert result.exit_code == 1
        assert f"FAILED: {member}: SHA-256 differs from the manifest" in result.output
    raw = bytearray(pack.read_bytes())
    stored = zipfile.ZipFile(pack).getinfo(warc)
    raw[stored.header_offset + 30 + len(warc.encode()) + 64] ^= 0x01  # inside the stored WARC's bytes
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(bytes(raw))
    result = cli("evidence", "verify", "--json", str(damaged))
    document = json.loads(result.output.splitlines()[0])
    assert result.exit_code == 1 and document["ok"] is False
    assert document["problems"] == [f"{warc}: damaged (Bad CRC-32 for file '{warc}')"]
