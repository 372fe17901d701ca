"""One of our article pages (HTML text or bytes) in, an `ArticleInput` out: our template's rules.

These rules change whenever our site is redesigned; generic HTML extraction
(compliance.capture.html) does not. `extract_article` reads our template first: the <article>
holding the headline, the dateline "24.11.2021 à 11 H 37 • Mis à jour le …", the "Par …" author
line, the rights notice, the "Lire aussi" links, the paywall markers. trafilatura's main text and
metadata are the fallback for pages of older templates. ExtractionError when the page has no text
or no URL; ConfigurationError for an unknown time zone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

from compliance.capture.html import LazyDocument, block_text, clean, first, parse
from compliance.errors import ExtractionError
from compliance.ingest.objects import publisher_zone
from compliance.records import ArticleInput

log = logging.getLogger(__name__)

# Our template: "24.11.2021 à 11 H 37", optionally "• Mis à jour le 24.11.2021 à 12 H 03".
_DATE = r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s+à\s+(\d{1,2})\s*[Hh]\s*(\d{2})"
DATELINE_RE = re.compile(rf"^{_DATE}(?:\s*[•·|-]?\s*Mis à jour le\s+{_DATE})?$")
_DATE_RE = re.compile(_DATE)
NOTICE_RE = re.compile(r"Tous droits réservés|Reproduction .* interdite", re.IGNORECASE)
# A notice opens its line: "La reproduction des espèces y est interdite" is article text.
_NOTICE_START = re.compile(r"^(?:©|\(c\)|Copyright|Tous droits réservés|Reproduction\b)", re.IGNORECASE)
READ_ALSO_RE = re.compile(r"^(?:à\s+)?lire aussi\b", re.IGNORECASE)

# Where our template keeps chrome (share bars, related links, labels) rather than article text.
_CHROME_ANCESTORS = ("aside", "nav", "footer", "form", "header", "figure", "button")
_CHROME_CLASSES = ("share", "related", "read-also", "newsletter", "comment", "paywall", "promo")
_LABEL_CLASSES = (*_CHROME_CLASSES, "section", "kicker", "badge", "byline", "author", "dateline")
_BODY_BLOCKS = ("p", "h2", "h3", "h4", "blockquote", "li")
# What marks a paywalled article in our template.
_PAYWALL_XPATH = (
    ".//*[@data-paywall or contains(translate(@class, 'PAYWL', 'paywl'), 'paywall')"
    " or contains(@class, 'premium') or contains(@class, 'abonne')]"
)


def extract_article(
    html: str | bytes, url: str | None = None, timezone: str = "Africa/Algiers"
) -> ArticleInput:
    """One of our article pages to an `ArticleInput`; ExtractionError if no text or no URL."""
    zone = publisher_zone(timezone)
    text, tree = parse(html)
    fallback = LazyDocument(text, url)
    container = _article_container(tree)
    scope = container if container is not None else tree
    title = _article_title(tree, container, fallback)
    body = _template_body(container) or _fallback_body(tree, fallback, title)
    if not body:
        raise ExtractionError("no article text found")
    published, updated = _article_dates(tree, scope, zone, fallback)
    return ArticleInput(
        url=_article_url(tree, url),
        body=body,
        title=title,
        published_at=published,
        updated_at=updated,
        author=_article_author(scope, fallback),
        section=_article_section(tree, container, fallback),
        language=_language(tree),
        rights_notice=_rights_notice(scope) or _rights_notice(tree),
        paywalled=True if container is not None and container.xpath(_PAYWALL_XPATH) else None,
    )


def _article_container(tree: Any) -> Any:
    """Our template's <article> (the one holding the headline), or None."""
    found = tree.xpath("//article[.//h1]")
    return found[0] if found else None


def _article_url(tree: Any, url: str | None) -> str:
    """The canonical link, else og:url, else `url`: the first that is an absolute URL."""
    declared = (
        tree.xpath("//link[@rel='canonical']/@href")[:1]
        + tree.xpath("//meta[@property='og:url']/@content")[:1]
    )
    for candidate in [urljoin(url or "", clean(href)) for href in declared] + [url or ""]:
        if urlsplit(candidate).scheme and urlsplit(candidate).netloc:
            return candidate
    raise ExtractionError("no URL found: the page has no canonical link or og:url")


def _article_title(tree: Any, container: Any, fallback: LazyDocument) -> str | None:
    if container is not None and (title := first(container, ".//h1")):
        return title
    return (
        first(tree, "//meta[@property='og:title']/@content")
        or clean(fallback.get("title"))
        or first(tree, "//title")
    )


def _article_section(tree: Any, container: Any, fallback: LazyDocument) -> str | None:
    section = first(tree, "//meta[@property='article:section']/@content")
    if not section and container is not None:
        section = first(container, ".//*[contains(@class, 'section')]")
    categories = fallback.get("categories") if not section else None
    return section or (clean(categories[0]) if categories else None)


def _language(tree: Any) -> str:
    """The primary language subtag of <html lang>, "fr" if absent."""
    lang = clean(tree.get("lang") or tree.get("xml:lang"))
    return lang.split("-")[0].split("_")[0].lower() or "fr"


