"""The audit log's hash chain: what an entry's hash covers, and how a chain is checked.

    (seq, at, actor, action, subject, details, prev_hash) ─► canonical JSON ─► SHA-256 = hash
    entries in order ─► verify ─► ChainCheck (count, head, and the first entry edited,
                                              deleted or inserted)

Each entry holds the previous entry's hash (the first one holds GENESIS), so changing one byte of
an entry changes its hash and breaks the link of the next one; storage appends under a lock so
two writers never fork the chain (`compliance.store.audit`). Exporting the head hash now and then
(`compliance audit head`) pins everything before it: an attacker who rewrites the whole chain
after that changes the head.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from compliance.records import AuditEntry, ChainCheck

GENESIS = "0" * 64  # the previous hash of the first entry


def canonical(value: Any) -> str:
    """JSON with sorted keys, no spaces and characters as they are: the same value, the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    seq: int, at: datetime, actor: str, action: str, subject: str, details: str, prev_hash: str
) -> str:
    """The SHA-256 of an entry's canonical JSON (`details` is hashed as the text stored)."""
    body = canonical([seq, at.isoformat(), actor, action, subject, details, prev_hash])
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def seal(
    seq: int, at: datetime, actor: str, action: str, subject: str, details: dict[str, Any], prev_hash: str
) -> AuditEntry:
    """A new entry following the one whose hash is `prev_hash`."""
    text = canonical(details)
    digest = entry_hash(seq, at, actor, action, subject, text, prev_hash)
    return AuditEntry(seq, at, actor, action, subject, text, prev_hash, digest)


def verify(entries: Sequence[AuditEntry]) -> ChainCheck:
    """Recompute the chain in order of `seq`; name the first entry edited, deleted or inserted."""
    hashes: dict[str, int] = {}
    previous: AuditEntry | None = None
    for entry in entries:
        problem = _link_problem(previous, entry, hashes) or _hash_problem(entry)
        if problem:
            return ChainCheck(len(entries), entries[-1].hash, *problem)
        hashes[entry.hash] = entry.seq
        previous = entry
    return ChainCheck(len(entries), entries[-1].hash if entries else GENESIS)


def _hash_problem(entry: AuditEntry) -> tuple[int, str] | None:
    fields = (entry.seq, entry.at, entry.actor, entry.action, entry.subject, entry.details, entry.prev_hash)
    if entry_hash(*fields) == entry.hash:
        return None
    return entry.seq, f"entry {entry.seq} was edited: its content no longer gives its hash"


def _link_problem(
    previous: AuditEntry | None, entry: AuditEntry, hashes: dict[str, int]
) -> tuple[int, str] | None:
    """Why `entry` does not follow `previous`: a gap, an entry deleted, or entries inserted."""
    expected_seq = previous.seq + 1 if previous else 1
    expected_prev = previous.hash if previous else GENESIS
    if entry.seq != expected_seq:
        return expected_seq, f"entry {expected_seq} was deleted: entry {entry.seq} comes next"
    if entry.prev_hash == expected_prev:
        return None
    if entry.prev_hash in hashes:  # it follows an earlier entry: those after that one were slipped in
        intruder = hashes[entry.prev_hash] + 1
        return intruder, f"entry {intruder} was inserted: entry {entry.seq} follows entry {intruder - 1}"
    if previous is not None and _hash_problem(previous) is None and entry_hash_matches(entry):
        return entry.seq, f"entry {entry.seq} does not follow entry {previous.seq}: an entry was deleted"
    return entry.seq, f"entry {entry.seq} was edited: it no longer links to entry {entry.seq - 1}"


def entry_hash_matches(entry: AuditEntry) -> bool:
    """Whether an entry's content still gives its stored hash."""
    return _hash_problem(entry) is None
