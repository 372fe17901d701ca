"""An HTML page (text or bytes) in, its text out: extraction that works on any site's pages.

`extract_page(html, url)` turns another site's page into an `ExtractedPage`: trafilatura's main
text and metadata, the visible text of <body> (one line per block), the visible lines that are
not in the main text (sidebars, teasers, comments…: `blocks`, in document order, each with the
kind of region it sits in) and the page's absolute links. Hidden elements (`hidden`, an inline
`display: none` or `visibility: hidden`) are not visible text.
`parse`, `clean`, `block_text`, `first` and `LazyDocument` are the helpers that the rules of our
own template (compliance.ingest.our_pages) are written with, so that those need no HTML library.
ExtractionError when a page cannot be parsed or has no text.

This is the only module that imports trafilatura or lxml.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
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


# The kind of region a visible line sits in, from the nearest element that says: a word of its
# class or id, else its tag. Recorded with the capture; matching does not depend on it.
_KIND_TAGS = {"aside": "aside", "nav": "nav", "header": "header", "footer": "footer", "form": "form"}
_KIND_WORDS = (
    ("comment", re.compile(r"comment|commentaire|reaction|disqus|reponse", re.I)),
    ("related", re.compile(r"related|lire|aussi|read-?more|recommend|similar|a-?voir|plus-?lus", re.I)),
    ("teaser", re.compile(r"teaser|promo|card|chapo|une\b|headline", re.I)),
    ("aside", re.compile(r"sidebar|aside|widget|rail", re.I)),
    ("nav", re.compile(r"menu|nav|breadcrumb", re.I)),
    ("footer", re.compile(r"footer|pied|newsletter|copyright", re.I)),
)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


@dataclass(frozen=True, slots=True)
class Block:
    """One visible line of a page outside its main text, and the kind of region it sits in."""

    kind: str  # aside, nav, header, footer, form, comment, related, teaser, or page
    text: str


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
    blocks: tuple[Block, ...] = ()  # the visible lines not in `text`, in document order


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
    """Another site's page to its main text, the rest of its visible text, links and metadata."""
    text, tree = parse(html)
    doc = _trafilatura(text, url, precision=False)  # a copy missed costs more than chrome kept
    lines = _visible_lines(tree)
    visible = "\n".join(line for _, line in lines)
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
        blocks=_outside(lines, main) if main else (),
    )


def links_of(html: str | bytes, url: str | None = None) -> tuple[str, ...]:
    """The absolute http(s) links of a page, in order, without extracting its text (a scan's seeds)."""
    return _links(parse(html)[1], url)


def _visible_lines(tree: Any) -> list[tuple[str, str]]:
    """(kind, line) for each line of visible text in <body>, one line per block, in order.

    Scripts and styles are already gone; hidden elements are skipped here (their tail is not
    hidden: it belongs to the parent).
    """
    body = tree.find("body")
    if body is None:
        return []
    lines = _Lines()
    kinds = ["page"]
    walker = lxml.etree.iterwalk(body, events=("start", "end"))
    for event, element in walker:
        if element.tag in _BLOCK_TAGS:
            lines.end()
        if event == "end":
            kinds.pop()
            lines.add(element.tail if element is not body else None, kinds[-1])
        elif _hidden(element):
            kinds.append(kinds[-1])
            walker.skip_subtree()  # its "end" event still comes, and pops
        else:
            kinds.append(_kind(element, kinds[-1]))
            lines.add(element.text, kinds[-1])
    lines.end()
    return lines.done


class _Lines:
    """Visible lines being assembled: each takes the kind of region its first text sits in."""

    def __init__(self) -> None:
        self.done: list[tuple[str, str]] = []
        self._parts: list[str] = []
        self._kind: str | None = None  # set by the line's first text that is not white space

    def add(self, piece: str | None, kind: str) -> None:
        if piece:
            self._parts.append(_ASCII_SPACES.sub(" ", piece))  # newlines in the source are not breaks
            if self._kind is None and piece.strip():
                self._kind = kind

    def end(self) -> None:
        text = clean("".join(self._parts))
        if text:
            self.done.append((self._kind or "page", text))
        self._parts.clear()
        self._kind = None


def _kind(element: Any, parent: str) -> str:
    """The kind of region `element` starts, or its parent's."""
    if not isinstance(element.tag, str):
        return parent
    names = f"{element.get('class') or ''} {element.get('id') or ''}".strip()
    for kind, pattern in _KIND_WORDS if names else ():
        if pattern.search(names):
            return kind
    return _KIND_TAGS.get(element.tag, parent)


def _hidden(element: Any) -> bool:
    """Whether the page hides `element` from its readers."""
    if not isinstance(element.tag, str):
        return False
    # Not aria-hidden: it hides from screen readers only (icons, carousel slides), not from sight.
    return element.get("hidden") is not None or bool(_HIDDEN_STYLE.search(element.get("style") or ""))


def _outside(lines: list[tuple[str, str]], main: str) -> tuple[Block, ...]:
    """The visible lines that the main text does not already hold, in document order.

    A line is held when it is one of the main text's paragraphs, or when every run of
    `_HELD_RUN` words in it is also in the main text (trafilatura sometimes joins or trims
    blocks). Words are split on every space alike: trafilatura turns the no-break spaces of
    French typography (« … », before : ; ! ?) into plain ones, the visible lines keep them.
    Linear in the page's length, whatever the number of lines.
    """
    held = {tuple(paragraph.split()) for paragraph in main.split("\n\n")}
    runs = set(_runs(main.split()))
    return tuple(Block(kind, line) for kind, line in lines if not _held(line.split(), held, runs))


_HELD_RUN = 6  # words


def _runs(words: list[str]) -> Iterator[tuple[str, ...]]:
    return zip(*(words[i:] for i in range(_HELD_RUN)), strict=False)


def _held(words: list[str], paragraphs: set[tuple[str, ...]], runs: set[tuple[str, ...]]) -> bool:
    if tuple(words) in paragraphs:
        return True
    return len(words) >= _HELD_RUN and all(run in runs for run in _runs(words))


def _links(tree: Any, url: str | None) -> tuple[str, ...]:
    """Absolute http(s) hrefs of the page's links, in order, without repeats."""
    base = urljoin(url or "", first(tree, "//base/@href") or "")
    links: dict[str, None] = {}
    for href in tree.xpath("//a/@href"):
        absolute = urljoin(base, href.strip())
        if urlsplit(absolute).scheme in ("http", "https") and urlsplit(absolute).netloc:
            links.setdefault(absolute, None)
    return tuple(links)
