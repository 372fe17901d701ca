"""A page's text and links → whether it credits us by name and links to us, with the proof.

Names are matched on folded words (case, accents, typographic quotes do not matter), so
« LA GAZETTE DU LITTORAL » and « la Gazette du littoral » both credit « La Gazette du Littoral ».
Our domains written out in the text (« source : gazette-littoral.example ») credit us too.
The snippet kept as proof is cut from the original page text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from compliance.detect.normalize import normalize, normalize_with_map
from compliance.policy.domains import host_of, on_domains
from compliance.records import Attribution

SNIPPET_CONTEXT = 60  # characters of page text kept on each side of a credit
_HOLDER = re.compile(r"(?:©|\(c\)|copyright)\s*(?:\d{4}\s*)?([^.\n|]+)", re.IGNORECASE)


def notice_holder(notice: str | None) -> str | None:
    """The rights holder a notice names: « © La Gazette du Littoral. Tous droits… » → the name."""
    found = _HOLDER.search(notice or "")
    holder = found.group(1).strip(" -–,") if found else ""
    return holder if len(normalize(holder)) >= 3 else None


def attribution(
    text: str,
    links: Iterable[str],
    names: Iterable[str],
    domains: tuple[str, ...],
    patterns: Iterable[str] = (),
    article_url: str | None = None,
) -> Attribution:
    """Credit (a name, one of our domains, or a configured pattern) and a link to our domains."""
    credit = _credit(text, [*names, *domains], patterns)
    link, to_article = _link(links, domains, article_url)
    return Attribution(
        credited=credit is not None,
        credit=credit,
        linked=link is not None,
        link=link,
        links_to_article=to_article,
    )


def _credit(text: str, names: list[str], patterns: Iterable[str]) -> str | None:
    for pattern in patterns:
        found = re.search(pattern, text, re.IGNORECASE)
        if found:
            return _snippet(text, found.start(), found.end())
    folded, offsets = normalize_with_map(text)
    padded = f" {folded} "
    for name in names:
        wanted = normalize(name)
        at = padded.find(f" {wanted} ") if wanted else -1
        if at >= 0:
            return _snippet(text, offsets[at], offsets[at + len(wanted) - 1] + 1)
    return None


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - SNIPPET_CONTEXT)
    right = min(len(text), end + SNIPPET_CONTEXT)
    return " ".join(text[left:right].split())


def _link(links: Iterable[str], domains: tuple[str, ...], article_url: str | None) -> tuple[str | None, bool]:
    """The best link to us: one to the article itself, else any link to our domains."""
    target = _comparable(article_url) if article_url else None
    first = None
    for link in links:
        if not on_domains(host_of(link), domains):
            continue
        if target and _comparable(link) == target:
            return link, True
        first = first or link
    return first, False


def _comparable(url: str) -> str:
    """A URL without scheme, `www.`, query, fragment or trailing slash."""
    host = (host_of(url) or "").removeprefix("www.")
    path = re.sub(r"^[a-z]+://[^/]+", "", url.split("#")[0].split("?")[0]).rstrip("/")
    return host + path