def _article_author(scope: Any, fallback: LazyDocument) -> str | None:
    for element in scope.xpath(".//*[self::p or self::div or self::span or self::address]"):
        line = block_text(element)
        if _is_author_line(line):
            return line[4:].strip()
    return clean(fallback.get("author")) or None


def _article_dates(
    tree: Any, scope: Any, zone: ZoneInfo, fallback: LazyDocument
) -> tuple[datetime | None, datetime | None]:
    for element in scope.xpath(".//*[self::p or self::div or self::span or self::time]"):
        dates = _parse_dateline(block_text(element), zone)
        if dates is not None:
            return dates
    published = _iso(first(tree, "//meta[@property='article:published_time']/@content"), zone) or _iso(
        fallback.get("date"), zone
    )
    return published, _iso(first(tree, "//meta[@property='article:modified_time']/@content"), zone)


def _parse_dateline(line: str, zone: ZoneInfo) -> tuple[datetime, datetime | None] | None:
    """Our dateline to (published, updated) in `zone`; None if `line` is not a dateline."""
    if not DATELINE_RE.match(line):
        return None
    try:
        stamps = [
            datetime(int(y), int(mo), int(d), int(h), int(mi), tzinfo=zone)
            for d, mo, y, h, mi in _DATE_RE.findall(line)
        ]
    except ValueError:
        log.debug("dateline with an impossible date: %r", line)
        return None
    return stamps[0], (stamps[1] if len(stamps) > 1 else None)


def _iso(value: str | None, zone: ZoneInfo) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (local time in `zone` when naive)."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.strip())
    except ValueError:
        try:
            stamp = datetime.combine(date.fromisoformat(value.strip()[:10]), datetime.min.time())
        except ValueError:
            return None
    return stamp if stamp.tzinfo is not None else stamp.replace(tzinfo=zone)


def _rights_notice(scope: Any) -> str | None:
    """The innermost block whose text is a rights notice: one forbidding reproduction, or a "©" one."""
    found = [line for line in _leaf_blocks(scope) if _is_notice(line)]
    found.sort(key=lambda line: ("interdite" not in line.lower(), not line.startswith("©")))
    return found[0] if found else None


def _leaf_blocks(scope: Any) -> Iterator[str]:
    blocks = ".//*[self::p or self::div or self::footer or self::section or self::small]"
    for element in scope.xpath(blocks):
        if not element.xpath(".//*[self::p or self::div or self::footer or self::section]"):
            yield block_text(element)


def _template_body(container: Any) -> str:
    """The article paragraphs of our template's container, joined by blank lines."""
    if container is None:
        return ""
    found = container.xpath(".//*[@itemprop='articleBody'] | .//*[contains(@class, 'article__body')]")
    body = found[0] if found else container
    return _join(block_text(el) for el in body.iter(*_BODY_BLOCKS) if _is_body_block(el, body))


def _is_body_block(element: Any, body: Any) -> bool:
    """A paragraph-like block of the article, not chrome and not nested in another block."""
    if _has_class(element, _LABEL_CLASSES):
        return False
    for ancestor in element.iterancestors():
        if ancestor is body:
            return True
        if ancestor.tag in _CHROME_ANCESTORS or ancestor.tag in _BODY_BLOCKS:
            return False
        if _has_class(ancestor, _CHROME_CLASSES):
            return False
    return True


def _has_class(element: Any, words: tuple[str, ...]) -> bool:
    classes = (element.get("class") or "").lower()
    return any(word in classes for word in words)


def _fallback_body(tree: Any, fallback: LazyDocument, title: str | None) -> str:
    """trafilatura's main text without our template's lines (title, dateline, author, notice)."""
    # trafilatura turns NBSP into spaces: take each paragraph back from the page when we can.
    originals = {_plain(text): text for text in map(block_text, tree.iter(*_BODY_BLOCKS))}
    lines = (clean(line) for line in (fallback.get("text") or "").splitlines())
    return _join(originals.get(_plain(line), line) for line in lines if line != title)


def _plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _join(lines: Iterable[str]) -> str:
    return "\n\n".join(line for line in lines if line and not _is_template_line(line))


def _is_template_line(line: str) -> bool:
    """A dateline, an author line, a rights notice or a "Lire aussi" link: not article text."""
    return bool(
        DATELINE_RE.match(line) or _is_author_line(line) or READ_ALSO_RE.match(line) or _is_notice(line)
    )


def _is_notice(line: str) -> bool:
    """A rights notice such as "© La Gazette du Littoral. Tous droits réservés. Reproduction …"."""
    return len(line) < 600 and bool(_NOTICE_START.match(line) and NOTICE_RE.search(line))


def _is_author_line(line: str) -> bool:
    """ "Par Samia Benali", but not a sentence such as "Par ailleurs, …"."""
    name = line[4:].strip()
    return (
        line.startswith("Par ")
        and 0 < len(line) <= 120
        and name[:1].isupper()
        and not name.endswith((".", "!", "?", ":", "»"))
    )
