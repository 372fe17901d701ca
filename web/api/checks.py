"""`/checks`: is this URL, text or file a reproduction of one of our articles?

    POST {"text"}      ─► Archive.record_text ─► 200 the check report (findings stored)
    POST multipart file ─► Archive.record_file ─► 200 the check report
    POST {"url"[, "webhook_url"]} ─► a background job (compliance.jobs) ─► 200 the check report when
        it finishes within `api_check_wait` seconds, else 202 and the job to poll at /checks/{id}
    GET /checks/{id}   ─► the job: pending, running, done (with the report) or failed (the problem)

The check report is `compliance.shapes.check_report`, as `compliance check --json` prints it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from apiflask import APIBlueprint
from apiflask.exceptions import HTTPError
from flask import Response, current_app, jsonify, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from compliance import shapes
from compliance.errors import InputError, NotFoundError, UnsupportedMediaType
from compliance.records import CheckJob as Job
from compliance.records import JobState
from web.api import problems
from web.api.auth import audit_api_write, auth, current_key
from web.api.schemas import CheckIn, CheckJob, CheckReport
from web.archive import get_archive

bp = APIBlueprint("checks", __name__, tag="Checks")
CHECK = ["check"]
ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "The URL check goes on in the background: poll the job",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CheckJob"}}},
    }
}


@bp.post("/checks")
@bp.auth_required(auth, roles=CHECK)
@bp.input(CheckIn, location="json", validation=False)
@bp.output(CheckReport)
@bp.doc(
    summary="Check a URL, a text or a file",
    description=(
        "JSON with `url` or `text`, or `multipart/form-data` with a `file` (.html, .txt, .eml, .pdf). "
        "Findings are stored. A URL check still running after a few seconds answers 202 with a job "
        "to poll; with `webhook_url`, the finished job is POSTed there, signed with HMAC-SHA256 "
        "(`X-Compliance-Signature: sha256=<hex>`)."
    ),
    responses=ACCEPTED,
)
def create_check(json_data: Any = None) -> Any:
    """Check a page now, or start a background check of a URL."""
    if request.mimetype == "multipart/form-data":
        return _check_file(request.files.get("file"))
    if not request.is_json:
        raise UnsupportedMediaType(
            'send application/json ({"url"} or {"text"}) or multipart/form-data (file)'
        )
    try:
        given = CheckIn().load(request.get_json())
    except ValidationError as exc:
        raise HTTPError(422, detail={"json": exc.messages}) from None
    if "text" in given:
        report = get_archive().record_text(given["text"], given.get("name"))
        audit_api_write("check text", report.page.key, findings=len(report.recorded))
        return shapes.check_report(report)
    return _check_url(given["url"], given.get("webhook_url"))


@bp.get("/checks/<job_id>")
@bp.auth_required(auth, roles=CHECK)
@bp.output(CheckJob)
@bp.doc(summary="A background URL check", description="Poll until `state` is `done` or `failed`.")
def get_check(job_id: str) -> Any:
    """The job, with its check report once done or its problem once failed."""
    job = get_archive().check_jobs.get(job_id)
    if job is None:
        raise NotFoundError(f"no check job {job_id}")
    return shapes.check_job(job)


def _check_url(url: str, webhook_url: str | None) -> Any:
    archive = get_archive()
    key = current_key()
    job = archive.check_jobs.submit(url, webhook_url, key.name, wait=archive.settings.api_check_wait)
    audit_api_write("check url", url, job=job.id)
    if job.state is JobState.DONE and job.result is not None:
        return job.result
    if job.state is JobState.FAILED and job.problem is not None:
        return _stored_problem(job.problem)
    return _accepted(job)


def _accepted(job: Job) -> Response:
    response = jsonify(shapes.check_job(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.checks.get_check", job_id=job.id)
    return response


def _stored_problem(problem: dict[str, Any]) -> Response:
    """A failed job's problem, as stored, with its status."""
    body = current_app.json.dumps(problem)
    return current_app.response_class(body, int(problem["status"]), mimetype=problems.MEDIA_TYPE)


def _check_file(upload: FileStorage | None) -> Any:
    if upload is None or not upload.filename:
        raise InputError("multipart/form-data: send the page as a file field named `file`")
    name = secure_filename(upload.filename) or "upload"
    with tempfile.TemporaryDirectory(prefix="compliance-upload-") as folder:
        path = Path(folder) / name
        upload.save(path)
        report = get_archive().record_file(str(path))
    audit_api_write("check file", report.page.key, findings=len(report.recorded))
    return shapes.check_report(report, file=name)
