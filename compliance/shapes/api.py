"""The documents of the API's resources: our articles, API keys, check jobs and finding listings.

Article       ─► one of our articles: {id, url, title, dates, author, section, …, body}
ApiKey        ─► {id, name, prefix, scopes, created_at, last_used_at, revoked_at}: never the key
CheckJob      ─► {id, url, state, created_at, finished_at, result | problem}
Finding list  ─► {items: findings without sightings, next_cursor}
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from compliance.records import ApiKey, Article, CheckJob, Finding

from .checks import finding


def article(stored: Article) -> dict[str, Any]:
    """One of our articles as stored, body included; dates in ISO 8601."""
    document: dict[str, Any] = {name: getattr(stored, name) for name in Article.__dataclass_fields__}
    for name in ("published_at", "updated_at"):
        document[name] = document[name].isoformat() if document[name] else None
    return document


def finding_summary(kept: Finding) -> dict[str, Any]:
    """A finding as a listing shows it: its latest judgement, without the sightings."""
    document = finding(kept)
    del document["sightings"]
    return document


def findings_page(found: Iterable[Finding], next_cursor: int | None) -> dict[str, Any]:
    """One page of a finding listing, and the cursor of the next page (None on the last)."""
    return {"items": [finding_summary(f) for f in found], "next_cursor": next_cursor}


def api_key(key: ApiKey) -> dict[str, Any]:
    """An API key as stored: its first characters only, never the key."""
    return {
        "id": key.id,
        "name": key.name,
        "prefix": key.prefix,
        "scopes": [scope.value for scope in key.scopes],
        "created_at": key.created_at.isoformat(),
        "last_used_at": key.last_used_at.isoformat() if key.last_used_at else None,
        "revoked_at": key.revoked_at.isoformat() if key.revoked_at else None,
    }


def check_job(job: CheckJob) -> dict[str, Any]:
    """A background URL check: its state, then its check report or its problem once finished."""
    return {
        "id": job.id,
        "url": job.url,
        "state": job.state.value,
        "created_at": job.created_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "result": job.result,
        "problem": job.problem,
    }
