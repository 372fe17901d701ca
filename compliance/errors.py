"""The exceptions the core raises; the CLI and the web layer turn each into one clear message.

ComplianceError                    exit 1   500  internal
 ├── ConfigurationError            exit 2   500  configuration   a setting is missing or out of range
 ├── InputError                    exit 2   422  invalid-input   a file, record or request is unusable
 │    ├── RecordError              exit 2   422  invalid-record  one record of a batch; the batch goes on
 │    ├── NotFoundError            exit 2   404  not-found       an id, URL or name that is not stored
 │    ├── TransitionError          exit 2   409  transition      a case cannot move from its state to that one
 │    └── PermissionDenied         exit 2   403  forbidden       the acting user's role does not allow it
 ├── FetchError                    exit 2   502  fetch-failed    a URL could not be fetched
 │    ├── FetchRefused             exit 2   422  fetch-refused   never retry: unsafe address, scheme,
 │    │                                                          size, content type, redirect loop
 │    └── FetchFailed              exit 2   502  fetch-failed    may succeed later: timeout,
 │                                                               connection error, 5xx, 429
 ├── ExtractionError               exit 2   422  no-text         fetched, but no text could be taken
 ├── StorageError                  exit 1   503  storage         the database or the index failed
 ├── ClaimLost                     exit 1   409  claim-lost      another worker took the scan's page over
 └── RequestError                  exit 2   400  bad-request     an HTTP request the API cannot serve
      ├── Unauthorized             exit 2   401  unauthorized    no API key, or an unknown or revoked one
      ├── Forbidden                exit 2   403  forbidden       the key lacks the scope
      ├── MethodNotAllowed         exit 2   405  method-not-allowed
      ├── PayloadTooLarge          exit 2   413  too-large       the request body is over the limit
      ├── UnsupportedMediaType     exit 2   415  unsupported-media-type
      └── RateLimited              exit 2   429  rate-limited    too many requests for this key

Each class carries its CLI exit status, its HTTP status and its problem type (RFC 9457), so the
CLI, the API and the scan records turn an error into the same answer.
"""

from __future__ import annotations

from typing import ClassVar

PROBLEM_BASE = "https://compliance.invalid/problems/"  # problem type URIs; `about:blank` says too little


class ComplianceError(Exception):
    """Base of every error the core raises on purpose."""

    exit_status: ClassVar[int] = 1
    http_status: ClassVar[int] = 500
    problem: ClassVar[str] = "internal"
    title: ClassVar[str] = "Internal error"

    @classmethod
    def problem_type(cls) -> str:
        """The RFC 9457 `type` URI of this error."""
        return PROBLEM_BASE + cls.problem


class ConfigurationError(ComplianceError, ValueError):
    """A setting is missing, malformed or out of range."""

    exit_status = 2
    problem = "configuration"
    title = "Configuration error"


class InputError(ComplianceError, ValueError):
    """Input given by a user (file, record, request) cannot be used."""

    exit_status = 2
    http_status = 422
    problem = "invalid-input"
    title = "Invalid input"


class RecordError(InputError):
    """One record of a batch is unusable; `source` and `line` say where it is."""

    problem = "invalid-record"
    title = "Invalid record"

    def __init__(self, reason: str, source: str = "", line: int | None = None) -> None:
        self.reason = reason
        self.source = source
        self.line = line
        where = source + (f":{line}" if line is not None else "")
        super().__init__(f"{where}: {reason}" if where else reason)


class NotFoundError(InputError):
    """An id, URL or name the user gave is not stored."""

    http_status = 404
    problem = "not-found"
    title = "Not found"


class TransitionError(InputError):
    """A case was asked to move where its state does not lead (or without what the move needs)."""

    http_status = 409
    problem = "transition"
    title = "Transition not allowed"


class PermissionDenied(InputError):
    """The acting user's role does not allow the action."""

    http_status = 403
    problem = "forbidden"
    title = "Forbidden"


class FetchError(ComplianceError):
    """A URL was refused or could not be fetched."""

    exit_status = 2
    http_status = 502
    problem = "fetch-failed"
    title = "Fetch failed"
    status: int | None = None  # the HTTP status the server answered, when it answered


class FetchRefused(FetchError):
    """The URL must not be fetched, now or later: unsafe address, scheme, size, type, redirect loop."""

    http_status = 422
    problem = "fetch-refused"
    title = "Fetch refused"


class FetchFailed(FetchError):
    """The fetch failed for a reason that may pass: timeout, connection error, 5xx, 429."""

    retry_after: float | None = None  # seconds, when the server said so
    status: int | None = None  # the HTTP status, when the server answered (429, 503…)


class ExtractionError(ComplianceError):
    """No usable text could be extracted from a page or a file."""

    exit_status = 2
    http_status = 422
    problem = "no-text"
    title = "No text to check"


class StorageError(ComplianceError):
    """The database or the index could not be read or written."""

    http_status = 503
    problem = "storage"
    title = "Storage unavailable"


class ClaimLost(ComplianceError):
    """A worker's claim on a scan's page lapsed and another took it: its result is not stored."""

    http_status = 409
    problem = "claim-lost"
    title = "Claim lost"


class RequestError(ComplianceError):
    """An HTTP request the API cannot serve as sent (the web layer maps HTTP errors here)."""

    exit_status = 2
    http_status = 400
    problem = "bad-request"
    title = "Bad request"


class Unauthorized(RequestError):
    """No API key, or a key that is unknown or revoked."""

    http_status = 401
    problem = "unauthorized"
    title = "Unauthorized"


class Forbidden(RequestError):
    """The API key does not carry the scope the operation needs."""

    http_status = 403
    problem = "forbidden"
    title = "Forbidden"


class MethodNotAllowed(RequestError):
    """The resource exists but not with this HTTP method."""

    http_status = 405
    problem = "method-not-allowed"
    title = "Method not allowed"


class PayloadTooLarge(RequestError):
    """The request body is larger than the API accepts."""

    http_status = 413
    problem = "too-large"
    title = "Request too large"


class UnsupportedMediaType(RequestError):
    """The request body is of a media type the operation does not take."""

    http_status = 415
    problem = "unsupported-media-type"
    title = "Unsupported media type"


class RateLimited(RequestError):
    """Too many requests for one key in the window; Retry-After says when to come back."""

    http_status = 429
    problem = "rate-limited"
    title = "Too many requests"
