from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.errors import ConfigurationError, ExtractionError
from compliance.ingest import extract
from compliance.ingest.extract import ExtractedPage, decode_html, extract_article, extract_page

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
    monkeypatch.setattr(extract, "_trafilatura", lambda *args, **kwargs: None)  # finds nothing
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


FRENCH = (
    "<p>Le conseil municipal a voté à l’unanimité la rénovation du théâtre. "
    "Les travaux débuteront à l’été ; la saison sera accueillie à la maison de la culture.</p>"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # The header says Latin-1 but the bytes are UTF-8: the bytes win.
        (f'<html><head><meta charset="iso-8859-1"></head><body>{FRENCH}</body></html>'.encode(), FRENCH),
        # The header says UTF-8 but the bytes are windows-1252.
        (f'<html><head><meta charset="utf-8"></head><body>{FRENCH}</body></html>'.encode("cp1252"), FRENCH),
        # A correct legacy declaration is honoured.
        (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            f"</head><body>{FRENCH}</body></html>".encode("cp1252"),
            FRENCH,
        ),
        # No declaration, UTF-8 with a BOM.
        (b"\xef\xbb\xbf" + f"<html><body>{FRENCH}</body></html>".encode(), FRENCH),
    ],
)
def test_decode_html(data: bytes, expected: str) -> None:
    text = decode_html(data)
    assert expected in text
    assert not text.startswith("\ufeff")


def test_extract_article_from_mislabelled_bytes() -> None:
    data = _page("greve-des-bus-municipaux.html").replace(b'charset="utf-8"', b'charset="iso-8859-1"')
    assert extract_article(data).title == PAGES["greve-des-bus-municipaux.html"]["title"]


@given(st.text(st.characters(codec="utf-8"), max_size=200))
def test_utf8_bytes_decode_back_whatever_the_declared_charset(text: str) -> None:
    for charset in ("iso-8859-1", "windows-1252", "utf-8", "nonsense"):
        data = f'<meta charset="{charset}"><p>{text}</p>'.encode()
        assert f"<p>{text}</p>" in decode_html(data)


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
