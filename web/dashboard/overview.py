"""The overview (`/overview`): findings per week by verdict (a chart), the worst repeat offenders,
open cases by state, time to removal; and the monthly report (`/reports/monthly.csv`).

The chart's data travels in a `data-chart` attribute (JSON) read by static/app.js: no inline script.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_date

from compliance.errors import InputError
from compliance.records import Action, InboxFilter, Verdict
from web import views
from web.archive import get_archive
from web.auth import actor
from web.dashboard import allowed, bp
from web.dashboard.inbox import all_lines, csv_rows

COLOURS = {
    "full_reproduction": "#c92a2a",
    "substantial_excerpt": "#e8590c",
    "licence_breach": "#862e9c",
    "short_quotation": "#2f9e44",
    "snippet": "#1971c2",
    "licensed": "#66a80f",
    "third_party": "#868e96",
    "own_site": "#adb5bd",
}
FINISHED = ("closed", "dismissed")


@bp.get("/overview")
def overview() -> ResponseReturnValue:
    """Figures and the chart."""
    archive = get_archive()
    figures = archive.overview()
    chart = {
        "labels": [format_date(week, "d MMM") for week in figures.weeks],
        "datasets": [
            {
                "label": str(views.VERDICTS[Verdict(v)]),
                "data": list(counts),
                "backgroundColor": COLOURS.get(v, "#999"),
            }
            for v, counts in figures.per_week.items()
        ],
    }
    cases = archive.cases.listing(actor()) if allowed(Action.READ) else []
    by_state = Counter(case.state.value for case in cases if case.state.value not in FINISHED)
    today = datetime.now(UTC).date()
    months = [_month(today, back) for back in range(0, 12)]
    return render_template(
        "dashboard/overview.html",
        figures=figures,
        chart=json.dumps(chart),
        cases_by_state=sorted(by_state.items()),
        months=months,
    )


def _month(today: date, back: int) -> str:
    year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
    return f"{year:04d}-{month + 1:02d}"


@bp.get("/reports/monthly.csv")
def monthly_report() -> ResponseReturnValue:
    """Every finding seen in one month (`?month=YYYY-MM`), as CSV."""
    month = request.args.get("month", "")
    try:
        start = datetime.strptime(month + "-01", "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        raise InputError(f"month must be YYYY-MM, got {month!r}") from None
    year, index = divmod(start.year * 12 + start.month, 12)
    end = start.replace(year=year, month=index + 1)
    wanted = InboxFilter(state=None, seen_from=start, seen_until=end)
    body = "\ufeff" + "".join(csv_rows(all_lines(wanted)))
    headers = {"Content-Disposition": f"attachment; filename=rapport-{month}.csv"}
    return Response(body, mimetype="text/csv", headers=headers)
