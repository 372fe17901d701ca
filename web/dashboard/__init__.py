"""The `dashboard` blueprint: every page of the legal team's tool, each needing a signed-in user.

    inbox.py     /                 findings grouped by site; filters, bulk actions, CSV export
    findings.py  /findings/<id>    our article and the copy side by side; the captured page, sandboxed
    check.py     /check            a text, a file or a URL checked and kept as findings
    cases.py     /cases…           the workflow, notices, evidence packs
    manage.py    /articles, /partners, /sites, /scans/<id>, /settings, /users, /audit
    overview.py  /overview         figures, a chart, the monthly report

`allowed(action)` says whether the signed-in user's role may take an action (the workflow's one
table of rules decides); `require(action)` answers 403 otherwise. Templates get `labels` (enum
words, translated) and `menu` (the pages this user may open).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from compliance.records import Action
from web import views
from web.archive import get_archive

bp = Blueprint("dashboard", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every dashboard page needs a signed-in user (Flask-Login sends the others to /login)."""


def allowed(action: Action) -> bool:
    """Whether the signed-in user may take `action`."""
    return bool(current_user.is_authenticated and get_archive().allows(current_user.role, action))


def require(action: Action) -> None:
    """403 unless the signed-in user may take `action`."""
    if not allowed(action):
        abort(403)


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: Any
    action: Action
    current: bool = False


MENU = (
    MenuItem("dashboard.inbox", _l("Inbox"), Action.READ),
    MenuItem("dashboard.overview", _l("Overview"), Action.READ),
    MenuItem("dashboard.cases", _l("Cases"), Action.READ),
    MenuItem("dashboard.check", _l("Check"), Action.REVIEW),
    MenuItem("dashboard.articles", _l("Articles"), Action.READ),
    MenuItem("dashboard.partners", _l("Partners"), Action.READ),
    MenuItem("dashboard.sites", _l("Sites"), Action.READ),
    MenuItem("dashboard.thresholds", _l("Settings"), Action.READ),
    MenuItem("dashboard.users", _l("Users"), Action.MANAGE_USERS),
    MenuItem("dashboard.audit", _l("Audit log"), Action.READ_AUDIT),
)


@bp.app_context_processor
def _widgets() -> dict[str, Any]:
    menu = [
        MenuItem(item.endpoint, item.label, item.action, request.endpoint == item.endpoint)
        for item in MENU
        if allowed(item.action)
    ]
    return {"labels": views.LABELS, "menu": menu, "allowed": allowed, "Action": Action}


from web.dashboard import cases, check, findings, inbox, manage, overview  # noqa: E402  (routes on bp)

__all__ = ["bp", "cases", "check", "findings", "inbox", "manage", "overview"]
