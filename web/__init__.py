"""The Flask web app: `create_app(config=None)` builds it; no module-level app object."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, jsonify

from compliance import __version__


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The dashboard and API app; `config` overrides settings (tests pass a mapping)."""
    app = Flask(__name__)
    app.config.from_mapping(config or {})

    @app.get("/healthz")
    def health() -> Any:
        return jsonify(status="ok", version=__version__)

    return app
