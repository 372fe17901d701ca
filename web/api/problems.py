"""Every error of the API as one problem-details document (RFC 9457, `application/problem+json`).

    ComplianceError raised by the core      ─┐
    HTTP error of Flask (404, 405, 413, 415) ─┼─► compliance.shapes.problem ─► problem+json response
    APIFlask validation (422), auth (401/403)│
    Flask-Limiter (429), anything else (500) ─┘

Outside `/api/` an HTTP error keeps Flask's own page: the dashboard answers in HTML. A 500
never carries the exception's text: the log has it, the client gets a generic detail.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Response, current_app, request
from werkzeug.exceptions import HTTPException, InternalServerError

from compliance import shapes
from compliance.errors import (
    ComplianceError,
    Forbidden,
    InputError,
    MethodNotAllowed,
    NotFoundError,
    PayloadTooLarge,
    RateLimited,
    RequestError,
    StorageError,
    Unauthorized,
    UnsupportedMediaType,
)

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
PREFIX = "/api/"
BY_STATUS: dict[int, type[ComplianceError]] = {
    400: RequestError,
    401: Unauthorized,
    403: Forbidden,
    404: NotFoundError,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: InputError,
    429: RateLimited,
    500: ComplianceError,
    503: StorageError,
}
INTERNAL_DETAIL = "internal error: the server's log has the details"


def error_for(status: int, detail: str) -> ComplianceError:
    """The error of the tree that answers with `status`; a status outside the table gets its own class."""
    kind = BY_STATUS.get(status)
    if kind is None:
        base = RequestError if status < 500 else ComplianceError
        kind = type("HttpError", (base,), {"http_status": status, "problem": f"http-{status}"})
    return kind(detail)


def response(error: ComplianceError, headers: Any = None, errors: dict[str, Any] | None = None) -> Response:
    """The problem+json response of `error`."""
    body = json.dumps(shapes.problem(error, errors), ensure_ascii=False)
    return current_app.response_class(body, error.http_status, headers, mimetype=MEDIA_TYPE)


def from_http_error(error: HTTPError) -> Response:
    """APIFlask's errors (validation, `abort`, auth) as problems; validation keeps its messages."""
    if error.status_code == 422 and isinstance(error.detail, dict) and error.detail:
        problem = InputError("the request is not valid: see errors")
        return response(problem, error.headers, errors=error.detail)
    detail = error.message if isinstance(error.message, str) and error.message else "request refused"
    return response(error_for(error.status_code, detail), error.headers)


def init_app(app: APIFlask) -> None:
    """Register the app-wide handlers: APIFlask's errors, and HTTP errors under /api/."""
    app.error_processor(from_http_error)
    app.register_error_handler(HTTPException, http_exception)
    app.register_error_handler(InternalServerError, _internal)


def compliance_error(error: ComplianceError) -> Response:
    """An error of the core raised by an API view (registered on the API blueprint)."""
    if error.http_status >= 500:
        log.error("API request %s %s failed: %s", request.method, request.path, error)
    if type(error) is ComplianceError:  # an internal error says nothing more to the client
        return response(ComplianceError(INTERNAL_DETAIL))
    if isinstance(error, StorageError):  # a driver's message may name hosts and tables
        return response(StorageError("the database or the index is unavailable"))
    return response(error)


def under_api() -> bool:
    """Whether the current request is one of the API's."""
    return request.path.startswith(PREFIX)


def http_exception(error: HTTPException) -> Any:
    """An HTTP error under /api/ as a problem; elsewhere left to the dashboard's pages."""
    if not under_api():
        return error
    headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
    return response(error_for(error.code or 500, error.description or error.name), headers)


def _internal(error: InternalServerError) -> Any:
    original = getattr(error, "original_exception", None)
    if original is not None:
        log.error("API request %s %s failed", request.method, request.path, exc_info=original)
    if not request.path.startswith(PREFIX):
        return error
    return response(ComplianceError(INTERNAL_DETAIL))
