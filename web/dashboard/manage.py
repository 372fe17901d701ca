"""Management pages: our articles, partners, own sites and thresholds (read-only), users, audit log.

/articles   search; the notice each carried; findings per article (linked to the inbox)
/partners   licensees and their scope
/sites      watched sites with their last scans and failures
/scans/<id> one scan's record: counts per page status, failures, every page
/settings   own sites, thresholds and policy rules in force (read-only: set by COMPLIANCE_*)
/users      accounts and roles (admin)
/audit      the hash-chained log and whether its chain verifies (admin, legal)
"""

from __future__ import annotations

from dataclasses import fields

from flask import render_template, request, url_for
from flask.typing import ResponseReturnValue

from compliance.records import Action
from web.archive import get_archive
from web.auth import actor
from web.dashboard import bp, require

ARTICLES_PER_PAGE = 50
AUDIT_ENTRIES = 200
SCANS_PER_SITE = 5
HIDDEN_SETTINGS = ("database_url",)  # may hold a password


@bp.get("/articles")
def articles() -> ResponseReturnValue:
    """Our articles: search by title or URL, the notice each carried, its findings."""
    archive, words = get_archive(), request.args.get("q", "")
    page = max(1, int(request.args.get("page", "1") or 1)) if request.args.get("page", "1").isdigit() else 1
    found = archive.search_articles(words, ARTICLES_PER_PAGE + 1, (page - 1) * ARTICLES_PER_PAGE)
    more, found = len(found) > ARTICLES_PER_PAGE, found[:ARTICLES_PER_PAGE]
    counts = archive.findings_per_article([a.id for a in found])
    return render_template(
        "dashboard/articles.html",
        articles=found,
        counts=counts,
        words=words,
        page=page,
        next_link=url_for("dashboard.articles", q=words, page=page + 1) if more else None,
        prev_link=url_for("dashboard.articles", q=words, page=page - 1) if page > 1 else None,
    )


@bp.get("/partners")
def partners() -> ResponseReturnValue:
    """Licensees: domains, scope, validity."""
    return render_template("dashboard/partners.html", partners=get_archive().partners())


@bp.get("/sites")
def sites() -> ResponseReturnValue:
    """Watched sites, each with its latest scans: state, when, pages per status, failures."""
    return render_template("dashboard/sites.html", sites=get_archive().site_scans(SCANS_PER_SITE))


@bp.get("/scans/<int:scan_id>")
def scan(scan_id: int) -> ResponseReturnValue:
    """One scan's record: its state, pages per status, failures, every page's outcome."""
    return render_template("dashboard/scan.html", record=get_archive().scan_record(scan_id))


@bp.get("/settings")
def thresholds() -> ResponseReturnValue:
    """Own sites, thresholds and policy rules in force, read-only."""
    settings = get_archive().settings
    rows = [(f.name, getattr(settings, f.name)) for f in fields(settings) if f.name not in HIDDEN_SETTINGS]
    return render_template(
        "dashboard/settings.html",
        own_domains=settings.own_domains,
        thresholds=settings.thresholds(),
        policy=settings.policy_rules(),
        rows=rows,
    )


@bp.get("/users")
def users() -> ResponseReturnValue:
    """Accounts and their roles (admin only)."""
    require(Action.MANAGE_USERS)
    return render_template("dashboard/users.html", users=get_archive().users.listing(actor()))


@bp.get("/audit")
def audit() -> ResponseReturnValue:
    """The latest audit entries and whether the whole chain verifies."""
    require(Action.READ_AUDIT)
    log = get_archive().audit
    check = log.verify(actor())
    entries = log.entries(actor())[-AUDIT_ENTRIES:][::-1]  # newest first
    return render_template("dashboard/audit.html", entries=entries, check=check)
