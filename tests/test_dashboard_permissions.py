"""Every route of the dashboard against every role and an anonymous visitor.

ROUTES names each endpoint with the action it needs (None: any signed-in user; PUBLIC: anyone).
A role the workflow's table allows gets past the gate (no 403, no sign-in page); another gets 403;
an anonymous visitor is sent to /login. A new route must be added here, or the first test fails.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from dashboard import sign_in, token

from compliance.cases.permissions import allows
from compliance.records import Action, Role

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

PUBLIC = "public"
A = Action
# endpoint: (method, url template, action needed)
ROUTES: dict[str, tuple[str, str, Action | str | None]] = {
    "auth.login": ("get", "/login", PUBLIC),
    "auth.logout": ("post", "/logout", PUBLIC),
    "health.health": ("get", "/healthz", PUBLIC),
    "i18n.choose": ("get", "/lang/en", PUBLIC),
    "static": ("get", "/static/app.js", PUBLIC),
    "dashboard.inbox": ("get", "/", None),
    "dashboard.inbox_site": ("get", "/inbox/site?domain=", None),
    "dashboard.inbox_csv": ("get", "/inbox.csv", None),
    "dashboard.bulk": ("post", "/inbox/bulk?action=dismiss_quotation", A.DISMISS),
    "dashboard.finding": ("get", "/findings/{finding}", None),
    "dashboard.review": ("post", "/findings/{finding}/review", A.DISMISS),
    "dashboard.captured_page": ("get", "/captures/{capture}/page", None),
    "dashboard.check": ("get", "/check", A.REVIEW),
    "dashboard.overview": ("get", "/overview", None),
    "dashboard.monthly_report": ("get", "/reports/monthly.csv?month=2024-03", None),
    "dashboard.cases": ("get", "/cases", None),
    "dashboard.case": ("get", "/cases/{case}", None),
    "dashboard.move": ("post", "/cases/{case}/move", A.FREEZE_EVIDENCE),
    "dashboard.note": ("post", "/cases/{case}/note", A.NOTE),
    "dashboard.assign": ("post", "/cases/{case}/assign", A.ASSIGN),
    "dashboard.deadline": ("post", "/cases/{case}/deadline", A.SET_DEADLINE),
    "dashboard.pack": ("post", "/cases/{case}/pack", A.EXPORT_EVIDENCE),
    "dashboard.draft": ("post", "/cases/{case}/notices", A.DRAFT_NOTICE),
    "dashboard.notice": ("get", "/notices/{notice}", None),
    "dashboard.edit_notice": ("post", "/notices/{notice}/edit", A.DRAFT_NOTICE),
    "dashboard.approve": ("post", "/notices/{notice}/approve", A.APPROVE_NOTICE),
    "dashboard.sent": ("post", "/notices/{notice}/sent", A.SEND_NOTICE),
    "dashboard.notice_pdf": ("get", "/notices/{notice}.pdf", None),
    "dashboard.articles": ("get", "/articles", None),
    "dashboard.partners": ("get", "/partners", None),
    "dashboard.sites": ("get", "/sites", None),
    "dashboard.scan": ("get", "/scans/{scan}", None),
    "dashboard.thresholds": ("get", "/settings", None),
    "dashboard.users": ("get", "/users", A.MANAGE_USERS),
    "dashboard.audit": ("get", "/audit", A.READ_AUDIT),
}
FORMS = {
    "dashboard.bulk": {"action": "dismiss_quotation", "finding": "{finding}"},
    "dashboard.review": {"reason": "quotation"},
    "dashboard.move": {"target": "evidence_frozen"},
    "dashboard.note": {"text": "vu"},
    "dashboard.assign": {"assignee": "anis"},
    "dashboard.deadline": {"deadline": "2030-01-01"},
    "dashboard.draft": {"kind": "dsa", "language": "en"},
    "dashboard.edit_notice": {"kind": "dmca", "language": "en"},
    "dashboard.sent": {"channel": "email", "recipient": "x@example.org", "proof": "id-1"},
}
HUMANS = (Role.ADMIN, Role.LEGAL, Role.ANALYST, Role.VIEWER)


API = ("api.", "openapi.")  # the JSON API and its document: key scopes, tested in test_api.py


def test_every_route_is_in_the_matrix(app: Flask) -> None:
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert {e for e in endpoints if not e.startswith(API)} == set(ROUTES)


def call(client: FlaskClient, endpoint: str, world: dict[str, int]):  # type: ignore[no-untyped-def]
    method, template, _ = ROUTES[endpoint]
    url = template.format(**world)
    if method == "get":
        return client.get(url)
    form = {k: v.format(**world) for k, v in FORMS.get(endpoint, {}).items()}
    return client.post(url, data={**form, "csrf_token": token(client, "/login")})


def expected_allowed(role: Role, need: Action | str | None) -> bool:
    return need in (None, PUBLIC) or (isinstance(need, Action) and allows(role, need))


@pytest.mark.parametrize("role", HUMANS)
def test_each_role_reaches_what_it_may_and_nothing_else(
    client: FlaskClient, world: dict[str, int], role: Role
) -> None:
    sign_in(client, role)
    seen = {}
    for endpoint in ROUTES:
        if endpoint == "auth.logout":
            continue  # would end the session the other routes need
        response = call(client, endpoint, world)
        seen[endpoint] = response.status_code
        response.close()
        allowed = expected_allowed(role, ROUTES[endpoint][2])
        if allowed:
            assert response.status_code not in (401, 403), (endpoint, response.status_code)
            assert "/login" not in response.headers.get("Location", ""), endpoint
        else:
            assert response.status_code == 403, (endpoint, response.status_code)
    assert seen["dashboard.inbox"] == 200 and seen["dashboard.finding"] == 200


def test_an_anonymous_visitor_sees_only_the_public_routes(client: FlaskClient, world: dict[str, int]) -> None:
    for endpoint, (_method, _url, need) in ROUTES.items():
        response = call(client, endpoint, world)
        response.close()
        if need == PUBLIC:
            assert response.status_code in (200, 302), endpoint
            assert "/login?" not in response.headers.get("Location", ""), endpoint
        else:
            assert response.status_code == 302, endpoint
            assert response.headers["Location"].startswith("/login?next="), endpoint
