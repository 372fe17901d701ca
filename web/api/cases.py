"""`/cases`: the legal workflow's cases, read as `compliance cases list|show --json` prints them.

GET /cases       ─► Archive.cases.listing ─► {items: cases without history, newest first}
GET /cases/{id}  ─► Archive.cases.get ─► the case with its history (unknown: 404)

An API key reads as a viewer: the case services check every call against the actor's role.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from compliance import shapes
from compliance.records import Actor, Role
from web.api.auth import auth, current_key
from web.api.schemas_watch import Case, Cases
from web.archive import get_archive

bp = APIBlueprint("cases", __name__, tag="Cases")
READ = ["read"]


@bp.get("/cases/<int:case_id>")
@bp.auth_required(auth, roles=READ)
@bp.output(Case)
@bp.doc(summary="One case", description="Its state, findings, assignment, deadline and history.")
def get_case(case_id: int) -> Any:
    """A case with its history."""
    return shapes.case(get_archive().cases.get(_reader(), case_id))


@bp.get("/cases")
@bp.auth_required(auth, roles=READ)
@bp.output(Cases)
@bp.doc(summary="List cases", description="Newest first, without their histories.")
def list_cases() -> Any:
    """Every case."""
    return {"items": [shapes.case(case) for case in get_archive().cases.listing(_reader())]}


def _reader() -> Actor:
    """Who reads through the API: the key, by name, with a viewer's rights."""
    return Actor(f"api:{current_key().name}", Role.VIEWER)
