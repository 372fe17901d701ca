"""Our article's body → the spans that are someone else's text: wire copy and official statements.

A paragraph (paragraphs are separated by a blank line) is third-party text when it carries a news
agency's credit — « (AFP) », « PORT-AZOUR (MAP) - », « avec Reuters », « Source : APS » — or when
it is mostly a quotation of a communiqué or a statement. An article whose `source` metadata names
an agency is third-party text as a whole. Reproducing only such text opens no case: it was never ours.
"""

from __future__ import annotations

import re
from functools import lru_cache

from compliance.records import Passage

QUOTED_SHARE = 0.6  # a statement paragraph is at least this share quotation...
STATEMENT_WORDS = 30  # ...and at least this many words long
_STATEMENT = re.compile(r"\b(communiqu[ée]|d[ée]claration|statement|press release|بيان)\b", re.IGNORECASE)
_QUOTED = re.compile(r"«[^»]*»|“[^”]*”|\"[^\"]*\"")
_PARAGRAPH = re.compile(r"\S(?:.*?\S)?(?=\n\s*\n|\s*$)", re.DOTALL)


@lru_cache(maxsize=64)
def _credit_pattern(agencies: tuple[str, ...]) -> re.Pattern[str]:
    names = "|".join(re.escape(a) for a in sorted(agencies, key=len, reverse=True))
    return re.compile(
        rf"\(\s*(?:{names})\s*\)|\b(?:avec|selon|source\s*:|d['’]apr[èe]s)\s*(?:l['’])?(?:{names})\b",
        re.IGNORECASE,
    )


def third_party_spans(
    body: str, agencies: tuple[str, ...], source: str | None = None
) -> list[tuple[int, int]]:
    """Character spans of `body` that are wire copy or quoted statements, in order."""
    if not body:
        return []
    if source and agencies and re.search(rf"\b(?:{_names(agencies)})\b", source, re.IGNORECASE):
        return [(0, len(body))]
    credit = _credit_pattern(agencies) if agencies else None
    return [
        (m.start(), m.end())
        for m in _PARAGRAPH.finditer(body)
        if (credit and credit.search(m.group())) or _is_statement(m.group())
    ]


def own_passages(passages: tuple[Passage, ...], spans: list[tuple[int, int]]) -> tuple[Passage, ...]:
    """The passages that lie mostly (more than half their length) outside third-party spans."""
    return tuple(p for p in passages if _inside(p, spans) * 2 <= p.article_end - p.article_start)


def own_words(word_starts: list[int], spans: list[tuple[int, int]]) -> int:
    """How many of the article's words (by start offset) lie outside third-party spans."""
    return sum(1 for start in word_starts if not any(a <= start < b for a, b in spans))


def _inside(passage: Passage, spans: list[tuple[int, int]]) -> int:
    return sum(max(0, min(b, passage.article_end) - max(a, passage.article_start)) for a, b in spans)


def _is_statement(paragraph: str) -> bool:
    if not _STATEMENT.search(paragraph) or len(paragraph.split()) < STATEMENT_WORDS:
        return False
    quoted = sum(len(m.group()) for m in _QUOTED.finditer(paragraph))
    return quoted >= QUOTED_SHARE * len(paragraph)


def _names(agencies: tuple[str, ...]) -> str:
    return "|".join(re.escape(a) for a in agencies)
