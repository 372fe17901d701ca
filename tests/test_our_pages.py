"""Tests of compliance.ingest.our_pages: our template's rules on the fixture archive's pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance.errors import ConfigurationError, ExtractionError
from compliance.ingest.our_pages import extract_article

HTML = Path(__file__).resolve().parent.parent / "fixtures" / "archive" / "html"
SITE = "https://www.gazette-littoral.example"
ALGIERS = ZoneInfo("Africa/Algiers")
NOTICE = (
    "© La Gazette du Littoral. Tous droits réservés. Reproduction et diffusion interdites "
    "(photocopies, intranet, web, messageries, newsletters, outils de veille) sans autorisation "
    "écrite."
)
CHROME = (
    "Se connecter",
    "Mot de passe oublié",
    "Abonnez-vous",
    "1 € le premier mois",
    "Lire aussi",
    "Tous droits réservés",
    "Par ",
    " H ",
    "Mis à jour",
    "Partager",
    "Commentaires",
    "Accueil",
    "Mentions légales",
    "S’inscrire",
    "Je m’inscris",
    "Réservé aux abonnés",
)

PAGES: dict[str, dict[str, Any]] = {
    "greve-des-bus-municipaux.html": {
        "url": f"{SITE}/societe/2021/11/24/greve-des-bus-municipaux-la-ville-tourne-au-ralenti_10234.html",
        "title": "Grève des bus municipaux : la ville tourne au ralenti",
        "author": "Samia Benali",
        "section": "Société",
        "published_at": datetime(2021, 11, 24, 11, 37, tzinfo=ALGIERS),
        "updated_at": datetime(2021, 11, 24, 12, 3, tzinfo=ALGIERS),
        "paywalled": None,
        "paragraphs": 7,
        "starts": "Les arrêts de bus sont restés déserts, ce mercredi matin,",
        "ends": "mise à jour toutes les heures, avant tout déplacement.",
        "dateline": "24.11.2021 à 11 H 37",
    },
    "festival-du-film-de-la-corniche.html": {
        "url": f"{SITE}/culture/2022/06/03/"
        "le-festival-du-film-de-la-corniche-s-ouvre-sous-le-signe-de-la-jeunesse_11876.html",
        "title": "Le Festival du film de la Corniche s’ouvre sous le signe de la jeunesse",
        "author": "Leïla Mansouri",
        "section": "Culture",
        "published_at": datetime(2022, 6, 3, 18, 5, tzinfo=ALGIERS),
        "updated_at": None,
        "paywalled": True,
        "paragraphs": 6,
        "starts": "Pour sa neuvième édition, le Festival du film de la Corniche",
        "ends": "qui lui donnerait enfin de la visibilité sur plusieurs années.",
        "dateline": "03.06.2022 à 18 H 05",
    },
    "modernisation-du-port.html": {
        "url": f"{SITE}/economie/2023/03/15/"
        "modernisation-du-port-le-chantier-du-nouveau-quai-a-conteneurs-est-lance_12950.html",
        "title": "Modernisation du port : le chantier du nouveau quai à conteneurs est lancé",
        "author": "Rachid Belkacem",
        "section": "Économie",
        "published_at": datetime(2023, 3, 15, 7, 50, tzinfo=ALGIERS),
        "updated_at": datetime(2023, 3, 16, 9, 12, tzinfo=ALGIERS),
        "paywalled": None,
        "paragraphs": 8,  # seven paragraphs and one intertitle; the "Lire aussi" line is not text
        "starts": "Les premières barges de travaux sont arrivées lundi dans l’avant-port.",
        "ends": "Une première réunion d’information est prévue le mois prochain à la maison de la culture.",
        "dateline": "15.03.2023 à 07 H 50",
    },
}


def _page(name: str) -> bytes:
    return (HTML / name).read_bytes()


def _without_container(name: str) -> str:
    """The same page in an older template: no <article>, so trafilatura finds the text."""
    return _page(name).decode("utf-8").replace("<article", "<div").replace("</article>", "</div>")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fixture_page_fields(name: str) -> None:
    expected = PAGES[name]
    article = extract_article(_page(name))
    assert article.url == expected["url"]
    assert article.title == expected["title"]
    assert article.author == expected["author"]
    assert article.section == expected["section"]
    assert article.language == "fr"
    assert article.rights_notice == NOTICE
    assert article.paywalled is expected["paywalled"]
    assert article.published_at == expected["published_at"]
    assert article.updated_at == expected["updated_at"]


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fixture_dates_are_aware_and_local(name: str) -> None:
    article = extract_article(_page(name))
    assert article.published_at is not None and article.published_at.tzinfo is not None
    assert article.published_at.utcoffset() == PAGES[name]["published_at"].utcoffset()
    if name == "greve-des-bus-municipaux.html":
        assert article.published_at.astimezone(UTC) == datetime(2021, 11, 24, 10, 37, tzinfo=UTC)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_fixture_body_is_the_article_text_only(name: str) -> None:
    expected = PAGES[name]
    body = extract_article(_page(name)).body
    paragraphs = body.split("\n\n")
    assert body.startswith(expected["starts"])
    assert body.endswith(expected["ends"])
    assert len(paragraphs) == expected["paragraphs"]
    assert all(p and p == p.strip() and "\n" not in p and "  " not in p for p in paragraphs)
    for chrome in (*CHROME, expected["dateline"], expected["title"]):
        assert chrome not in body


def test_body_keeps_nbsp_and_inline_markup_text() -> None:
    body = extract_article(_page("greve-des-bus-municipaux.html")).body
    assert "«\u00a0indispensable\u00a0»" in body
    assert "juge la grève prématurée, alors que" in body  # <em> inside a paragraph
    assert "le 1er janvier" in body  # <sup>
    assert "une fréquentation en nette baisse" in body  # a newline inside the source paragraph


def test_body_keeps_links_text() -> None:
    body = extract_article(_page("festival-du-film-de-la-corniche.html")).body
    assert "présidé par la monteuse Nour El Houda Saadi, décernera" in body


def test_entities_are_decoded() -> None:
    article = extract_article(_page("modernisation-du-port.html"))
    for raw in ("&eacute;", "&nbsp;", "&rsquo;", "&laquo;", "&"):
        assert raw not in article.body
    assert "l’avant-port" in article.body
    assert "phase concrète\u00a0: la construction" in article.body
    assert "«\u00a0Nous perdons chaque année" in article.body
    assert "Des emplois attendus, des inquiétudes aussi" in article.body.split("\n\n")


@pytest.mark.parametrize("name", sorted(PAGES))
def test_older_template_falls_back_to_trafilatura(name: str) -> None:
    expected = PAGES[name]
    article = extract_article(_without_container(name))
    assert article.body == extract_article(_page(name)).body
    assert article.author == expected["author"]
    assert article.published_at == expected["published_at"]
    assert article.rights_notice == NOTICE
    assert article.paywalled is None  # no article container to look into


def test_given_url_used_without_canonical_and_timezone_applies() -> None:
    html = """<html><head><title>Brève | La Gazette du Littoral</title></head><body>
      <article><h1>Brève</h1><p>05.01.2024 à 08 H 00</p>
      <div class="article__body"><p>Le marché couvert rouvre ses portes après deux mois de travaux.</p>
      <p>Par ailleurs, les horaires d’ouverture sont élargis le vendredi.</p></div></article></body></html>"""
    article = extract_article(html, url=f"{SITE}/breves/1.html", timezone="Europe/Paris")
    assert article.url == f"{SITE}/breves/1.html"
    assert article.published_at == datetime(2024, 1, 5, 8, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert article.body.endswith("Par ailleurs, les horaires d’ouverture sont élargis le vendredi.")
    assert article.author is None and article.rights_notice is None and article.language == "fr"


def test_meta_published_time_is_the_fallback_date() -> None:
    html = f"""<html lang="ar-DZ"><head><link rel="canonical" href="{SITE}/a.html">
      <meta property="article:published_time" content="2024-02-10T09:30:00">
      </head><body><article><h1>Titre</h1>
      <div class="article__body"><p>Un seul paragraphe de texte.</p></div></article></body></html>"""
    article = extract_article(html)
    assert article.published_at == datetime(2024, 2, 10, 9, 30, tzinfo=ALGIERS)
    assert article.updated_at is None
    assert article.language == "ar"


@pytest.mark.parametrize(
    "html",
    [
        f'<html><head><link rel="canonical" href="{SITE}/x.html"></head><body></body></html>',
        f'<html><head><link rel="canonical" href="{SITE}/x.html"></head><body><article><h1>Titre</h1>'
        "<p>24.11.2021 à 11 H 37</p><p>Par Samia Benali</p></article></body></html>",
        "   ",
    ],
)
def test_no_article_text_raises(html: str) -> None:
    with pytest.raises(ExtractionError):
        extract_article(html)


def test_no_url_raises() -> None:
    html = '<html><body><article><h1>T</h1><div class="article__body"><p>Du texte.</p></div></article>'
    with pytest.raises(ExtractionError, match="no URL"):
        extract_article(html)


def test_extract_article_from_mislabelled_bytes() -> None:
    data = _page("greve-des-bus-municipaux.html").replace(b'charset="utf-8"', b'charset="iso-8859-1"')
    assert extract_article(data).title == PAGES["greve-des-bus-municipaux.html"]["title"]


def test_notice_words_inside_article_text_are_kept() -> None:
    html = """<html><head><link rel="canonical" href="/environnement/herbiers.html"></head><body>
      <article><h1>Herbiers</h1><div class="article__body">
      <p>La pêche y est désormais interdite, comme la reproduction en captivité, qui reste interdite.</p>
      <p>L’affiche portait la mention « tous droits réservés », mais la photographie circule.</p>
      </div><p>© La Gazette du Littoral. Tous droits réservés.</p></article></body></html>"""
    article = extract_article(html, url=f"{SITE}/index.html")
    assert article.url == f"{SITE}/environnement/herbiers.html"  # relative canonical resolved
    assert article.body.startswith("La pêche y est désormais interdite")
    assert article.rights_notice == "© La Gazette du Littoral. Tous droits réservés."
    assert article.body.endswith("mais la photographie circule.")
    assert len(article.body.split("\n\n")) == 2


def test_unknown_timezone_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="Mars/Olympus"):
        extract_article(_page("greve-des-bus-municipaux.html"), timezone="Mars/Olympus")
