"""`/scans`: watched sites scanned now, as `compliance scan --json` does, and one stored scan.

POST /scans {sites?: [names]} ─► Archive.scan ─► the scan record (an unknown site: 404, none watched: 422)
GET /scans/{id}               ─► Archive.scan_record ─► the scan, its counts, failures and pages

The scan runs within the request: a site's page limit and delay bound how long it takes.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from compliance import shapes
from web.api.auth import audit_api_write, auth
from web.api.schemas_watch import ScanIn, ScanRecord, ScanReport
from web.archive import get_archive

bp = APIBlueprint("scans", __name__, tag="Scans")
ADMIN, READ = ["admin"], ["read"]


@bp.post("/scans")
@bp.auth_required(auth, roles=ADMIN)
@bp.input(ScanIn, location="json")
@bp.output(ScanReport)
@bp.doc(
    summary="Scan sites now",
    description="The named sites, or every watched site if none are named.",
    responses={404: "A named site is not watched"},
)
def run_scan(json_data: dict[str, Any]) -> Any:
    """Scan the sites and keep what they copied as findings."""
    names = tuple(json_data.get("sites", ()))
    report = get_archive().scan(names)
    audit_api_write("scan", ",".join(done.site for done in report.sites))
    return shapes.scan_report(report)


@bp.get("/scans/<int:scan_id>")
@bp.auth_required(auth, roles=READ)
@bp.output(ScanRecord)
@bp.doc(summary="One scan", description="A scan of one site: its counts, failures and every page.")
def get_scan(scan_id: int) -> Any:
    """A stored scan with its pages."""
    return shapes.scan_record(get_archive().scan_record(scan_id))
