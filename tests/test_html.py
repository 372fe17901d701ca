"""Tests of compliance.capture.html: other sites' pages to main text, visible text, links, metadata."""

from __future__ import annotations

import pytest

from compliance.capture import html
from compliance.capture.html import ExtractedPage, extract_page
from compliance.errors import ExtractionError

OTHER_SITE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Revue de presse du jour – Le Veilleur</title>
<meta property="og:site_name" content="Le Veilleur">
<style>body { color: red }</style><script>var suivi = "ne pas afficher";</script>
</head><body>
<nav><a href="/">Accueil</a> <a href="/rubriques/ports">Ports</a></nav>
<main><article><h1>Revue de presse du jour</h1>
<p>Les premières barges de travaux sont arrivées lundi dans l’avant-port, rapporte un quotidien
régional, qui détaille le chantier du nouveau quai à conteneurs et ses six cents mètres de long.</p>
<p>Selon ce journal, le projet comprend l’approfondissement du chenal d’accès, quatre portiques
électriques et un terre-plein gagné sur la mer, pour une livraison annoncée à la fin de 2026.</p>
<p>Source : <a href="https://www.gazette-littoral.example/economie/port.html">la Gazette</a>.</p>
</article></main>
<footer><a href="mailto:contact@veilleur.example">Écrire</a> <a href="/mentions">Mentions</a>
<a href="/mentions">Mentions</a></footer>
</body></html>"""


def test_extract_page_of_another_site() -> None:
    page = extract_page(OTHER_SITE, url="https://veilleur.example/revue/2023-03-16")
    assert isinstance(page, ExtractedPage)
    assert page.title == "Revue de presse du jour"
    assert page.site_name == "Le Veilleur"
    paragraphs = page.text.split("\n\n")
    assert paragraphs[0] == "Revue de presse du jour"
    assert paragraphs[1].startswith("Les premières barges de travaux sont arrivées lundi dans l’avant-port,")
    assert paragraphs[1].endswith("et ses six cents mètres de long.")
    assert paragraphs[2].startswith("Selon ce journal, le projet comprend")
    assert "Accueil" not in page.text and "Mentions" not in page.text
    assert page.links == (
        "https://veilleur.example/",
        "https://veilleur.example/rubriques/ports",
        "https://www.gazette-littoral.example/economie/port.html",
        "https://veilleur.example/mentions",
    )
    assert "var suivi" not in page.visible_text and "color: red" not in page.visible_text
    assert page.visible_text.splitlines()[:3] == ["Accueil Ports", *paragraphs[:2]]
    assert page.visible_text.splitlines()[-1] == "Écrire Mentions Mentions"


def test_extract_page_falls_back_to_visible_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(html, "_trafilatura", lambda *args, **kwargs: None)  # finds nothing
    page = extract_page(
        "<html><head><title>Accueil</title></head>"
        "<body><div>Bonjour<br>à tous</div><div>au <b>revoir</b></div></body></html>"
    )
    assert page.text == page.visible_text == "Bonjour\nà tous\nau revoir"
    assert page.title == "Accueil"
    assert page.author is None and page.published is None and page.links == ()


def test_extract_page_with_no_text_raises() -> None:
    with pytest.raises(ExtractionError):
        extract_page("<html><body><script>x()</script></body></html>")
