"""Check from the dashboard (`/check`): paste a text, upload a file or give a URL; see what it
reproduces, kept as findings like every other check.

    text ─► Archive.record_text        file (.html .txt .eml .pdf) ─► Archive.record_file
    URL  ─► Archive.record_url (fetched safely: no private address, bounded size and time)
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from compliance.errors import InputError
from compliance.records import Action, CheckReport
from web.archive import get_archive
from web.dashboard import bp, require

SUFFIXES = (".html", ".htm", ".txt", ".eml", ".pdf")
MAX_TEXT = 2_000_000  # characters pasted


@bp.route("/check", methods=["GET", "POST"])
def check() -> ResponseReturnValue:
    """The check form; after a POST, the matches found, each linked to its finding."""
    require(Action.REVIEW)
    if request.method == "GET":
        return render_template("dashboard/check.html", report=None, source=None)
    report, source = _run(request.form.get("kind", "text"))
    return render_template("dashboard/check.html", report=report, source=source)


def _run(kind: str) -> tuple[CheckReport, str]:
    archive = get_archive()
    if kind == "url":
        url = request.form.get("url", "").strip()
        if not url:
            raise InputError(_("Give a URL to check."))
        return archive.record_url(url), url
    if kind == "file":
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            raise InputError(_("Choose a file to check."))
        name = Path(upload.filename).name
        if not name.lower().endswith(SUFFIXES):
            raise InputError(_("Only .html, .txt, .eml and .pdf files can be checked."))
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / name
            upload.save(path)
            return archive.record_file(str(path)), name
    text = request.form.get("text", "")
    if not text.strip():
        raise InputError(_("Paste a text to check."))
    if len(text) > MAX_TEXT:
        raise InputError(_("The text is too long to check here."))
    return archive.record_text(text.replace("\r\n", "\n"), name=_("pasted text")), _("pasted text")
