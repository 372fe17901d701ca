"""HTML in, text and metadata out: our own article pages and other sites' pages.

`extract_article(html)` turns one of our article pages into an `ArticleInput`: our template's rules
(article container, dateline "24.11.2021 à 11 H 37 • Mis à jour le …", "Par …" author line, rights
notice) first, trafilatura's main text and metadata as the fallback. `extract_page(html)` turns any
other site's page into an `ExtractedPage` (main text, visible text, links, metadata).
`decode_html(data)` turns bytes into text. This is the only module that imports trafilatura or lxml.
"""

from __future__ import annotations

import codecs
import logging
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import charset_normalizer
import lxml.etree
import lxml.html
import trafilatura

from compliance.errors import ConfigurationError, ExtractionError
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
_ASCII_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # HTML whitespace; NBSP and thin spaces are kept
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)

_INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "object")
_CHROME_ANCESTORS = ("aside", "nav", "footer", "form", "header", "figure", "button")
_CHROME_CLASSES = ("share", "related", "read-also", "newsletter", "comment", "paywall", "promo")
_LABEL_CLASSES = (*_CHROME_CLASSES, "section", "kicker", "badge", "byline", "author", "dateline")
_BODY_BLOCKS = ("p", "h2", "h3", "h4", "blockquote", "li")
_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "td",
        "th",
        "tr",
        "ul",
        "option",
        "label",
        "button",
        "caption",
    }
)
_PAYWALL_XPATH = (
    ".//*[@data-paywall or contains(translate(@class, 'PAYWL', 'paywl'), 'paywall')"
    " or contains(@class, 'premium') or contains(@class, 'abonne')]"
)


@dataclass(frozen=True, slots=True)
class ExtractedPage:
    """What was taken from another site's page: main text, visible text, metadata and links."""

    text: str
    title: str | None = None
    author: str | None = None
    published: str | None = None
    site_name: str | None = None
    visible_text: str = ""
    links: tuple[str, ...] = ()


# --- decoding and parsing ---------------------------------------------------------------------


def decode_html(data: bytes) -> str:
    """Bytes to text: BOM, then the declared charset if it fits, then UTF-8, then a guess."""
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    utf8 = _try_decode(data, "utf-8")
    declared = declared_charset(data)
    # Valid UTF-8 with non-ASCII bytes is almost never legacy text: such a declaration is wrong.
    if declared and (declared == "utf-8" or utf8 is None or data.isascii()):
        text = _try_decode(data, declared)
        if text is not None:
            return text
        log.debug("declared charset %s does not fit the bytes", declared)
    if utf8 is not None:
        return utf8
    best = charset_normalizer.from_bytes(data).best()
    return str(best) if best is not None else data.decode("utf-8", errors="replace")


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> of its first 4 KB, as a Python codec name."""
    found = _META_CHARSET.search(data[:4096])
    if not found:
        return None
    try:
        name = codecs.lookup(found.group(1).decode("ascii")).name
    except (LookupError, UnicodeDecodeError):
        return None
    if name.startswith(("utf-16", "utf-32")):  # an ASCII-readable meta cannot be UTF-16
        return "utf-8"
    # As browsers do: pages declaring Latin-1 or ASCII are read as windows-1252.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def _try_decode(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def _parse(html: str | bytes) -> tuple[str, Any]:
    """The page as text and as an lxml tree without scripts, styles and comments."""
    text = decode_html(html) if isinstance(html, bytes) else html
    try:
        tree = lxml.html.document_fromstring(_XML_DECLARATION.sub("", text, count=1))
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ExtractionError(f"not an HTML page: {exc}") from None
    for element in tree.xpath("//" + " | //".join(_INVISIBLE) + " | //comment()"):
        if element.getparent() is not None:
            element.drop_tree()
    return text, tree


def _clean(text: str | None) -> str:
    """Whitespace runs to one space, NBSP kept, ends trimmed."""
    return _ASCII_SPACES.sub(" ", text or "").strip()


def _block_text(element: Any) -> str:
    """The text of one element, with <br> read as a space."""
    parts = []
    for node in element.iter():
        if node is not element and node.tag == "br":
            parts.append(" ")
        if (node is element or isinstance(node.tag, str)) and node.text:
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return _clean("".join(parts))


def _first(tree: Any, xpath: str) -> str | None:
    """The cleaned text or attribute value of the first XPath hit, or None."""
    for hit in tree.xpath(xpath):
        value = _clean(hit if isinstance(hit, str) else _block_text(hit))
        if value:
            return value
    return None


def _trafilatura(text: str, url: str | None, precision: bool) -> Any:
    """trafilatura's document (main text and metadata), or None."""
    try:
        return trafilatura.bare_extraction(
            text, url=url, favor_precision=precision, include_comments=False, with_metadata=True
        )
    except Exception:  # trafilatura must not take a batch down with one odd page
        log.warning("trafilatura failed on %s", url or "a page", exc_info=True)
        return None


class _Fallback:
    """trafilatura's document for one page, computed only if a field needs it."""

    def __init__(self, text: str, url: str | None) -> None:
        self._text, self._url, self._done, self._doc = text, url, False, None

    def get(self, name: str) -> Any:
        if not self._done:
            self._doc, self._done = _trafilatura(self._text, self._url, precision=True), True
        return getattr(self._doc, name, None) if self._doc is not None else None


