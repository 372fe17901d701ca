"""The audit log for callers (`Archive.audit`): verify the chain, export its head, read it, and
record a change that has no workflow of its own (a site, a threshold).

    Actor ─► permissions.require ─► store.workflow (entries, head, append) ─► compliance.audit.verify
"""

from __future__ import annotations

from typing import Any

from compliance.audit import verify
from compliance.cases.permissions import require
from compliance.records import Action, Actor, AuditEntry, AuditNote, ChainCheck
from compliance.store import Store


class AuditLog:
    """The hash-chained, append-only log of who did what."""

    def __init__(self, store: Store) -> None:
        self._store = store.workflow

    def verify(self, actor: Actor) -> ChainCheck:
        """Recompute the whole chain: the head, or the first entry edited, deleted or inserted."""
        require(actor, Action.READ_AUDIT)
        return verify(self._store.audit_entries())

    def head(self, actor: Actor) -> AuditEntry | None:
        """The newest entry: export its hash to pin everything before it."""
        require(actor, Action.READ_AUDIT)
        return self._store.audit_head()

    def entries(self, actor: Actor, subject: str | None = None) -> list[AuditEntry]:
        """Every entry in order, or those about `subject` (e.g. "case:12")."""
        require(actor, Action.READ_AUDIT)
        return self._store.audit_about(subject) if subject else self._store.audit_entries()

    def record(
        self,
        actor: Actor,
        permission: Action,
        action: str,
        subject: str,
        details: dict[str, Any] | None = None,
    ) -> AuditEntry:
        """Audit a change made elsewhere (a site added, a threshold changed) once `permission` allows it."""
        require(actor, permission)
        return self._store.audit(AuditNote(actor.name, action, subject, details or {}))

    def note_key_write(self, key_name: str, action: str, subject: str, details: dict[str, Any]) -> AuditEntry:
        """Audit a write made through the API: the key's scope, checked by the API, is its permission."""
        return self._store.audit(AuditNote(f"api:{key_name}", action, subject, details))
