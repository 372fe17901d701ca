"""The one error shape of the API and of the background jobs.

ComplianceError ─► a problem-details document (RFC 9457): {type, title, status, detail[, errors]}
"""

from __future__ import annotations

from typing import Any

from compliance.errors import ComplianceError


def problem(error: ComplianceError, errors: dict[str, Any] | None = None) -> dict[str, Any]:
    """An error as an RFC 9457 problem-details document, the one error shape of the API.

    `errors`, for a request that failed validation: the messages by location and field.
    """
    document: dict[str, Any] = {
        "type": error.problem_type(),
        "title": error.title,
        "status": error.http_status,
        "detail": str(error),
    }
    if errors is not None:
        document["errors"] = errors
    return document