# --- our article pages ------------------------------------------------------------------------


def extract_article(
    html: str | bytes, url: str | None = None, timezone: str = "Africa/Algiers"
) -> ArticleInput:
    """One of our article pages to an `ArticleInput`; ExtractionError if no text or no URL."""
    zone = _zone(timezone)
    text, tree = _parse(html)
    fallback = _Fallback(text, url)
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


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigurationError(f"unknown time zone {timezone!r}") from None


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
    for candidate in [urljoin(url or "", _clean(href)) for href in declared] + [url or ""]:
        if urlsplit(candidate).scheme and urlsplit(candidate).netloc:
            return candidate
    raise ExtractionError("no URL found: the page has no canonical link or og:url")


def _article_title(tree: Any, container: Any, fallback: _Fallback) -> str | None:
    if container is not None and (title := _first(container, ".//h1")):
        return title
    return (
        _first(tree, "//meta[@property='og:title']/@content")
        or _clean(fallback.get("title"))
        or _first(tree, "//title")
    )


def _article_section(tree: Any, container: Any, fallback: _Fallback) -> str | None:
    section = _first(tree, "//meta[@property='article:section']/@content")
    if not section and container is not None:
        section = _first(container, ".//*[contains(@class, 'section')]")
    categories = fallback.get("categories") if not section else None
    return section or (_clean(categories[0]) if categories else None)


def _language(tree: Any) -> str:
    """The primary language subtag of <html lang>, "fr" if absent."""
    lang = _clean(tree.get("lang") or tree.get("xml:lang"))
    return lang.split("-")[0].split("_")[0].lower() or "fr"


def _article_author(scope: Any, fallback: _Fallback) -> str | None:
    for element in scope.xpath(".//*[self::p or self::div or self::span or self::address]"):
        line = _block_text(element)
        if _is_author_line(line):
            return line[4:].strip()
    return _clean(fallback.get("author")) or None


def _article_dates(
    tree: Any, scope: Any, zone: ZoneInfo, fallback: _Fallback
) -> tuple[datetime | None, datetime | None]:
    for element in scope.xpath(".//*[self::p or self::div or self::span or self::time]"):
        dates = _parse_dateline(_block_text(element), zone)
        if dates is not None:
            return dates
    published = _iso(_first(tree, "//meta[@property='article:published_time']/@content"), zone) or _iso(
        fallback.get("date"), zone
    )
    return published, _iso(_first(tree, "//meta[@property='article:modified_time']/@content"), zone)


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
            yield _block_text(element)


def _template_body(container: Any) -> str:
    """The article paragraphs of our template's container, joined by blank lines."""
    if container is None:
        return ""
    found = container.xpath(".//*[@itemprop='articleBody'] | .//*[contains(@class, 'article__body')]")
    body = found[0] if found else container
    return _join(_block_text(el) for el in body.iter(*_BODY_BLOCKS) if _is_body_block(el, body))


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


def _fallback_body(tree: Any, fallback: _Fallback, title: str | None) -> str:
    """trafilatura's main text without our template's lines (title, dateline, author, notice)."""
    # trafilatura turns NBSP into spaces: take each paragraph back from the page when we can.
    originals = {_plain(text): text for text in map(_block_text, tree.iter(*_BODY_BLOCKS))}
    lines = (_clean(line) for line in (fallback.get("text") or "").splitlines())
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


# --- other sites' pages -----------------------------------------------------------------------


def extract_page(html: str | bytes, url: str | None = None) -> ExtractedPage:
    """Another site's page to its main text, visible text, links and metadata."""
    text, tree = _parse(html)
    doc = _trafilatura(text, url, precision=False)  # a copy missed costs more than chrome kept
    visible = _visible_text(tree)
    main = "\n\n".join(filter(None, map(_clean, (getattr(doc, "text", None) or "").splitlines())))
    if not main and not visible:
        raise ExtractionError("no text found in the page")
    title = _clean(getattr(doc, "title", None)) or _first(tree, "//title")
    return ExtractedPage(
        text=main or visible,
        title=title or None,
        author=_clean(getattr(doc, "author", None)) or None,
        published=_clean(getattr(doc, "date", None)) or None,
        site_name=_clean(getattr(doc, "sitename", None)) or None,
        visible_text=visible,
        links=_links(tree, url),
    )


def _visible_text(tree: Any) -> str:
    """The text of <body>, one line per block (scripts and styles are already gone)."""
    body = tree.find("body")
    if body is None:
        return ""
    parts: list[str] = []
    for event, element in lxml.etree.iterwalk(body, events=("start", "end")):
        text = element.text if event == "start" else (element.tail if element is not body else None)
        if element.tag in _BLOCK_TAGS:
            parts.append("\n")
        parts.append(_ASCII_SPACES.sub(" ", text or ""))  # newlines in the source are not breaks
    lines = (_clean(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _links(tree: Any, url: str | None) -> tuple[str, ...]:
    """Absolute http(s) hrefs of the page's links, in order, without repeats."""
    base = urljoin(url or "", _first(tree, "//base/@href") or "")
    links: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        absolute = urljoin(base, href.strip())
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).netloc:
            links.setdefault(absolute, None)
    return tuple(links)
