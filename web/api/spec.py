"""The OpenAPI 3.1 document, derived by APIFlask from the routes and schemas, finished in one place.

What APIFlask cannot know from a decorator is added here, for every operation of the API:
errors are `application/problem+json` (RFC 9457) with the `Problem` schema, and each operation
lists the errors any request can get (401/403 with a key, 413/415 with a body, 429, 500, 503).
`POST /checks` also takes `multipart/form-data` (a file), which its view reads itself.
"""

from __future__ import annotations

from typing import Any

from apiflask import APIFlask

from compliance import __version__
from web.api.problems import MEDIA_TYPE
from web.api.schemas import ID_MAX, Problem

PREFIX = "/api/v1"
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
COMMON = {"429": "Too many requests for this key", "500": "Internal error", "503": "Storage unavailable"}
SECURED = {"401": "No valid API key", "403": "The key lacks the scope"}
WITH_BODY = {
    "400": "Malformed body (not JSON, not UTF-8)",
    "413": "Request too large",
    "415": "Unsupported media type",
    "422": "Invalid request",
}
RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}
FILE_BODY = {
    "schema": {
        "type": "object",
        "properties": {"file": {"type": "string", "format": "binary"}},
        "required": ["file"],
    }
}

# Exactly one of url and text; a webhook goes with a url, a name with a text.
CHECK_IN_RULES = {
    "oneOf": [{"required": ["url"]}, {"required": ["text"]}],
    "dependentRequired": {"webhook_url": ["url"], "name": ["text"]},
}


def init_app(app: APIFlask) -> None:
    """Describe the API and finish its document on every build."""
    app.title, app.version = "compliance API", __version__
    app.config["DESCRIPTION"] = (
        "Is this URL or text a reproduction of one of our articles? Findings, our articles. "
        "Send `Authorization: Bearer <key>` (`compliance apikeys create`). Errors are RFC 9457 problems."
    )
    app.config["HTTP_ERROR_SCHEMA"] = Problem
    app.config["VALIDATION_ERROR_SCHEMA"] = Problem
    app.spec_processor(finish)


def finish(spec: dict[Any, Any] | str) -> dict[Any, Any] | str:
    """Problem responses on every API operation; the multipart body of POST /checks."""
    if isinstance(spec, str):  # a YAML document: only the JSON one is served here
        return spec
    for path, operations in spec.get("paths", {}).items():
        if not path.startswith(PREFIX):
            continue
        for method, operation in operations.items():
            if method in ("get", "post", "put", "delete", "patch"):
                _finish_operation(operation, path)
    schemas = spec.get("components", {}).get("schemas", {})
    if "CheckIn" in schemas:  # what CheckIn's validates_schema checks, for the document's readers
        schemas["CheckIn"] |= CHECK_IN_RULES
    checks = spec.get("paths", {}).get(f"{PREFIX}/checks", {}).get("post")
    if checks is not None:
        checks["requestBody"]["content"]["multipart/form-data"] = FILE_BODY
    return spec


def _finish_operation(operation: dict[str, Any], path: str) -> None:
    for parameter in operation.get("parameters", ()):
        if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
            parameter["schema"] |= {"minimum": 1, "maximum": ID_MAX}  # web/api/schemas.DatabaseId
    responses = operation.setdefault("responses", {})
    extra = dict(COMMON)
    if operation.get("security"):
        extra |= SECURED
    if "requestBody" in operation:
        extra |= WITH_BODY
    if path.endswith("/healthz"):
        extra.pop("429")
    for status, description in extra.items():
        responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        if int(status) >= 400:
            response["content"] = {MEDIA_TYPE: {"schema": PROBLEM_REF}}
    if "429" in responses:
        responses["429"]["headers"] = RETRY_AFTER
