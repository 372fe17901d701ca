"""French first, English second: the reader's language, dates and numbers, and text direction.

In: the session's chosen language (`/lang/<code>` sets it), else French. Out: Flask-Babel's
translations (web/translations, compiled `.mo` committed; `make translations` rebuilds them), and
template filters that format in that locale: `datetime`, `date`, `number`, `percent`, `days`.
`direction(text, language)` says "rtl" for Arabic text, so a page shows it right to left.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Flask, redirect, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import Babel, format_date, format_datetime, format_decimal, format_percent, get_locale

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
RTL_SHARE = 0.3  # a text whose letters are this much Arabic (or Hebrew) reads right to left
bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The session's language, else French."""
    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else DEFAULT


def init_app(app: Flask) -> None:
    """Flask-Babel on web/translations, the formatting filters, and /lang/<code>."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Europe/Paris")
    Babel(app, locale_selector=select_locale)
    app.jinja_env.filters.update(datetime=_datetime, date=_date, number=_number, percent=_percent, days=_days)
    app.jinja_env.globals.update(current_language=lambda: str(get_locale()), languages=LANGUAGES)
    app.register_blueprint(bp)


@bp.get("/lang/<code>")
def choose(code: str) -> ResponseReturnValue:
    """Remember the reader's language and go back where they were (on this site only)."""
    if code in LANGUAGES:
        session["lang"] = code
    back = request.referrer or ""
    same_site = back.startswith(request.host_url)
    return redirect(back if same_site else url_for("dashboard.inbox"))


def direction(text: str, language: str | None = None) -> str:
    """ "rtl" for an Arabic article or a mostly Arabic text, else "ltr"."""
    if language and language.split("-")[0].lower() in ("ar", "he", "fa", "ur"):
        return "rtl"
    letters = [c for c in text[:4000] if c.isalpha()]
    if not letters:
        return "ltr"
    right = sum(1 for c in letters if unicodedata.bidirectional(c) in ("R", "AL"))
    return "rtl" if right / len(letters) >= RTL_SHARE else "ltr"


def _datetime(value: datetime | None, form: str = "medium") -> str:
    return format_datetime(value, form) if value else "—"


def _date(value: date | datetime | None, form: str = "medium") -> str:
    return format_date(value, form) if value else "—"


def _number(value: Any) -> str:
    return format_decimal(value) if value is not None else "—"


def _percent(value: float | None) -> str:
    return format_percent(value, "#,##0.#%") if value is not None else "—"


def _days(value: float | None) -> str:
    return format_decimal(round(value, 1)) if value is not None else "—"
