"""Tests of API keys: `compliance apikeys create|list|revoke` and compliance/access.py."""

from __future__ import annotations

import hashlib
import json

import pytest
from click.testing import CliRunner

from compliance.access import key_hash, parse_scopes
from compliance.cli import main
from compliance.errors import InputError
from compliance.pipeline import Archive
from compliance.records import ApiScope
from compliance.settings import Settings


def test_create_prints_the_key_once_and_stores_only_its_hash(runner: CliRunner, env: dict[str, str]) -> None:
    result = runner.invoke(main, ["apikeys", "create", "--name", "cms", "--scope", "check,read", "--json"])
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert set(created) == {"id", "key"} and len(created["key"]) > 40
    with Archive(Settings.from_env()) as archive:
        [stored] = archive.api_keys.list()
        assert stored.scopes == (ApiScope.CHECK, ApiScope.READ)
        assert archive.store.api_key_by_hash(hashlib.sha256(created["key"].encode()).hexdigest()) == stored
        assert archive.api_keys.authenticate(created["key"]) is not None
        assert archive.api_keys.authenticate(created["key"] + "x") is None
    listed = runner.invoke(main, ["apikeys", "list", "--json"])
    assert created["key"] not in listed.output
    assert json.loads(listed.output)["prefix"] == created["key"][:10]


def test_list_and_revoke(runner: CliRunner, env: dict[str, str]) -> None:
    assert runner.invoke(main, ["apikeys", "list"]).output.strip() == "no API key"
    key = json.loads(
        runner.invoke(main, ["apikeys", "create", "--name", "bot", "--scope", "read", "--json"]).output
    )
    assert "active" in runner.invoke(main, ["apikeys", "list"]).output
    revoked = runner.invoke(main, ["apikeys", "revoke", str(key["id"])])
    assert revoked.exit_code == 0 and "revoked API key" in revoked.output
    assert "revoked 20" in runner.invoke(main, ["apikeys", "list"]).output
    with Archive(Settings.from_env()) as archive:
        assert archive.api_keys.authenticate(key["key"]) is None
    missing = runner.invoke(main, ["apikeys", "revoke", "999"])
    assert missing.exit_code == 2 and "no API key with id 999" in missing.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "x", "--scope", "check,write"], "unknown scope 'write'"),
        (["--name", "x", "--scope", " , "], "give at least one scope"),
        (["--name", " ", "--scope", "read"], "a key's name must be 1 to 100 characters"),
    ],
)
def test_bad_keys_are_refused_in_one_line(
    runner: CliRunner, env: dict[str, str], args: list[str], message: str
) -> None:
    result = runner.invoke(main, ["apikeys", "create", *args])
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


def test_scopes_are_parsed_in_canonical_order() -> None:
    assert parse_scopes(["ingest,check", "ADMIN"]) == (ApiScope.CHECK, ApiScope.INGEST, ApiScope.ADMIN)
    with pytest.raises(InputError):
        parse_scopes(["root"])
    assert key_hash("cpk_x") == hashlib.sha256(b"cpk_x").hexdigest()
