"""`/healthz`: whether the app can reach its database, for load balancers and monitoring."""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, jsonify

from compliance import __version__
from compliance.errors import StorageError
from web.archive import get_archive

log = logging.getLogger(__name__)
bp = Blueprint("health", __name__)


@bp.get("/healthz")
def health() -> Any:
    """200 with the number of stored articles, or 503 when the database does not answer."""
    try:
        articles = get_archive().store.count_articles()
    except StorageError as exc:
        log.warning("health check failed: %s", exc)
        return jsonify(status="unavailable", version=__version__, database="unreachable"), 503
    return jsonify(status="ok", version=__version__, database="ok", articles=articles)
