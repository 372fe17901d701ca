"""`/sites`: the watched sites, listed and added as `compliance sites list|add` does.

GET /sites                       ─► Archive.sites ─► {items: sites by name}
POST /sites {name, seeds, …}     ─► Archive.add_site ─► 201 the site (a bad value or a taken name: 422)
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from compliance import shapes
from compliance.records import Site as SiteValue
from web.api.auth import audit_api_write, auth
from web.api.schemas_watch import Site, SiteIn, Sites
from web.archive import get_archive

bp = APIBlueprint("sites", __name__, tag="Sites")
ADMIN, READ = ["admin"], ["read"]
OPTIONAL = ("depth", "page_limit", "delay", "schedule", "fresh_days")


# First: the OpenAPI document must register the item schema before the listing nests it.
@bp.post("/sites")
@bp.auth_required(auth, roles=ADMIN)
@bp.input(SiteIn, location="json")
@bp.output(Site, status_code=201, description="The site, watched from now on")
@bp.doc(summary="Watch a site", description="The same values and checks as `compliance sites add`.")
def create_site(json_data: dict[str, Any]) -> Any:
    """Watch a new site; its values are checked and put in canonical form."""
    given = {name: json_data[name] for name in OPTIONAL if name in json_data}
    site = SiteValue(
        name=json_data["name"],
        seeds=tuple(json_data["seeds"]),
        domains=tuple(json_data.get("domains", ())),
        **given,
    )
    added = get_archive().add_site(site)
    audit_api_write("add site", added.id, name=added.name)
    return shapes.site(added), 201


@bp.get("/sites")
@bp.auth_required(auth, roles=READ)
@bp.output(Sites)
@bp.doc(summary="List watched sites", description="Every watched site, by name, with its settings.")
def list_sites() -> Any:
    """Every watched site."""
    return {"items": [shapes.site(site) for site in get_archive().sites()]}
