"""`/findings`: what the checks found, filtered and paged by id, and one finding in full.

GET /findings?verdict=…&severity=…&domain=…&article=…&since=…&until=…&cursor=…&limit=…
    ─► Archive.find_findings ─► {items, next_cursor}
GET /findings/{id} ─► the finding: verdict and reasons, passages, sightings, capture
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from marshmallow import RAISE

from compliance import shapes
from compliance.errors import NotFoundError
from compliance.records import FindingQuery, SeverityLevel, Verdict
from web.api.auth import auth
from web.api.schemas import Finding, FindingsPage, FindingsQuery
from web.archive import get_archive

bp = APIBlueprint("findings", __name__, tag="Findings")
READ = ["read"]


@bp.get("/findings")
@bp.auth_required(auth, roles=READ)
@bp.input(FindingsQuery, location="query", unknown=RAISE)  # a misspelt filter must not list everything
@bp.output(FindingsPage)
@bp.doc(
    summary="List findings", description="Oldest first; pass `next_cursor` as `cursor` for the next page."
)
def list_findings(query_data: dict[str, Any]) -> Any:
    """The findings passing every filter given, a page at a time."""
    limit = query_data["limit"]
    query = FindingQuery(
        verdicts=tuple(Verdict(v) for v in query_data.get("verdict", ())),
        min_severity=SeverityLevel(query_data["severity"]) if "severity" in query_data else None,
        domain=query_data.get("domain"),
        article_id=query_data.get("article"),
        since=query_data.get("since"),
        until=query_data.get("until"),
        after=query_data["cursor"],
        limit=limit + 1,  # one more tells whether a next page exists
    )
    found = get_archive().find_findings(query)
    next_cursor = found[limit - 1].id if len(found) > limit else None
    return shapes.findings_page(found[:limit], next_cursor)


@bp.get("/findings/<int:finding_id>")
@bp.auth_required(auth, roles=READ)
@bp.output(Finding)
@bp.doc(summary="One finding", description="Verdict and reasons, passages, every sighting, the capture.")
def get_finding(finding_id: int) -> Any:
    """A finding with its sightings and the capture it was last seen in."""
    archive = get_archive()
    found = archive.finding(finding_id)
    if found is None:
        raise NotFoundError(f"no finding with id {finding_id}")
    document = shapes.finding(found)
    capture = archive.captures([found.capture_id]).get(found.capture_id) if found.capture_id else None
    document["capture"] = shapes.capture(capture) if capture is not None else None
    return document
