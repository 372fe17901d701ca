"""Cases (`/cases…`): the workflow, notes, assignment, deadlines, the timeline with its audit
entries; notices (draft, edit, approve by another person, mark sent, preview, PDF); the evidence pack.

Every button shown is a move the case's state allows and the user's role may make
(`Archive.case_moves`); the workflow checks again on every POST, so a forged request is refused.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, flash, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from compliance.errors import InputError
from compliance.records import Action, CaseState
from web import views
from web.archive import get_archive
from web.auth import actor
from web.dashboard import allowed, bp, require


@bp.get("/cases")
def cases() -> ResponseReturnValue:
    """Cases, newest first, by state."""
    state = request.args.get("state", "")
    states = [CaseState(state)] if state in CaseState.__members__.values() else []
    found = get_archive().cases.listing(actor(), states)
    return render_template("dashboard/cases.html", cases=found, state=state)


@bp.get("/cases/<int:case_id>")
def case(case_id: int) -> ResponseReturnValue:
    """One case: its findings, the moves this user may make, notices, notes, the timeline."""
    archive, who = get_archive(), actor()
    found, findings, notices = archive.cases.facts(who, case_id)
    audit = archive.audit.entries(who, f"case:{case_id}") if allowed(Action.READ_AUDIT) else []
    return render_template(
        "dashboard/case.html",
        case=found,
        findings=archive.finding_lines_of([f.id for f in findings]),
        notices=notices,
        moves=archive.case_moves(who.role, found.state),
        assignees=archive.case_assignees(who),
        audit=audit,
        timeline=views.timeline(found.events, audit),
    )


@bp.post("/cases/<int:case_id>/move")
def move(case_id: int) -> ResponseReturnValue:
    """Move the case to another state (the workflow checks the role and the facts)."""
    target, reason = request.form.get("target", ""), request.form.get("reason") or None
    text = request.form.get("text", "")[:2000]
    moved = get_archive().cases.move(actor(), case_id, target, reason=reason, text=text)
    flash(_("Case %(id)s: %(state)s.", id=case_id, state=views.CASE_STATES[moved.state]))
    return redirect(url_for("dashboard.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/note")
def note(case_id: int) -> ResponseReturnValue:
    """Add a note to the case's history."""
    get_archive().cases.note(actor(), case_id, request.form.get("text", "")[:5000])
    return redirect(url_for("dashboard.case", case_id=case_id) + "#timeline")


@bp.post("/cases/<int:case_id>/assign")
def assign(case_id: int) -> ResponseReturnValue:
    """Give the case to someone (or to nobody)."""
    get_archive().cases.assign(actor(), case_id, request.form.get("assignee") or None)
    return redirect(url_for("dashboard.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/deadline")
def deadline(case_id: int) -> ResponseReturnValue:
    """Set or clear the date by which the other side must answer."""
    get_archive().cases.set_deadline(actor(), case_id, _date(request.form.get("deadline", "")))
    return redirect(url_for("dashboard.case", case_id=case_id))


@bp.post("/cases/<int:case_id>/pack")
def pack(case_id: int) -> ResponseReturnValue:
    """The case's evidence pack (ZIP: WARCs, report, manifest), downloaded at once; audited."""
    require(Action.EXPORT_EVIDENCE)
    path = get_archive().evidence_pack(actor(), case_id)
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=path.name)


@bp.post("/cases/<int:case_id>/notices")
def draft(case_id: int) -> ResponseReturnValue:
    """Draft a notice from the case (formal notice, DMCA or DSA; French or English)."""
    form = request.form
    notice = get_archive().notices.draft(
        actor(),
        case_id,
        form.get("kind", ""),
        form.get("language", "fr"),
        recipient=form.get("recipient") or None,
        deadline=_date(form.get("deadline", "")),
    )
    return redirect(url_for("dashboard.notice", notice_id=notice.id))


@bp.get("/notices/<int:notice_id>")
def notice(notice_id: int) -> ResponseReturnValue:
    """A notice: its text (preview), what it lacks, approval and sending."""
    archive, who = get_archive(), actor()
    shown = archive.notices.get(who, notice_id)
    return render_template(
        "dashboard/notice.html",
        notice=shown,
        channels=archive.notice_channels(),
        can_approve=allowed(Action.APPROVE_NOTICE) and shown.drafted_by != who.name,
    )


@bp.post("/notices/<int:notice_id>/edit")
def edit_notice(notice_id: int) -> ResponseReturnValue:
    """Draft the notice again with another recipient, deadline, kind or language (a new draft)."""
    archive, form = get_archive(), request.form
    old = archive.notices.get(actor(), notice_id)
    notice = archive.notices.draft(
        actor(),
        old.case_id,
        form.get("kind", old.kind.value),
        form.get("language", old.language),
        recipient=form.get("recipient") or old.recipient,
        deadline=_date(form.get("deadline", "")),
    )
    flash(_("A new draft replaces notice %(id)s.", id=notice_id))
    return redirect(url_for("dashboard.notice", notice_id=notice.id))


@bp.post("/notices/<int:notice_id>/approve")
def approve(notice_id: int) -> ResponseReturnValue:
    """Approve a draft (by someone other than its drafter)."""
    get_archive().notices.approve(actor(), notice_id)
    flash(_("The notice is approved."))
    return redirect(url_for("dashboard.notice", notice_id=notice_id))


@bp.post("/notices/<int:notice_id>/sent")
def sent(notice_id: int) -> ResponseReturnValue:
    """Record how an approved notice was sent, with its proof."""
    form = request.form
    get_archive().notices.sent(
        actor(), notice_id, form.get("channel", ""), form.get("recipient", ""), form.get("proof", "")
    )
    flash(_("The notice is marked sent."))
    return redirect(url_for("dashboard.notice", notice_id=notice_id))


@bp.get("/notices/<int:notice_id>.pdf")
def notice_pdf(notice_id: int) -> ResponseReturnValue:
    """The notice as a PDF, to print or attach."""
    data = get_archive().notice_pdf(actor(), notice_id)
    headers = {"Content-Disposition": f"attachment; filename=notice-{notice_id}.pdf"}
    return Response(data, mimetype="application/pdf", headers=headers)


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise InputError(_("A date is written YYYY-MM-DD.")) from None
