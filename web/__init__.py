"""The Flask web app: `create_app(config=None)` builds it; no module-level app object.

Flask is imported here and nowhere else in the product: the app reaches the core through
`compliance.pipeline.Archive` (web/archive.py) and turns its values into responses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from web import archive, health
from web.archive import close_archive, get_archive

__all__ = ["close_archive", "create_app", "get_archive"]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The dashboard and API app; `config` overrides settings (tests pass a mapping)."""
    app = Flask(__name__)
    app.config.from_mapping(config or {})
    archive.init_app(app)
    app.register_blueprint(health.bp)
    return app
