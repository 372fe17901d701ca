"""Keys of the JSON API: made once, shown once, kept as a SHA-256 hash, checked on every request.

    name, scopes ─► new key (high-entropy random text) ─► stored by its SHA-256 ─► (ApiKey, the key)
    a presented key ─► its SHA-256 ─► the stored ApiKey, unless unknown or revoked ─► last use noted

A key is 256 random bits: a plain SHA-256 is enough to store it (a slow password hash protects
guessable secrets, which these are not). The key itself is never stored nor logged.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from compliance.errors import InputError
from compliance.records import ApiKey, ApiScope
from compliance.store import Store

log = logging.getLogger(__name__)

KEY_PREFIX = "cpk_"  # tells a compliance key apart in a secrets scanner or a leaked config
SHOWN_CHARS = 10  # characters of a key kept in clear, to tell keys apart in listings
TOUCH_EVERY = timedelta(minutes=1)  # last use is written at most this often: one write per request is waste
NAME_MAX_CHARS = 100


def key_hash(key: str) -> str:
    """The SHA-256 of a key, as stored."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def parse_scopes(values: Iterable[str]) -> tuple[ApiScope, ...]:
    """Scopes from words ("check", "read"…), in their canonical order; InputError naming a bad one."""
    words = {word.strip().lower() for value in values for word in value.split(",") if word.strip()}
    known = {scope.value for scope in ApiScope}
    unknown = sorted(words - known)
    if unknown:
        raise InputError(f"unknown scope {unknown[0]!r}: expected " + ", ".join(s.value for s in ApiScope))
    if not words:
        raise InputError("give at least one scope: " + ", ".join(s.value for s in ApiScope))
    return tuple(scope for scope in ApiScope if scope.value in words)


class ApiKeys:
    """The API keys of one archive."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, name: str, scopes: Iterable[str]) -> tuple[ApiKey, str]:
        """A new key for `name` with `scopes`: the stored record, and the key, shown this once."""
        name = name.strip()
        if not name or len(name) > NAME_MAX_CHARS:
            raise InputError(f"a key's name must be 1 to {NAME_MAX_CHARS} characters")
        checked = parse_scopes(scopes)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        stored = self.store.add_api_key(name, key[:SHOWN_CHARS], key_hash(key), checked)
        log.info("created API key %d (%s) with scopes %s", stored.id, name, ",".join(checked))
        return stored, key

    def authenticate(self, key: str) -> ApiKey | None:
        """The live key matching `key` (its last use noted), or None when unknown or revoked."""
        found = self.store.api_key_by_hash(key_hash(key))
        if found is None or found.revoked_at is not None:
            return None
        at = datetime.now(UTC)
        if found.last_used_at is None or at - found.last_used_at >= TOUCH_EVERY:
            self.store.touch_api_key(found.id, at)
        return found

    def list(self) -> list[ApiKey]:
        """Every key, revoked ones too, by id."""
        return self.store.api_keys()

    def revoke(self, key_id: int) -> ApiKey:
        """Revoke a key: it is refused from now on."""
        revoked = self.store.revoke_api_key(key_id)
        log.info("revoked API key %d (%s)", revoked.id, revoked.name)
        return revoked
