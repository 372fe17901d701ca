"""The inbox (`/`): findings grouped by site, filtered, sorted, paged; bulk actions; CSV export.

query string ─► InboxFilter + sort + page ─► Archive.inbox ─► one line a site (worst first)
a site's line opened ─► /inbox/site (an htmx fragment, or a page without JavaScript)
bulk form ─► set aside (licensed, quotation), open a case for a site, whitelist a site
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from typing import Any

from flask import Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import ngettext

from compliance.errors import InputError
from compliance.records import Action, Dismissal, DismissReason, FindingLine, InboxFilter, ReviewState
from web import views
from web.archive import get_archive
from web.auth import actor
from web.dashboard import bp, require

PER_PAGE = 50
SITE_FINDINGS = 500  # findings shown when a site's line opens; the CSV export has them all
SUBMITTED = ""  # the `domain` of submitted texts and files, in links and forms
FILTER_KEYS = ("verdict", "severity", "state", "site", "period", "article", "section", "sort")


def _wanted() -> InboxFilter:
    return views.inbox_filter(request.args, request.args.to_dict(flat=False))


def _query(**changes: Any) -> dict[str, Any]:
    """The current filter's query string, with `changes`."""
    kept = {key: request.args.getlist(key) for key in FILTER_KEYS if request.args.getlist(key)}
    return {**kept, **changes}


@bp.get("/")
def inbox() -> ResponseReturnValue:
    """Sites with findings under the filter, worst first, 50 a page."""
    wanted, sort = _wanted(), views.inbox_sort(request.args.get("sort"))
    page = request.args.get("page", "1")
    archive = get_archive()
    result = archive.inbox(wanted, sort, int(page) if page.isdigit() else 1, PER_PAGE)
    return render_template(
        "dashboard/inbox.html",
        result=result,
        pages=max(1, math.ceil(result.total_sites / PER_PAGE)),
        wanted=wanted,
        sort=sort,
        args=request.args,
        sections=archive.sections(),
        page_link=lambda n: url_for("dashboard.inbox", **_query(page=n)),
        site_link=lambda domain: url_for("dashboard.inbox_site", **_query(domain=domain or SUBMITTED)),
        csv_link=url_for("dashboard.inbox_csv", **_query()),
        SUBMITTED=SUBMITTED,
    )


@bp.get("/inbox/site")
def inbox_site() -> ResponseReturnValue:
    """One site's findings under the filter: a fragment for htmx, else a page of its own."""
    domain = request.args.get("domain", SUBMITTED) or None
    found = get_archive().site_findings(domain, _wanted(), SITE_FINDINGS)
    template = "dashboard/_site_findings.html" if request.headers.get("HX-Request") else "dashboard/site.html"
    return render_template(template, findings=found, domain=domain, args=request.args)


BULK_REASONS = {
    "dismiss_licensed": DismissReason.LICENSED,
    "dismiss_quotation": DismissReason.QUOTATION,
    "dismiss_false_positive": DismissReason.FALSE_POSITIVE,
    "whitelist_own": DismissReason.OWN_SITE,
}


@bp.post("/inbox/bulk")
def bulk() -> ResponseReturnValue:
    """Apply one action to the chosen findings and sites, then go back to the same inbox view."""
    action = request.form.get("action", "")
    findings = {int(i) for i in request.form.getlist("finding") if i.isdigit()}
    sites = [None if d == SUBMITTED else d for d in request.form.getlist("site")]
    back = request.form.get("back", "") or url_for("dashboard.inbox")
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("dashboard.inbox")
    if action in BULK_REASONS:
        _dismiss(action, findings, sites)
    elif action == "reopen":
        require(Action.DISMISS)
        count = get_archive().reopen(sorted(findings), actor().name)
        flash(ngettext("%(num)d finding back in the inbox.", "%(num)d findings back in the inbox.", count))
    elif action == "whitelist_partner":
        _whitelist_partner(sites)
    elif action == "open_case":
        return _open_cases(findings, sites)
    else:
        raise InputError(_("Choose an action."))
    return redirect(back)


