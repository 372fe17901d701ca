"""Error pages: one template for every status, with the same security headers as any page.

    404, 405, 413, 400 (a bad or missing CSRF token among them), 403, 500
    NotFoundError ─► 404; InputError ─► 422; another ComplianceError ─► its HTTP status
    a request under /api/ ─► handed to web/api/problems.py: problem+json, never a page

The message shown is the error's own one-line text for a user's mistake, and a generic one
otherwise: a server error's details go to the log, never to the page.
"""

from __future__ import annotations

import logging

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from compliance.errors import ComplianceError, InputError
from web.api import problems

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the handlers."""
    app.register_error_handler(CSRFError, _csrf)
    app.register_error_handler(HTTPException, _http)
    app.register_error_handler(ComplianceError, _compliance)
    app.register_error_handler(Exception, _unexpected)


def page(status: int, title: str, detail: str) -> ResponseReturnValue:
    """The error page."""
    return render_template("error.html", status=status, title=title, detail=detail), status


def _csrf(error: CSRFError) -> ResponseReturnValue:
    return page(
        400,
        _("Form expired"),
        _("The form was refused (missing or invalid CSRF token). Reload the page and try again."),
    )


def _http(error: HTTPException) -> ResponseReturnValue:
    if problems.under_api():
        return problems.http_exception(error)
    titles = {
        400: _("Bad request"),
        403: _("Not allowed"),
        404: _("Page not found"),
        405: _("Method not allowed"),
        413: _("File too large"),
    }
    status = error.code or 500
    return page(status, titles.get(status, error.name), error.description or "")


def _compliance(error: ComplianceError) -> ResponseReturnValue:
    if problems.under_api():
        return problems.compliance_error(error)
    if isinstance(error, InputError):
        return page(error.http_status, _("Cannot do that"), str(error))
    log.warning("%s: %s", type(error).__name__, error)
    return page(error.http_status, _("Something failed"), _("The archive could not answer. Try again later."))


def _unexpected(error: Exception) -> ResponseReturnValue:
    log.exception("unexpected error")
    if problems.under_api():
        return problems.response(ComplianceError(problems.INTERNAL_DETAIL))
    return page(500, _("Something failed"), _("An unexpected error occurred; it has been logged."))
