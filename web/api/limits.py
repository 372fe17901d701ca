"""Rate limits of the API, per key, with Flask-Limiter.

Counted in memory (each process its own) by default; in Redis, shared by every process, when
`COMPLIANCE_RATELIMIT_STORAGE_URL` is set. A request over the limit gets a 429 problem with
`Retry-After` (web/api/problems.py shapes it; Flask-Limiter adds the header).
"""

from __future__ import annotations

from apiflask import APIBlueprint, APIFlask
from flask_limiter import Limiter
from limits import parse_many

from compliance.errors import ConfigurationError
from compliance.settings import Settings
from web.api.auth import rate_limit_key

EXTENSION = "compliance_limiter"


def init_app(app: APIFlask, api: APIBlueprint, exempt: APIBlueprint, settings: Settings) -> Limiter:
    """Limit every operation of `api` (but those of `exempt`) to `settings.api_rate_limit` per key."""
    try:
        parse_many(settings.api_rate_limit)
    except ValueError:
        raise ConfigurationError(
            f"api_rate_limit: not a rate limit like '300/minute': {settings.api_rate_limit!r}"
        ) from None
    limiter = Limiter(
        key_func=rate_limit_key,
        app=app,
        storage_uri=settings.ratelimit_storage_url or "memory://",
        headers_enabled=True,
        key_prefix="compliance-api",
    )
    limiter.limit(settings.api_rate_limit)(api)
    limiter.exempt(exempt)
    app.extensions[EXTENSION] = limiter
    return limiter
