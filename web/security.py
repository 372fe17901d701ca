"""Security on every response, error pages included, and CSRF on every form.

    every response ─► Content-Security-Policy (frame-ancestors 'none', no inline script),
                      X-Content-Type-Options: nosniff, Referrer-Policy, X-Frame-Options,
                      Cross-Origin-Opener-Policy, Permissions-Policy
    session cookie ─► Secure (off only under TESTING or the local HTTP demo), HttpOnly, SameSite=Lax
    every POST     ─► Flask-WTF's CSRF check (a request without a valid token is refused with 400)

A view that serves captured HTML sets its own, stricter policy (`SANDBOX_POLICY`): the headers
below never loosen a policy a view has set.
"""

from __future__ import annotations

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# Captured pages: no script, no request of any kind, a unique origin; framed by our pages only.
SANDBOX_POLICY = "sandbox; default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
csrf = CSRFProtect()


def init_app(app: Flask) -> None:
    """Cookie flags, CSRF protection, and the headers added to every response."""
    secure = not (app.testing or app.config["INSECURE_HTTP"])
    app.config.update(
        SESSION_COOKIE_SECURE=secure,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a token lives as long as the session: a long review is no error
    )
    csrf.init_app(app)
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    """The security headers, unless the view set a stricter one of its own."""
    response.headers.setdefault("Content-Security-Policy", POLICY)
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
