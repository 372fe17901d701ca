"""The dashboard's pages on the seeded archive: inbox by site, filters, bulk actions, CSV; the
finding side by side; French first and English; right-to-left Arabic; the check page; overview."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dashboard import post, sign_in

from compliance.records import Role
from web import get_archive
from web.i18n import direction
from web.views import segments

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient


def test_the_inbox_groups_findings_by_site_and_counts_them(client: FlaskClient, world: dict) -> None:
    sign_in(client, Role.VIEWER)
    page = client.get("/").get_data(as_text=True)
    assert "Textes et fichiers soumis" in page and "3 constats" in page  # French by default
    only = client.get("/?verdict=short_quotation").get_data(as_text=True)
    assert "Courte citation" in only and "1 sites, 1 constats" in only.replace("1 site,", "1 sites,")


def test_setting_findings_aside_takes_them_out_of_the_inbox_and_audits_it(
    app: Flask, client: FlaskClient, world: dict
) -> None:
    sign_in(client, Role.ANALYST)
    response = post(client, "/inbox/bulk", {"action": "dismiss_quotation", "site": ""})
    assert response.status_code == 302
    assert "Aucun constat" in client.get("/").get_data(as_text=True)
    assert "Écarté" in client.get("/?state=dismissed").get_data(as_text=True)
    with app.app_context():
        from compliance.records import Actor

        entries = get_archive().audit.entries(Actor("lea", Role.LEGAL))
    assert any(e.action == "findings.dismiss" and e.actor == "anis" for e in entries)


def test_the_csv_export_has_every_finding_under_the_filter(client: FlaskClient, world: dict) -> None:
    sign_in(client, Role.VIEWER)
    lines = client.get("/inbox.csv?state=all").get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("finding,site,page_url") and len(lines) == 1 + 3


def test_the_finding_shows_the_same_passages_in_both_texts(client: FlaskClient, world: dict) -> None:
    sign_in(client, Role.VIEWER)
    page = client.get(f"/findings/{world['finding']}").get_data(as_text=True)
    assert 'id="article-p1"' in page and 'id="page-p1"' in page
    assert "Reproduction intégrale" in page and "full_coverage" in page  # the rules then in force


def test_english_on_request(client: FlaskClient, world: dict) -> None:
    sign_in(client, Role.VIEWER)
    client.get("/lang/en")
    page = client.get("/").get_data(as_text=True)
    assert "Inbox" in page and "Submitted texts and files" in page and 'lang="en"' in page


def test_arabic_text_reads_right_to_left(client: FlaskClient, world: dict, seeded_findings: dict) -> None:
    assert direction("مهرجان الضفتين للشعر يعود في دورة جديدة") == "rtl"
    assert direction("Le festival revient", "ar") == "rtl" and direction("Le festival revient") == "ltr"
    sign_in(client, Role.VIEWER)
    page = client.get(f"/findings/{seeded_findings['arabic_excerpt.txt']}").get_data(as_text=True)
    assert 'dir="rtl" data-side="page"' in page


def test_segments_cut_the_text_at_the_passages() -> None:
    cut = segments("abcdefghij", [(2, 4), (6, 9)])
    assert [(s.text, s.passage) for s in cut] == [
        ("ab", None),
        ("cd", 1),
        ("ef", None),
        ("ghi", 2),
        ("j", None),
    ]
    assert "".join(s.text for s in segments("abcdef", [(1, 4), (3, 5)])) == "abcdef"


def test_checking_a_pasted_text_keeps_it_as_a_finding(client: FlaskClient, users: dict) -> None:
    sign_in(client, Role.ANALYST)
    from pathlib import Path

    text = (Path(__file__).parent.parent / "fixtures" / "suspects" / "full_copy_boilerplate.txt").read_text()
    page = post(client, "/check", {"kind": "text", "text": text}).get_data(as_text=True)
    assert "Reproduction intégrale" in page and "/findings/" in page
    refused = post(client, "/check", {"kind": "url", "url": "http://127.0.0.1:9/"})
    assert refused.status_code == 422  # a private address is refused before any connection


def test_the_overview_and_the_monthly_report(client: FlaskClient, world: dict) -> None:
    sign_in(client, Role.VIEWER)
    page = client.get("/overview").get_data(as_text=True)
    assert 'data-chart="' in page and "Récidivistes" in page
    assert client.get("/reports/monthly.csv?month=2024-13").status_code == 422


def test_watched_sites_show_their_last_scans_counts_and_failures(client: FlaskClient, world: dict) -> None:
    sign_in(client, Role.VIEWER)
    page = client.get("/sites").get_data(as_text=True)
    assert "copieur" in page and "Sites surveillés" in page  # French by default
    assert "Vérifiée : 1" in page and "Inchangée : 1" in page and "Échec : 1" in page
    assert "https://copieur.example/c" in page and "HTTP 503 from the server" in page
    assert f"/scans/{world['scan']}" in page


def test_a_scan_shows_every_page_and_an_unknown_scan_is_404(client: FlaskClient, world: dict) -> None:
    sign_in(client, Role.VIEWER)
    client.get("/lang/en")
    page = client.get(f"/scans/{world['scan']}").get_data(as_text=True)
    assert "Complete" in page and "copieur.example/a" in page and "HTTP 503 from the server" in page
    assert "Checked: 1" in page and "Failed: 1" in page
    assert client.get(f"/scans/{world['scan'] + 1000}").status_code == 404
