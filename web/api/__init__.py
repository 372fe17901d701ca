"""The JSON API under /api/v1: one blueprint per resource, nested in `api`, described by APIFlask.

    checks.py    POST /checks, GET /checks/{id}      (scope check)
    findings.py  GET /findings, GET /findings/{id}   (scope read)
    articles.py  POST, PUT, GET, DELETE /articles    (scope ingest; read to GET)
    sites.py     GET, POST /sites                    (scope read; admin to POST)
    scans.py     POST /scans, GET /scans/{id}        (scope admin; read to GET)
    cases.py     GET /cases, GET /cases/{id}         (scope read)
    health.py    GET /healthz                        (no key)
    auth.py      API keys (Bearer), scopes, `audit_api_write`
    problems.py  every error as application/problem+json
    limits.py    rate limits per key (Flask-Limiter)
    spec.py      the OpenAPI 3.1 document at /api/v1/openapi.json, docs at /api/v1/docs
    schemas.py   request and response bodies

A new resource is one module with its `bp`, added to RESOURCES.
"""

from __future__ import annotations

from apiflask import APIBlueprint, APIFlask
from flask import request

from compliance.errors import ComplianceError
from compliance.settings import Settings
from web.api import articles, cases, checks, findings, health, limits, problems, scans, sites, spec
from web.api.schemas import DatabaseId
from web.archive import get_archive

PREFIX = spec.PREFIX
SPEC_PATH = f"{PREFIX}/openapi.json"
DOCS_PATH = f"{PREFIX}/docs"
RESOURCES = (checks, findings, articles, sites, scans, cases, health)

api = APIBlueprint("api", __name__, url_prefix=PREFIX)
for _resource in RESOURCES:
    api.register_blueprint(_resource.bp)
api.register_error_handler(ComplianceError, problems.compliance_error)


@api.before_request
def _limit_body() -> None:
    # Per request, not app-wide: the dashboard's forms keep Flask's own limit.
    request.max_content_length = get_archive().settings.api_max_request_bytes


def init_app(app: APIFlask, settings: Settings) -> None:
    """Register the API, its error handlers, its rate limits and its OpenAPI document on `app`."""
    app.url_map.converters["int"] = DatabaseId  # before the rules that use it are added
    app.register_blueprint(api)
    problems.init_app(app)
    limits.init_app(app, api, health.bp, settings)
    spec.init_app(app)
