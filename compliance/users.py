"""Users and who acts: names, roles and argon2 password hashes; a user's name in, an `Actor` out.

    users add NAME --role R (password on stdin) ─► argon2 hash ─► users table, audited
    --as NAME / COMPLIANCE_USER ─► actor() ─► Actor(name, role) for every workflow call
    name + password (the dashboard's login) ─► authenticate() ─► User or None

Until the first user exists, the command line acts as the local operator (`local:<login>`, an
admin), so that the first admin can be created; after that every call names a user. This is the
only module that imports argon2.
"""

from __future__ import annotations

import getpass
import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from compliance.cases.permissions import require
from compliance.errors import InputError, NotFoundError
from compliance.records import Action, Actor, AuditNote, Role, User
from compliance.store import Store

MIN_PASSWORD = 10  # characters: a passphrase, not a PIN
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
HUMAN_ROLES = (Role.ADMIN, Role.LEGAL, Role.ANALYST, Role.VIEWER)
_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An argon2id hash of `password` (salted: two hashes of one password differ)."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"password too short: at least {MIN_PASSWORD} characters")
    return _hasher.hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    """Whether `password` is the one `password_hash` was made from."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def local_operator() -> Actor:
    """Who acts on a fresh install, before any user exists: the machine's login, as an admin."""
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name in a bare container
        login = "unknown"
    return Actor(f"local:{login}", Role.ADMIN)


class Users:
    """Users of the workflow and the actors they become (`Archive.users`)."""

    def __init__(self, store: Store) -> None:
        self._store = store.workflow

    def actor(self, name: str | None) -> Actor:
        """The actor called `name` (an active user); with no name, the local operator until users exist."""
        if not name:
            if self._store.user_count() == 0:
                return local_operator()
            raise InputError("say who acts: --as USER or COMPLIANCE_USER")
        user = self._store.user(name)
        if user is None:
            raise NotFoundError(f"no user called {name!r}")
        if not user.active:
            raise InputError(f"user {name!r} is disabled")
        return Actor(user.name, user.role)

    def add(self, actor: Actor, name: str, role: Role | str, password: str) -> User:
        """Create an active user; the first one must be an admin."""
        require(actor, Action.MANAGE_USERS)
        role = _role(role)
        if not NAME.fullmatch(name):
            raise InputError(f"user name {name!r}: letters, digits and . _ @ - only, 64 at most")
        if self._store.user_count() == 0 and role != Role.ADMIN:
            raise InputError("the first user must be an admin: it is the one who can add the others")
        note = AuditNote(actor.name, "user.add", f"user:{name}", {"role": role.value})
        return self._store.add_user(name, role, hash_password(password), note)

    def listing(self, actor: Actor) -> list[User]:
        """Every user, by name."""
        require(actor, Action.READ)
        return self._store.users()

    def set_active(self, actor: Actor, name: str, active: bool) -> User:
        """Disable (or enable again) a user: a disabled user can no longer act or log in."""
        require(actor, Action.MANAGE_USERS)
        if not active and name == actor.name:
            raise InputError("you cannot disable yourself")
        note = AuditNote(actor.name, "user.enable" if active else "user.disable", f"user:{name}")
        return self._store.set_user_active(name, active, note)

    def authenticate(self, name: str, password: str) -> User | None:
        """The active user whose password this is, or None (the dashboard's login)."""
        found = self._store.credentials(name)
        if found is None or not found[0].active:
            password_matches(
                _dummy_hash(), password
            )  # the same work either way: no timing hint that a name exists
            return None
        user, password_hash = found
        return user if password_matches(password_hash, password) else None


def _role(role: Role | str) -> Role:
    try:
        value = Role(role)
    except ValueError:
        value = None
    if value not in HUMAN_ROLES:
        raise InputError(f"role {role!r}: one of {', '.join(HUMAN_ROLES)}")
    assert value is not None
    return value


@cache
def _dummy_hash() -> str:
    return _hasher.hash("not anybody's password")
