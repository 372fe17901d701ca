"""An HTML page (text or bytes) in, its text out: extraction that works on any site's pages.

`extract_page(html, url)` turns another site's page into an `ExtractedPage`: trafilatura's main
text and metadata, the visible text of <body> (one line per block) and the page's absolute links.
`parse`, `clean`, `block_text`, `first` and `LazyDocument` are the helpers that the rules of our
own template (compliance.ingest.our_pages) are written with, so that those need no HTML library.
ExtractionError when a page cannot be parsed or has no text.

This is the only module that imports trafilatura or lxml.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
import trafilatura

from compliance.capture.content import decode_html
from compliance.errors import ExtractionError

log = logging.getLogger(__name__)

_ASCII_SPACES = re.compile(r"[ \t\n\r\f\v]+")  # HTML whitespace; NBSP and thin spaces are kept
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_INVISIBLE = ("script", "style", "noscript", "template", "svg", "iframe", "object")
# Tags that start a new line of visible text.
_BLOCK_TAGS = frozenset(
    [
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
    ]
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


# --- parsing and reading elements -----------------------------------------------------------------


def parse(html: str | bytes) -> tuple[str, Any]:
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


def clean(text: str | None) -> str:
    """Whitespace runs to one space, NBSP kept, ends trimmed."""
    return _ASCII_SPACES.sub(" ", text or "").strip()


def block_text(element: Any) -> str:
    """The text of one element, with <br> read as a space."""
    parts = []
    for node in element.iter():
        if node is not element and node.tag == "br":
            parts.append(" ")
        if (node is element or isinstance(node.tag, str)) and node.text:
            parts.append(node.text)
        if node is not element and node.tail:
            parts.append(node.tail)
    return clean("".join(parts))


def first(tree: Any, xpath: str) -> str | None:
    """The cleaned text or attribute value of the first XPath hit, or None."""
    for hit in tree.xpath(xpath):
        value = clean(hit if isinstance(hit, str) else block_text(hit))
        if value:
            return value
    return None


# --- trafilatura ----------------------------------------------------------------------------------


def _trafilatura(text: str, url: str | None, precision: bool) -> Any:
    """trafilatura's document (main text and metadata), or None."""
    try:
        return trafilatura.bare_extraction(
            text, url=url, favor_precision=precision, include_comments=False, with_metadata=True
        )
    except Exception:  # trafilatura must not take a batch down with one odd page
        log.warning("trafilatura failed on %s", url or "a page", exc_info=True)
        return None


class LazyDocument:
    """trafilatura's precise document for one page, computed only if a field is asked for."""

    def __init__(self, text: str, url: str | None) -> None:
        self._text, self._url, self._done, self._doc = text, url, False, None

    def get(self, name: str) -> Any:
        """The field `name` ("text", "title", "author", "date", "categories"…), or None."""
        if not self._done:
            self._doc, self._done = _trafilatura(self._text, self._url, precision=True), True
        return getattr(self._doc, name, None) if self._doc is not None else None


# --- other sites' pages ---------------------------------------------------------------------------


def extract_page(html: str | bytes, url: str | None = None) -> ExtractedPage:
    """Another site's page to its main text, visible text, links and metadata."""
    text, tree = parse(html)
    doc = _trafilatura(text, url, precision=False)  # a copy missed costs more than chrome kept
    visible = _visible_text(tree)
    main = "\n\n".join(filter(None, map(clean, (getattr(doc, "text", None) or "").splitlines())))
    if not main and not visible:
        raise ExtractionError("no text found in the page")
    title = clean(getattr(doc, "title", None)) or first(tree, "//title")
    return ExtractedPage(
        text=main or visible,
        title=title or None,
        author=clean(getattr(doc, "author", None)) or None,
        published=clean(getattr(doc, "date", None)) or None,
        site_name=clean(getattr(doc, "sitename", None)) or None,
        visible_text=visible,
        links=_links(tree, url),
    )


def links_of(html: str | bytes, url: str | None = None) -> tuple[str, ...]:
    """The absolute http(s) links of a page, in order, without extracting its text (a scan's seeds)."""
    return _links(parse(html)[1], url)


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
    lines = (clean(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def _links(tree: Any, url: str | None) -> tuple[str, ...]:
    """Absolute http(s) hrefs of the page's links, in order, without repeats."""
    base = urljoin(url or "", first(tree, "//base/@href") or "")
    links: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        absolute = urljoin(base, href.strip())
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).netloc:
            links.setdefault(absolute, None)
    return tuple(links)
