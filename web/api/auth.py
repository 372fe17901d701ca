"""API keys on every request: `Authorization: Bearer <key>`, checked against the stored hashes.

    Bearer key ─► Archive.api_keys.authenticate ─► the ApiKey (its scopes are its roles) or 401
    an operation's scope missing from the key ─► 403

`auth` is APIFlask's token auth, so each operation's security requirement goes into the OpenAPI
document; `audit_api_write` is the one place every write through the API is recorded.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from apiflask import HTTPTokenAuth
from apiflask.exceptions import HTTPError
from flask import Response, request

from compliance.errors import Forbidden, Unauthorized
from compliance.records import ApiKey, ApiScope
from web.api import problems
from web.archive import get_archive

log = logging.getLogger(__name__)

auth = HTTPTokenAuth(
    scheme="Bearer",
    description="An API key from `compliance apikeys create` (scopes: check, read, ingest, admin)",
)


@auth.verify_token
def _verify(token: str) -> ApiKey | None:
    return get_archive().api_keys.authenticate(token) if token else None


@auth.get_user_roles
def _roles(key: ApiKey) -> list[str]:
    return [scope.value for scope in ApiScope if key.allows(scope)]


@auth.error_processor
def _refused(error: HTTPError) -> Response:
    if error.status_code == 403:
        return problems.response(Forbidden("this API key does not carry the scope this operation needs"))
    return problems.response(Unauthorized("send a valid, unrevoked API key: Authorization: Bearer <key>"))


def current_key() -> ApiKey:
    """The API key of the current request (after `auth_required`)."""
    key = auth.current_user
    assert isinstance(key, ApiKey)
    return key


def rate_limit_key() -> str:
    """Who a request counts against for rate limiting: its key (hashed, never the key) or its address."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return "key:" + hashlib.sha256(token.strip().encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return "addr:" + (request.remote_addr or "unknown")


def audit_api_write(action: str, target: Any, **details: Any) -> None:
    """Record one write through the API in the hash-chained audit log, under the key's name."""
    key = current_key()
    extra = "".join(f" {name}={value}" for name, value in sorted(details.items()))
    log.info("API write by key %d (%s): %s %s%s", key.id, key.name, action, target, extra)
    plain = {
        name: value if isinstance(value, int | float | bool) else str(value)
        for name, value in details.items()
    }
    get_archive().audit.note_key_write(key.name, f"api.{action.replace(' ', '_')}", str(target), plain)
