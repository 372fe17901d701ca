"""A finding (`/findings/<id>`): our article and the copy side by side, and everything that
explains and proves it; the captured page, shown safely.

    finding ─► both texts cut into segments at the passages (web/views.py), linked by number
           ─► scores, verdict with its reasons and the thresholds then in force, attribution
              with its proof, notice kept or stripped, sightings with their captures
    capture ─► /captures/<id>/page: the archived HTML, served with `sandbox; default-src 'none'`
              (no script, no request, a unique origin), framed by the finding page only
"""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from compliance.records import Action, Dismissal, DismissReason
from web import i18n, security, views
from web.archive import get_archive
from web.auth import actor
from web.dashboard import bp, require

HTML_TYPES = ("text/html", "application/xhtml+xml")


@bp.get("/findings/<int:finding_id>")
def finding(finding_id: int) -> ResponseReturnValue:
    """Our article and the copy side by side, the verdict and its reasons, the evidence."""
    archive = get_archive()
    shown = archive.finding_view(finding_id)
    found, article = shown.finding, shown.article
    ids = [i for i in (found.capture_id, *(s.capture_id for s in found.sightings)) if i]
    captures = archive.captures(ids)
    capture = shown.capture
    return render_template(
        "dashboard/finding.html",
        view=shown,
        finding=found,
        article=article,
        article_segments=views.article_segments(article.body, found.passages),
        page_segments=views.page_segments(shown.page_text, found.passages),
        article_direction=i18n.direction(article.body, article.language),
        page_direction=i18n.direction(shown.page_text),
        captures=captures,
        framed=capture is not None and capture.content_type.split(";")[0].strip() in HTML_TYPES,
        rules=views.rules_rows(found.rules),
    )


@bp.post("/findings/<int:finding_id>/review")
def review(finding_id: int) -> ResponseReturnValue:
    """Set one finding aside for a reason, or put it back in the inbox."""
    require(Action.DISMISS)
    archive, reason = get_archive(), request.form.get("reason", "")
    if reason == "reopen":
        archive.reopen([finding_id], actor().name)
        flash(_("The finding is back in the inbox."))
    else:
        why = DismissReason(reason) if reason in DismissReason.__members__.values() else DismissReason.OTHER
        archive.dismiss(Dismissal((finding_id,), why, actor().name, request.form.get("note", "")[:2000]))
        flash(_("The finding is set aside."))
    return redirect(url_for("dashboard.finding", finding_id=finding_id))


@bp.get("/captures/<int:capture_id>/page")
def captured_page(capture_id: int) -> ResponseReturnValue:
    """The archived page as captured, in a sandbox: it can run nothing and reach nothing."""
    capture, body = get_archive().captured_body(capture_id)
    kind = capture.content_type.split(";")[0].strip().lower()
    mimetype = capture.content_type if kind in HTML_TYPES else "text/plain; charset=utf-8"
    response = Response(body, headers={"Content-Type": mimetype})
    response.headers["Content-Security-Policy"] = security.SANDBOX_POLICY
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["Cache-Control"] = "private, no-store"
    return response
