"""The Flask web app: `create_app(config=None)` builds it; no module-level app object.

Flask is imported in web/ and nowhere else in the product: the app reaches the core through
`compliance.pipeline.Archive` (web/archive.py) and turns its values into pages.

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

from flask import Flask

from web import archive, auth, dashboard, errors, health, i18n, security
from web.archive import close_archive, get_archive

__all__ = ["close_archive", "create_app", "get_archive"]

DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": 12 * 1024 * 1024,  # an uploaded page: Settings.max_input_bytes plus the form
    "INSECURE_HTTP": False,  # True only for the local demo on http://127.0.0.1 (cookies without Secure)
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The dashboard and API app; `config` overrides the defaults (tests pass a mapping)."""
    app = Flask(__name__)
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
    errors.init_app(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    return app
