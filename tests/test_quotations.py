"""Short quotations: 12 words of one of our articles inside an unrelated article are found as a
short quotation, 11 are not; independent articles on the same event stay clean (test_gate.py).
bench/quotations.py measures it over many quotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from compliance.detect.normalize import normalize
from compliance.pipeline import Archive
from compliance.records import Verdict

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
ARTICLES = [
    json.loads(line)
    for line in (FIXTURES / "archive/articles.jsonl").read_text(encoding="utf-8").splitlines()
]
OURS = next(a for a in ARTICLES if "marathon" in a["url"])
# An unrelated article of our own writing, not in the archive.
HOST = (
    "La bibliothèque municipale de Bir Saada rouvre ses portes après deux ans de travaux. Les "
    "lecteurs découvriront une salle de lecture agrandie, un espace consacré aux bandes dessinées et "
    "un atelier d’initiation à l’informatique ouvert aux retraités le mercredi après-midi.\n\n"
    "{quote}\n\n"
    "La directrice, qui a dirigé le chantier depuis le premier jour, espère doubler le nombre "
    "d’inscrits d’ici à l’été. Les horaires d’ouverture seront élargis le samedi, et un service de "
    "portage de livres à domicile sera proposé aux personnes âgées qui ne peuvent plus se déplacer."
)


def quotation(words: int) -> str:
    """The first `words` words (as the check counts them) of the article's second paragraph."""
    paragraph = OURS["body"].split("\n\n")[1].split()
    for end in range(1, len(paragraph)):
        quote = " ".join(paragraph[:end]).rstrip(".,;:")
        if len(normalize(quote).split()) == words:
            return quote
    raise AssertionError(f"no {words}-word quotation")


@pytest.mark.parametrize(("words", "found"), [(10, False), (11, False), (12, True), (13, True), (15, True)])
def test_a_quotation_of_twelve_words_or_more_is_found(
    loaded_archive: Archive, words: int, found: bool
) -> None:
    quote = quotation(words)
    page = HOST.format(quote=f"Un confrère le rappelait récemment : « {quote} ».")
    matches = [m for m in loaded_archive.check_text(page) if m.article.url == OURS["url"]]
    assert bool(matches) is found
    if found:
        [match] = matches
        assert match.verdict is Verdict.SHORT_QUOTATION
        [passage] = match.passages
        assert normalize(page[passage.page_start : passage.page_end]) == normalize(quote)


def test_the_host_article_alone_is_clean(loaded_archive: Archive) -> None:
    assert loaded_archive.check_text(HOST.format(quote="")) == []
