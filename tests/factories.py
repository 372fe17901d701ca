"""Small builders of test values: an article of ours, a page that reproduces part of it, scores.

Each builder gives a valid value with plain defaults, and keyword overrides change only what a
test is about: `article_input(url=…)`, `page_with(excerpt(body, 60), before="…")`,
`scores_of(coverage=0.5)`.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from functools import cache
from itertools import count
from pathlib import Path
from typing import Any

from compliance.records import Article, ArticleInput, Scores

ARTICLES = Path(__file__).resolve().parent.parent / "fixtures" / "archive" / "articles.jsonl"
NOTICE = (
    "© La Gazette du Littoral. Tous droits réservés. Reproduction et diffusion interdites "
    "sans autorisation écrite."
)
# Text of nobody's article, to surround a reproduced excerpt in a page.
BEFORE = (
    "Revue de presse du jour. Nos lecteurs nous écrivent souvent au sujet des horaires "
    "d’ouverture de la médiathèque, fermée le lundi pendant les travaux de la toiture."
)
AFTER = (
    "À lire aussi : la recette du gratin de cardons de notre chroniqueuse, et les résultats "
    "complets du tournoi d’échecs des écoles, disputé samedi dans la salle des fêtes."
)
_serial = count(1)


@cache
def fixture_bodies() -> tuple[str, ...]:
    """The bodies of the fixture archive's articles (fixtures/archive/articles.jsonl), in file order."""
    with ARTICLES.open(encoding="utf-8") as lines:
        return tuple(json.loads(line)["body"] for line in lines if line.strip())


def article_input(**overrides: Any) -> ArticleInput:
    """An article of ours, as a reader yields it: a unique URL, the first fixture body, a notice."""
    serial = next(_serial)
    values: dict[str, Any] = {
        "url": f"https://www.gazette-littoral.example/test/{serial}",
        "body": fixture_bodies()[0],
        "title": f"Article de test {serial}",
        "published_at": datetime(2024, 3, 12, 9, 30, tzinfo=UTC),
        "author": "Rédaction",
        "section": "Économie",
        "language": "fr",
        "rights_notice": NOTICE,
        "paywalled": False,
    }
    values.update(overrides)
    return ArticleInput(**values)


def article(id: int = 1, **overrides: Any) -> Article:
    """A stored article of ours: `article_input(**overrides)` with an `id`."""
    return Article(id=id, **asdict(article_input(**overrides)))


def excerpt(body: str, words: int, start: int = 0) -> str:
    """`words` consecutive words of `body` from word `start`, as they are written in it."""
    return " ".join(body.split()[start : start + words])


def page_with(article_body: str, before: str = BEFORE, after: str = AFTER) -> str:
    """A page's text: `article_body` (or a part of it) between paragraphs that are not ours."""
    return "\n\n".join(part for part in (before, article_body, after) if part)


def scores_of(**overrides: Any) -> Scores:
    """Scores of a match; the defaults reproduce nothing."""
    values: dict[str, Any] = {
        "coverage": 0.0,
        "similarity": 0.0,
        "page_share": 0.0,
        "reproduced_words": 0,
        "longest_passage_words": 0,
    }
    values.update(overrides)
    return Scores(**values)
