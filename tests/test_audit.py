"""The audit log: a hash chain that names the first entry edited, deleted or inserted; rows that
cannot be updated or deleted (a trigger, on SQLite and PostgreSQL); appends that never fork."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from compliance.audit import GENESIS, seal, verify
from compliance.cli import main
from compliance.pipeline import Archive
from compliance.records import AuditEntry, AuditNote, Partner
from compliance.settings import Settings
from compliance.store import Store

AT = datetime(2024, 3, 12, 9, 30, 15, 123456, tzinfo=UTC)
DROP_TRIGGERS = {
    "sqlite": ("DROP TRIGGER audit_entries_no_update", "DROP TRIGGER audit_entries_no_delete"),
    "postgresql": ("DROP TRIGGER audit_entries_append_only ON audit_entries",),
}


def chain(n: int) -> list[AuditEntry]:
    entries: list[AuditEntry] = []
    for seq in range(1, n + 1):
        prev = entries[-1].hash if entries else GENESIS
        entries.append(seal(seq, AT, "lea", "case.note", f"case:{seq}", {"text": f"note {seq}"}, prev))
    return entries


# --- the chain, on values ------------------------------------------------------------------------


def test_a_fresh_chain_verifies_and_its_head_is_the_last_hash() -> None:
    entries = chain(5)
    result = verify(entries)
    assert result.ok and result.entries == 5 and result.head == entries[-1].hash
    assert verify([]).ok and verify([]).head == GENESIS


@pytest.mark.parametrize("field", ["actor", "action", "subject", "details"])
def test_one_changed_character_names_the_entry(field: str) -> None:
    entries = chain(5)
    value = getattr(entries[2], field)
    entries[2] = replace(entries[2], **{field: value[:-1] + chr(ord(value[-1]) ^ 1)})
    result = verify(entries)
    assert (result.ok, result.bad_seq) == (False, 3)
    assert "entry 3 was edited" in (result.problem or "")


def test_a_deleted_entry_is_named() -> None:
    entries = chain(5)
    del entries[2]
    result = verify(entries)
    assert result.bad_seq == 3 and "entry 3 was deleted" in (result.problem or "")


def test_an_inserted_entry_is_named_even_with_a_correct_hash_of_its_own() -> None:
    entries = chain(5)
    forged = seal(3, AT, "mallory", "case.note", "case:3", {"text": "forged"}, entries[1].hash)
    shifted = [replace(e, seq=e.seq + 1) for e in entries[2:]]
    result = verify([*entries[:2], forged, *shifted])
    assert result.bad_seq == 3 and "entry 3 was inserted" in (result.problem or "")


def test_a_rehashed_edit_breaks_the_next_link() -> None:
    entries = chain(5)
    entries[2] = seal(3, AT, "mallory", "case.note", "case:3", {"text": "autre"}, entries[1].hash)
    result = verify(entries)
    assert result.bad_seq == 4 and "entry 4" in (result.problem or "")


# --- the log in a database, through the CLI -------------------------------------------------------


@pytest.fixture
def history(database_url: str, tmp_path, monkeypatch: pytest.MonkeyPatch, clean_env: None) -> Iterator[str]:
    """Five audited partner changes by the local operator, on SQLite or PostgreSQL."""
    monkeypatch.setenv("COMPLIANCE_DATABASE_URL", database_url)
    monkeypatch.setenv("COMPLIANCE_INDEX_DIR", str(tmp_path / "index"))
    with Archive(Settings.from_env()) as archive:
        for n in range(1, 5):
            archive.add_partner(Partner(name=f"Revue {n}", domains=(f"revue{n}.example",)))
        archive.remove_partner("Revue 4")
    yield database_url


def tamper(url: str, *statements: tuple[str, dict]) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for sql in DROP_TRIGGERS[engine.dialect.name]:
                connection.execute(sa.text(sql))
            for sql, values in statements:
                connection.execute(sa.text(sql), values)
    finally:
        engine.dispose()


def rows(url: str) -> list[AuditEntry]:
    with Store(Settings(database_url=url)) as store:
        return store.workflow.audit_entries()


def test_verify_passes_on_a_fresh_history(history: str, runner: CliRunner) -> None:
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    head = rows(history)[-1]
    assert f"audit log intact: 5 entries, head {head.hash}" in result.output
    shown = runner.invoke(main, ["audit", "head"])
    assert shown.output.strip() == f"5 {head.hash}"
    assert [e.action for e in rows(history)] == ["partner.add"] * 4 + ["partner.remove"]


def test_verify_names_the_entry_after_one_byte_is_changed(history: str, runner: CliRunner) -> None:
    details = rows(history)[2].details
    changed = details.replace("revue3", "revuf3")
    assert len(changed) == len(details) and changed != details
    tamper(history, ("UPDATE audit_entries SET details = :d WHERE seq = 3", {"d": changed}))
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "audit log broken at entry 3: entry 3 was edited" in result.output


def test_verify_names_a_deleted_entry(history: str, runner: CliRunner) -> None:
    tamper(history, ("DELETE FROM audit_entries WHERE seq = 2", {}))
    result = runner.invoke(main, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    assert '"bad_entry": 2' in result.output and "entry 2 was deleted" in result.output


def test_verify_names_an_inserted_entry(history: str, runner: CliRunner) -> None:
    entries = rows(history)
    forged = seal(3, datetime.now(UTC), "mallory", "partner.remove", "partner:Revue 1", {}, entries[1].hash)
    tamper(
        history,
        ("UPDATE audit_entries SET seq = seq + 1000 WHERE seq >= 3", {}),
        ("UPDATE audit_entries SET seq = seq - 999 WHERE seq >= 1003", {}),
        (
            "INSERT INTO audit_entries (seq, at, actor, action, subject, details, prev_hash, hash) "
            "VALUES (:seq, :at, :actor, :action, :subject, :details, :prev_hash, :hash)",
            _row(forged, history),
        ),
    )
    result = runner.invoke(main, ["audit", "verify"])
    assert result.exit_code == 1
    assert "audit log broken at entry 3: entry 3 was inserted: entry 4 follows entry 2" in result.output


def _row(entry: AuditEntry, url: str) -> dict:
    values = {name: getattr(entry, name) for name in AuditEntry.__slots__}
    if url.startswith("sqlite"):
        values["at"] = entry.at.replace(tzinfo=None)  # SQLite keeps UTC without an offset
    return values


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_entries SET actor = 'mallory'", "DELETE FROM audit_entries"]
)
def test_audit_rows_cannot_be_updated_or_deleted(history: str, statement: str) -> None:
    engine = sa.create_engine(history)
    try:
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(sa.text(statement))
    finally:
        engine.dispose()
    assert len(rows(history)) == 5 and verify(rows(history)).ok


def test_concurrent_appends_never_fork_the_chain(database_url: str) -> None:
    settings = Settings(database_url=database_url)
    Store(settings).close()  # migrate once, before the threads race
    errors: list[BaseException] = []

    def append(worker: int) -> None:
        try:
            with Store(settings) as store:
                for n in range(10):
                    store.workflow.audit(AuditNote(f"worker{worker}", "test.append", f"n:{n}"))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    entries = rows(database_url)
    assert [e.seq for e in entries] == list(range(1, 41))
    assert verify(entries).ok
