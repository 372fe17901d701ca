"""The Flask web app: `create_app(config=None)` builds it; no module-level app object.

Flask is imported in web/ and nowhere else in the product: the app reaches the core through
`compliance.pipeline.Archive` (web/archive.py) and turns its values into pages and documents.
The app is an `APIFlask` (a Flask subclass) so that the JSON API (web/api/) gets its OpenAPI
document; the plain Flask blueprints (the dashboard, /healthz) work as on Flask and stay out of it.

    api/          the JSON API under /api/v1: one module per resource, problem+json errors, keys
    security.py   headers on every response (CSP, nosniff, referrer), cookie flags, CSRF
    i18n.py       French first, English; dates and numbers in the reader's locale; RTL text
    auth.py       the `auth` blueprint: /login, /logout, sessions, locks after wrong passwords
    dashboard/    the `dashboard` blueprint, one module per page family
    errors.py     error pages (with the same headers)
    views.py      records → what the templates show (highlighted passages, labels): no logic
                  in templates
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask

from web import api, archive, auth, dashboard, errors, health, i18n, security
from web.archive import close_archive, get_archive

__all__ = ["close_archive", "create_app", "get_archive"]

DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,  # an uploaded page: Settings.max_input_bytes plus the form
    "INSECURE_HTTP": False,  # True only for the local demo on http://127.0.0.1 (cookies without Secure)
}


def create_app(config: Mapping[str, Any] | None = None) -> APIFlask:
    """The dashboard and API app; `config` overrides the defaults (tests pass a mapping)."""
    # json_errors off: outside /api/ the dashboard's error pages answer; web/api/problems.py inside.
    app = APIFlask(__name__, spec_path=api.SPEC_PATH, docs_path=api.DOCS_PATH, json_errors=False)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("COMPLIANCE_WEB")  # COMPLIANCE_WEB_SECRET_KEY, …
    app.config.from_mapping(config or {})
    if not app.config.get("SECRET_KEY"):
        # Sessions end when the process does; set COMPLIANCE_WEB_SECRET_KEY to keep them across restarts.
        app.config["SECRET_KEY"] = os.urandom(32)
    archive.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    auth.init_app(app)
    app.register_blueprint(health.bp)
    api.init_app(app, archive.get_settings(app))
    errors.init_app(app)  # after the API's: these handlers hand /api/ requests back to it
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    _separate_api(app)
    return app


def _separate_api(app: APIFlask) -> None:
    """API calls carry a bearer key, never the session cookie: CSRF cannot reach them, so they are
    exempt; the dashboard's plain blueprints stay out of the OpenAPI document (APIFlask asks each)."""
    for name, blueprint in app.blueprints.items():
        if name == "api" or name.startswith("api."):
            security.csrf.exempt(blueprint)
        elif not hasattr(blueprint, "enable_openapi"):
            setattr(blueprint, "enable_openapi", False)  # noqa: B010 (a plain Blueprint has no such field)
