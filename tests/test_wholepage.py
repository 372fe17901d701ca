"""The whole visible page: block extraction (capture/html.py), the stored text and its offsets
(capture/page_text.py), boilerplate blanking (capture/boilerplate.py and the store's line keys),
and the first page of a host, through record_url, record_file and the store."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sites import FIXTURES, serve
from test_storage import make_capture

from compliance.capture.boilerplate import boilerplate_spans, line_key, pack, rest_keys, unpack
from compliance.capture.captures import site_of
from compliance.capture.html import Block, extract_page
from compliance.capture.page_text import SEPARATOR, blanked, block_spans, checked_text, compose
from compliance.pipeline import Archive
from compliance.records import PageKind, PageRef, Site
from compliance.settings import Settings
from compliance.store import Store

SITE = FIXTURES / "courrier-salines"
TORTUES = "https://www.gazette-littoral.example/environnement/2021/08/03/tortues-marines-caouannes-nids-record-plages-tamzirt"
MARATHON = "https://www.gazette-littoral.example/sports/2021/11/22/marathon-port-azour-record-participation"
TELEMEDECINE = (
    "https://www.gazette-littoral.example/sante/2021/04/13/telemedecine-dispensaires-ruraux-tamzirt"
)
MUSEE = "https://www.gazette-littoral.example/culture/2023/05/20/musee-de-la-mer-port-azour-reouverture"
MAIN = (
    "Les ostréiculteurs de la baie ont commencé mardi la récolte de printemps, plus abondante que prévu "
    "après un hiver doux. Les premières bourriches sont parties vers les marchés de la capitale."
)
PAGE = f"""<html><head><title>Baie</title><style>p {{ color: red }}</style></head><body>
<nav class="menu"><a href="/">Accueil</a> <a href="/baie">La baie</a></nav>
<main><article><h1>Récolte d’huîtres</h1><p>{MAIN}</p>
<p>Les ostréiculteurs espèrent maintenant une saison d’été aussi calme, sans épisode de
pollution ni fermeture administrative des parcs, comme celle qui avait frappé la baie.</p>
</article></main>
<aside class="a-lire-aussi"><h2>À lire aussi</h2><p>Un quai tout neuf pour les pêcheurs du port.</p></aside>
<div class="masque" style="display: none">Texte masqué qui ne se lit jamais.</div>
<div aria-hidden="true">Caché aux lecteurs d’écran seulement.</div>
<section id="commentaires"><p>Karim : bravo aux producteurs !</p>
<p hidden>Commentaire retiré par la modération.</p>après la modération</section>
<script>var x = "jamais";</script>
<footer><p>© Le Petit Baigneur, tous droits réservés.</p></footer>
</body></html>"""


# --- extraction of the other visible blocks --------------------------------------------------------


def test_blocks_are_the_visible_lines_outside_the_main_text_in_order() -> None:
    page = extract_page(PAGE, url="https://baie.example/huitres")
    assert MAIN in page.text
    assert [(b.kind, b.text) for b in page.blocks] == [
        ("nav", "Accueil La baie"),
        ("related", "À lire aussi"),
        ("related", "Un quai tout neuf pour les pêcheurs du port."),
        ("page", "Caché aux lecteurs d’écran seulement."),  # aria-hidden: still seen
        ("comment", "Karim : bravo aux producteurs !"),
        ("comment", "après la modération"),  # the tail of a hidden element is visible
        ("footer", "© Le Petit Baigneur, tous droits réservés."),
    ]


@pytest.mark.parametrize(
    "hidden",
    ["Texte masqué", "Commentaire retiré", "jamais", "color: red"],
)
def test_hidden_text_scripts_and_styles_are_not_visible(hidden: str) -> None:
    page = extract_page(PAGE, url="https://baie.example/huitres")
    assert hidden not in page.visible_text
    assert all(hidden not in block.text for block in page.blocks)


def test_main_paragraphs_with_no_break_spaces_are_not_repeated_in_the_rest() -> None:
    quoted = "«\u00a0Nous sommes soulagés\u00a0», dit un producteur\u202f; la saison commence bien."
    page = extract_page(PAGE.replace(f"<p>{MAIN}</p>", f"<p>{MAIN}</p><p>{quoted}</p>"))
    assert "Nous sommes soulagés" in page.text  # trafilatura's copy has plain spaces
    assert all("soulagés" not in block.text for block in page.blocks)


def test_a_page_without_a_main_text_has_no_rest() -> None:
    page = extract_page("<html><body><div>Bonjour</div><div>au revoir</div></body></html>")
    assert page.blocks == ()  # the visible text is the text: nothing is shown twice


# --- the stored text and its offsets ---------------------------------------------------------------


def test_compose_puts_the_main_text_first_then_the_separator_then_each_line() -> None:
    blocks = [Block("aside", "Un quai neuf."), Block("footer", "© Baigneur")]
    whole = compose("Texte principal.", blocks)
    assert whole.text == f"Texte principal.\n\n{SEPARATOR}\n\nUn quai neuf.\n© Baigneur"
    assert whole.main_end == len("Texte principal.")
    assert [(b.kind, whole.text[b.start : b.end]) for b in whole.blocks] == [
        ("aside", "Un quai neuf."),
        ("footer", "© Baigneur"),
    ]
    assert block_spans(whole.metadata()) == whole.blocks
    assert compose("Seul.", []).text == "Seul." and compose("Seul.", []).blocks == ()


@given(
    st.text(min_size=1, max_size=40),
    st.lists(st.tuples(st.sampled_from(["aside", "page"]), st.text(min_size=1, max_size=30)), max_size=8),
)
def test_compose_offsets_always_cut_the_lines(main: str, lines: list[tuple[str, str]]) -> None:
    whole = compose(main, [Block(kind, text) for kind, text in lines])
    assert whole.text.startswith(main) and whole.main_end == len(main)
    assert [whole.text[b.start : b.end] for b in whole.blocks] == [text for _, text in lines]


def test_checked_text_blanks_boilerplate_with_spaces_and_keeps_offsets() -> None:
    text = "main\n\nmenu\ncopie"
    metadata = {"boilerplate": [[6, 10]]}
    checked = checked_text(text, metadata)
    assert checked == "main\n\n    \ncopie" and len(checked) == len(text)
    assert checked_text(text, {}) == text
    assert blanked("abcdef", [[0, 2], [4, 6]]) == "  cd  "


# --- boilerplate -------------------------------------------------------------------------------------


def test_line_keys_ignore_case_and_spacing_only() -> None:
    assert line_key("Les plus LUS  de la semaine") == line_key(" les plus lus de la semaine")
    assert line_key("Les plus lus de la semaine") != line_key("Les plus lus du mois")
    keys = [line_key("a"), line_key("b"), 2**64 - 1, 0]
    assert unpack(pack(keys)) == set(keys) and unpack(None) == set() and unpack(b"") == set()


def test_only_rest_lines_seen_elsewhere_are_boilerplate() -> None:
    whole = compose("Menu du jour", [Block("nav", "Menu du jour"), Block("aside", "Copie de notre article")])
    seen = {line_key("menu du jour")}
    # The main text holds the same words, but only the rest of the page is ever blanked.
    assert boilerplate_spans(whole.text, whole.blocks, seen) == [[whole.blocks[0].start, whole.blocks[0].end]]
    assert rest_keys(whole.text, whole.blocks) == [
        line_key("Menu du jour"),
        line_key("Copie de notre article"),
    ]


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Copies.Example/a", "copies.example"),
        ("http://user:pw@127.0.0.1:8080/x", "127.0.0.1:8080"),
        ("file:///page.html", None),
    ],
)
def test_site_of(url: str, host: str | None) -> None:
    assert site_of(url) == host


# --- the store's line keys ---------------------------------------------------------------------------


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    with Store(Settings(database_url=database_url)) as opened:
        yield opened


def _keys(store: Store, url: str, limit: int = 200) -> set[bytes]:
    return set(store.host_line_keys("copy.example", url, url, limit))


def _captured(store: Store, n: int) -> None:
    url = f"https://copy.example/{n}"
    capture = make_capture(requested_url=url, final_url=url, fetched_at=datetime.now(UTC))
    store.add_capture(replace(capture, host="copy.example", line_keys=pack([n])))


def test_host_line_keys_are_the_latest_of_other_pages_before_this_one(store: Store) -> None:
    for n in range(2):
        _captured(store, n)
    # Page 1 is checked for the first time now; pages 2 and 3 are captured after it.
    store.record_check(PageRef(PageKind.URL, "https://copy.example/1", url="https://copy.example/1"), "t", [])
    for n in range(2, 4):
        _captured(store, n)
    other = make_capture(final_url="https://autre.example/", host="autre.example", line_keys=pack([9]))
    store.add_capture(other)
    store.add_capture(make_capture(final_url="https://copy.example/old", host=None))  # before 0011
    assert _keys(store, "https://copy.example/new") == {pack([n]) for n in range(4)}
    assert _keys(store, "https://copy.example/new", limit=2) == {pack([3]), pack([2])}
    # A page already checked: only what was known when it was first checked, never itself.
    assert _keys(store, "https://copy.example/1") == {pack([0])}
    stored = store.list_captures()[0]
    assert stored.host == "copy.example" and unpack(stored.line_keys) == {0}


# --- checks by URL and by file -----------------------------------------------------------------------


@pytest.fixture
def archive(seeded_folder: Path, tmp_path: Path) -> Iterator[Archive]:
    folder = shutil.copytree(seeded_folder, tmp_path / "archive")
    settings = Settings(database_url=f"sqlite:///{folder / 'archive.db'}", evidence_dir=str(tmp_path / "ev"))
    with Archive(settings) as opened:
        yield opened


def _allowing(archive: Archive, *ports: int) -> Archive:
    archive.settings = replace(archive.settings, fetch_allow_hosts=tuple(f"127.0.0.1:{p}" for p in ports))
    return archive


def test_first_page_of_a_host_finds_a_copy_in_its_boilerplate(archive: Archive) -> None:
    """The press-review box repeated on every page: found on the first page of each host checked,
    set aside on the next pages of that host, and still found when the first page is re-checked."""
    with serve() as one, serve() as two:
        _allowing(archive, one.port, two.port)
        first = archive.record_url(f"{one.url}/courrier-salines/culture-concert-plage.html")
        assert [r.judged.match.article.url for r in first.recorded] == [TORTUES]
        assert first.capture is not None and first.capture.metadata["boilerplate"] == []
        second = archive.record_url(f"{one.url}/courrier-salines/economie-marche-couvert.html")
        assert second.recorded == () and second.capture is not None
        box = second.text.index("Chaque matin, avant que les premiers baigneurs")
        assert any(start <= box < end for start, end in second.capture.metadata["boilerplate"])
        assert second.text[box : box + 12] == "Chaque matin"  # stored and shown, only not checked
        again = archive.record_url(f"{one.url}/courrier-salines/culture-concert-plage.html")
        assert [r.judged.match.article.url for r in again.recorded] == [TORTUES] and again.gone == ()
        other_host = archive.record_url(f"{two.url}/courrier-salines/economie-marche-couvert.html")
        assert [r.judged.match.article.url for r in other_host.recorded] == [TORTUES]


def test_a_sidebar_copy_is_found_with_offsets_into_the_stored_text(archive: Archive) -> None:
    with serve() as site:
        report = _allowing(archive, site.port).record_url(
            f"{site.url}/courrier-salines/environnement-nouvelle-digue.html"
        )
    assert report.capture is not None
    found = {r.judged.match.article.url: r.judged.match for r in report.recorded}
    assert set(found) == {TORTUES, MUSEE}  # the first page of this host: its box is found too
    [passage] = found[MUSEE].passages
    assert passage.page_start > report.text.index(SEPARATOR) > report.capture.metadata["main_end"]
    assert report.text[passage.page_start :].startswith("Le chantier, d’un montant de 17,8 millions")
    kinds = {
        kind for kind, start, end in report.capture.metadata["blocks"] if start <= passage.page_start < end
    }
    assert kinds == {"related"}


def test_an_html_file_is_checked_whole_without_boilerplate_rules(archive: Archive, tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    shutil.copyfile(SITE / "sport-tournoi-volley.html", path)
    for _ in range(2):  # no host, so nothing is ever set aside
        report = archive.record_file(str(path))
        assert report.capture is not None and "boilerplate" not in report.capture.metadata
        assert report.capture.host is None
        urls = {r.judged.match.article.url for r in report.recorded}
        assert (
            "https://www.gazette-littoral.example/sports/2021/11/22/marathon-port-azour-record-participation"
            in urls
        )
        assert TORTUES in urls


def test_a_scan_checks_whole_pages_and_finds_the_sites_boilerplate_once(archive: Archive) -> None:
    with serve() as site:
        _allowing(archive, site.port)
        home = f"{site.url}/courrier-salines/index.html"
        archive.add_site(Site("salines", (home,), depth=1, delay=0))
        report = archive.scan(["salines"])
    found = {(url.rsplit("/", 1)[1], recorded.judged.match.article.url) for url, recorded in report.matches}
    assert found == {
        ("index.html", TORTUES),  # the seed is the host's first page: its press-review box is found
        ("environnement-nouvelle-digue.html", MUSEE),  # then only the copies that are not boilerplate
        ("sante-pharmacie-de-garde.html", TELEMEDECINE),
        ("sport-tournoi-volley.html", MARATHON),
    }
