"""`compliance demo`: the product on its fixtures, in one command; `--serve` opens the dashboard.

    fixtures/archive, fixtures/policy, fixtures/demo-site/articles.jsonl ─► ingest ─► the archive
    fixtures/suspects/*.txt        ─► check as texts ─► findings
    fixtures/demo-site/<host>/*.html served on 127.0.0.1 ─► check by URL ─► findings of every verdict
    two partners (one valid, one expired), an admin and a legal user ─► printed with their passwords
    --serve ─► the dashboard on http://127.0.0.1:PORT until interrupted

Running it again changes nothing already there: articles are unchanged, pages get a new sighting.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from compliance.cli import demo_site, output
from compliance.errors import InputError
from compliance.pipeline import Archive, read_articles, read_page_text
from compliance.records import Partner, Role
from compliance.settings import Settings

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ARTICLES = (FIXTURES / "archive", FIXTURES / "policy", FIXTURES / "demo-site" / "articles.jsonl")
PARTNERS = (
    Partner("Revue partenaire", ("revue-partenaire.example",), valid_until=date(2099, 12, 31)),
    Partner("Ancien partenaire", ("ancien-partenaire.example",), valid_until=date(2023, 12, 31)),
)
OWN_DOMAINS = ("gazette-littoral.example",)
# Demo accounts: printed by the demo, for a machine of one's own; never use them on a server.
ACCOUNTS = (("admin", Role.ADMIN, "demo-admin-pass"), ("juriste", Role.LEGAL, "demo-juriste-pass"))


@click.command()
@click.option("--serve", is_flag=True, help="Then serve the dashboard until interrupted.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the dashboard listens on.")
@click.option("--port", default=5000, show_default=True, type=int, help="Port of the dashboard.")
def demo(serve: bool, host: str, port: int) -> None:
    """Load the fixtures, check the fixture pages and sites, create demo users; --serve the dashboard."""
    with demo_site.served() as site:
        settings = Settings.from_env().replace(fetch_allow_hosts=site.allow_hosts())
        settings = settings.replace(own_domains=tuple(sorted({*settings.own_domains, *OWN_DOMAINS})))
        with Archive(settings) as archive:
            load(archive, settings)
            check_site(archive, site)
            accounts = create_accounts(archive)
        click.echo(f"\nfindings kept; sign in with {accounts}")
        if serve:
            from compliance.cli.serve import run

            click.echo(f"dashboard: http://{host}:{port}/  (Ctrl-C to stop)")
            run(host, port, settings, insecure_http=True)


def load(archive: Archive, settings: Settings) -> None:
    """Ingest the fixture articles and check the fixture suspect texts."""
    show = output.CheckPrinter(as_json=False, several=True)
    report = archive.ingest(read_articles(list(ARTICLES), settings))
    click.echo(f"archive: {output.ingest_summary(report)}\n")
    for partner in PARTNERS:
        if partner.name not in {p.name for p in archive.partners()}:
            archive.add_partner(partner)
    for path in sorted((FIXTURES / "suspects").glob("*.txt")):
        show(archive.record_text(read_page_text(path, settings), name=path.name), file=path.name)


def check_site(archive: Archive, site: demo_site.DemoSite) -> None:
    """Check every page of the demo site by URL (fetched from 127.0.0.1, archived as WARC)."""
    show = output.CheckPrinter(as_json=False, several=True)
    for url in site.urls():
        show(archive.record_url(url, resolver=site.resolve), url=url)


def create_accounts(archive: Archive) -> str:
    """The demo's admin and legal user, made on a fresh archive only; how to sign in, as one line."""
    try:
        operator = archive.users.actor(None)  # the local operator acts while no user exists
    except InputError:
        return "the accounts made by an earlier run: " + _logins()
    (admin, admin_role, admin_password), *others = ACCOUNTS
    archive.users.add(operator, admin, admin_role, admin_password)
    for name, role, password in others:
        archive.users.add(archive.users.actor(admin), name, role, password)
    return _logins()


def _logins() -> str:
    return " or ".join(f"{name} / {password}" for name, _role, password in ACCOUNTS)


COMMANDS: tuple[click.Command, ...] = (demo,)
