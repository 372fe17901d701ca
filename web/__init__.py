"""The Flask web app: `create_app(config=None)` builds it; no module-level app object.

Flask is imported here and nowhere else in the product: the app reaches the core through
`compliance.pipeline.Archive` (web/archive.py) and turns its values into responses. The app is
an `APIFlask` (a Flask subclass) so that the JSON API (web/api/) gets its OpenAPI document;
plain Flask blueprints (the dashboard, /healthz) work as they do on Flask and stay out of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask
from flask import Flask

from web import api, archive, health
from web.archive import close_archive, get_archive

__all__ = ["close_archive", "create_app", "get_archive"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The dashboard and API app; `config` overrides settings (tests pass a mapping)."""
    # json_errors off: outside /api/ Flask's own error pages stay; web/api/problems.py answers inside.
    app = APIFlask(__name__, spec_path=api.SPEC_PATH, docs_path=api.DOCS_PATH, json_errors=False)
    app.config.from_mapping(config or {})
    archive.init_app(app)
    app.register_blueprint(health.bp)
    api.init_app(app, archive.get_settings(app))
    return app