def _dismiss(action: str, findings: set[int], sites: list[str | None]) -> None:
    require(Action.DISMISS)
    archive, reason, who = get_archive(), BULK_REASONS[action], actor().name
    for domain in sites:
        findings |= set(archive.site_finding_ids(domain, InboxFilter(state=ReviewState.OPEN)))
    if not findings:
        raise InputError(_("Tick at least one site or finding."))
    done = archive.dismiss(Dismissal(tuple(sorted(findings)), reason, who))
    flash(ngettext("%(num)d finding set aside.", "%(num)d findings set aside.", len(done)))
    if action == "whitelist_own":
        flash(_("To judge these sites as our own in future checks, add them to COMPLIANCE_OWN_DOMAINS."))


def _whitelist_partner(sites: list[str | None]) -> None:
    require(Action.MANAGE_PARTNERS)
    named = [d for d in sites if d]
    if not named:
        raise InputError(_("Tick at least one site."))
    for domain in named:
        get_archive().whitelist_partner(domain, actor())
    flash(ngettext("%(num)d site is now a partner.", "%(num)d sites are now partners.", len(named)))


def _open_cases(findings: set[int], sites: list[str | None]) -> ResponseReturnValue:
    """One case per ticked site (its open findings), and one per site of the ticked findings."""
    require(Action.OPEN_CASE)
    archive, who = get_archive(), actor()
    groups: dict[str | None, list[int]] = {}
    for line in archive.finding_lines_of(sorted(findings)):
        groups.setdefault(line.domain, []).append(line.id)
    for domain in sites:
        if domain not in groups:  # a ticked site: its open findings
            groups[domain] = archive.site_finding_ids(domain, InboxFilter(state=ReviewState.OPEN))
    opened = []
    opened += [archive.cases.open(who, domain=d, finding_ids=ids) for d, ids in groups.items() if ids]
    if not opened:
        raise InputError(_("Tick at least one site or finding."))
    if len(opened) == 1:
        return redirect(url_for("dashboard.case", case_id=opened[0].id))
    flash(ngettext("%(num)d case opened.", "%(num)d cases opened.", len(opened)))
    return redirect(url_for("dashboard.cases"))


CSV_COLUMNS = (
    "finding",
    "site",
    "page_url",
    "page_name",
    "article_id",
    "article_title",
    "article_url",
    "verdict",
    "severity",
    "severity_score",
    "coverage",
    "reproduced_words",
    "notice",
    "first_seen",
    "last_seen",
    "present",
    "state",
    "reason",
)


def csv_rows(lines: Iterator[FindingLine]) -> Iterator[str]:
    """The CSV text of findings, a header first, a line at a time."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for line in lines:
        writer.writerow(
            (
                line.id,
                line.domain or "",
                line.page_url or "",
                line.page_name or "",
                line.article_id,
                line.article_title or "",
                line.article_url,
                line.verdict.value,
                line.severity.value,
                line.severity_score,
                f"{line.coverage:.4f}",
                line.reproduced_words,
                line.notice.value,
                line.first_seen.isoformat(),
                line.last_seen.isoformat(),
                int(line.present),
                line.state.value,
                line.reason.value if line.reason else "",
            )
        )
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def all_lines(wanted: InboxFilter, batch: int = 2000) -> Iterator[FindingLine]:
    """Every finding under `wanted`, read `batch` at a time."""
    offset = 0
    while True:
        lines = get_archive().finding_lines(wanted, batch, offset)
        yield from lines
        if len(lines) < batch:
            return
        offset += batch


@bp.get("/inbox.csv")
def inbox_csv() -> ResponseReturnValue:
    """Every finding under the filter, as CSV (UTF-8 with a BOM, so that spreadsheets read accents)."""
    rows = csv_rows(all_lines(_wanted()))
    body = "\ufeff" + "".join(rows)
    headers = {"Content-Disposition": "attachment; filename=constats.csv"}
    return Response(body, mimetype="text/csv", headers=headers)
