"""`/healthz` of the API: the database and the passage index answer (no key needed, no rate limit)."""

from __future__ import annotations

import logging
from typing import Any

from apiflask import APIBlueprint

from compliance import __version__
from compliance.errors import StorageError
from web.api.schemas import Health
from web.archive import get_archive

log = logging.getLogger(__name__)
bp = APIBlueprint("api_health", __name__, tag="Health")


@bp.get("/healthz")
@bp.output(Health)
@bp.doc(summary="Health", description="200 when the database and the index answer; else a 503 problem.")
def health() -> Any:
    """The number of stored articles, read from the database, and the index's state."""
    archive = get_archive()
    articles = archive.store.count_articles()
    try:
        archive.index  # opened and caught up with the database: a broken index fails here  # noqa: B018
    except (OSError, ValueError) as exc:
        log.warning("health check: the index failed: %s", exc)
        raise StorageError("the passage index cannot be read") from None
    return {"status": "ok", "version": __version__, "database": "ok", "index": "ok", "articles": articles}
