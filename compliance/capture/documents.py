"""Submitted files and fetched bodies in, the text to check and its metadata out.

`page_from_bytes` reads HTML (through `html.extract_page`), plain text, PDF (pypdf) and e-mail
(.eml, stdlib `email`); it returns the text that matching runs on, and a metadata dict with
`title`, `author`, `published`, `site_name`, `visible_text` and `links`. An HTML page's text is
its main text, then the rest of its visible text (page_text.py), and its metadata adds
`main_end` and `blocks` (where each other line lies, and its kind). Text is decoded by the
rules of content.py, which survive wrong declarations: a BOM, then UTF-8 when the bytes are valid
UTF-8, then the declared charset when the bytes fit it, then a guess. `read_document` does the
same for a file given to `check --file`. ExtractionError when no text can be taken; InputError
(naming the file) for a file that cannot be used. A NUL or a lone surrogate in the text or the
metadata (a NUL past the first 8 KB of a text page, a broken PDF string) becomes U+FFFD, one for
one: no database stores them alike, and the raw bytes stay in the WARC.
"""

from __future__ import annotations

import email
import email.policy
import logging
import re
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader

from compliance.capture.content import decode_text, html_text, media_type
from compliance.capture.html import ExtractedPage, extract_page
from compliance.capture.page_text import compose
from compliance.errors import ExtractionError, InputError

if TYPE_CHECKING:
    from compliance.capture.fetch import FetchResult

log = logging.getLogger(__name__)

SUFFIXES = {
    ".html": "text/html",
    ".htm": "text/html",
    ".txt": "text/plain",
    ".eml": "message/rfc822",
    ".pdf": "application/pdf",
}
HTML_TYPES = ("text/html", "application/xhtml+xml")
_URL = re.compile(r"https?://[^\s<>\"'«»]+[^\s<>\"'«».,;:!?)\]]")
_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")  # PostgreSQL text refuses NUL; UTF-8, lone surrogates


def page_from_bytes(
    data: bytes, content_type: str, url: str | None = None, *, charset: str | None = None
) -> tuple[str, dict[str, Any]]:
    """The text to check and the metadata of a body of this type ("text/html; charset=…")."""
    mime, declared = media_type(content_type)
    text, metadata = _read(data, mime, charset or declared, url)
    return storable(text), {name: storable(value) for name, value in metadata.items()}


def _read(data: bytes, mime: str, declared: str | None, url: str | None) -> tuple[str, dict[str, Any]]:
    if mime in HTML_TYPES:
        return _from_page(extract_page(html_text(data, declared), url))
    if mime == "text/plain" or mime.startswith("text/"):
        return _from_text(decode_text(data, declared))
    if mime == "application/pdf":
        return _from_pdf(data)
    if mime == "message/rfc822":
        return _from_email(data)
    raise ExtractionError(f"cannot read text from content type {mime or '(none)'}")


def storable(value: Any) -> Any:
    """A string (or list of them) with U+FFFD for each character no database stores alike."""
    if isinstance(value, str):
        return _UNSTORABLE.sub("\ufffd", value)
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def page_from_fetch(result: FetchResult) -> tuple[str, dict[str, Any]]:
    """The text and metadata of a fetched body (its sniffed type and declared charset)."""
    return page_from_bytes(result.body, result.content_type, result.final_url, charset=result.charset)


def read_document(
    path: str | Path, *, max_bytes: int | None = None
) -> tuple[bytes, str, str, dict[str, Any]]:
    """A file for `check --file` (.html, .htm, .txt, .eml, .pdf) to (bytes, type, text, metadata)."""
    file = Path(path)
    content_type = SUFFIXES.get(file.suffix.lower())
    if content_type is None:
        raise InputError(
            f"{file}: unsupported file type {file.suffix or '(no suffix)'}; "
            f"expected one of {', '.join(SUFFIXES)}"
        )
    try:
        if max_bytes is not None and file.stat().st_size > max_bytes:
            raise InputError(f"{file}: larger than the limit of {max_bytes} bytes")
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"{file}: cannot read the file: {exc.strerror or exc}") from None
    if not data.strip():
        raise InputError(f"{file}: the file is empty")
    try:
        text, metadata = page_from_bytes(data, content_type)
    except ExtractionError as exc:
        raise InputError(f"{file}: {exc}") from None
    return data, content_type, text, metadata


# --- the kinds of documents ---------------------------------------------------------------------


def _metadata(
    text: str,
    title: str | None = None,
    author: str | None = None,
    published: str | None = None,
    site_name: str | None = None,
    visible_text: str | None = None,
    links: tuple[str, ...] | list[str] = (),
) -> dict[str, Any]:
    return {
        "title": title,
        "author": author,
        "published": published,
        "site_name": site_name,
        "visible_text": text if visible_text is None else visible_text,
        "links": list(links),
    }


def _from_page(page: ExtractedPage) -> tuple[str, dict[str, Any]]:
    """The whole visible page: main text first, then the other visible lines."""
    whole = compose(page.text, page.blocks)
    metadata = _metadata(
        page.text, page.title, page.author, page.published, page.site_name, page.visible_text, page.links
    )
    return whole.text, {**metadata, **whole.metadata()}


def _from_text(decoded: str) -> tuple[str, dict[str, Any]]:
    text = decoded.replace("\r\n", "\n").replace("\r", "\n").strip()
    if not text:
        raise ExtractionError("no text in the document")
    return text, _metadata(text, links=list(dict.fromkeys(_URL.findall(text))))


def _from_pdf(data: bytes) -> tuple[str, dict[str, Any]]:
    """The text of every page, joined by blank lines; ExtractionError if encrypted or broken."""
    try:
        reader = PdfReader(BytesIO(data))
        if reader.is_encrypted and not _decrypted(reader):
            raise ExtractionError("encrypted PDF: its text cannot be read without the password")
        pages = [(page.extract_text() or "").strip() for page in reader.pages]
    except ExtractionError:
        raise
    except Exception as exc:  # pypdf raises many types on broken files: one line is enough
        raise ExtractionError(f"unreadable PDF: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    text = "\n\n".join(page for page in pages if page)
    if not text:
        raise ExtractionError("no text in the PDF (a scanned image?)")
    info = _pdf_info(reader)
    return text, _metadata(
        text, info.get("title"), info.get("author"), info.get("published"), links=_pdf_links(reader)
    )


def _decrypted(reader: PdfReader) -> bool:
    """Whether the PDF opens with an empty user password (an owner password only)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # a missing crypto dependency or an unknown algorithm
        return False


def _pdf_info(reader: PdfReader) -> dict[str, str | None]:
    try:
        info = reader.metadata
        if info is None:
            return {}
        created = info.creation_date
        return {
            "title": _plain(info.title),
            "author": _plain(info.author),
            "published": created.isoformat() if created else None,
        }
    except Exception:  # malformed metadata must not lose the text
        log.debug("unreadable PDF metadata", exc_info=True)
        return {}


def _pdf_links(reader: PdfReader) -> list[str]:
    links: dict[str, None] = {}
    try:
        for page in reader.pages:
            for annotation in page.get("/Annots") or []:
                action = annotation.get_object().get("/A") or {}
                uri = action.get("/URI")
                if isinstance(uri, str | bytes) and str(uri).startswith(("http://", "https://")):
                    links.setdefault(str(uri), None)
    except Exception:  # links are a bonus; a broken annotation must not lose the text
        log.debug("unreadable PDF annotations", exc_info=True)
    return list(links)


def _plain(value: object) -> str | None:
    text = " ".join(str(value).split()) if value else ""
    return text or None


def _from_email(data: bytes) -> tuple[str, dict[str, Any]]:
    """The text and HTML parts of an e-mail, joined; subject, sender and date as metadata."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    texts: list[str] = []
    links: list[str] = []
    for text, part_links in _email_parts(message):
        texts.append(text)
        links.extend(part_links)
    text = "\n\n".join(t for t in texts if t)
    if not text:
        raise ExtractionError("no text part in the e-mail")
    return text, _metadata(
        text,
        _plain(message.get("Subject")),
        _plain(message.get("From")),
        _email_date(message),
        links=list(dict.fromkeys(links)),
    )


def _email_parts(part: Message) -> list[tuple[str, tuple[str, ...]]]:
    """(text, links) of each readable part; of alternatives, the one with the most text."""
    if part.is_multipart():
        children = [child for child in part.get_payload() if isinstance(child, Message)]
        found = [_email_parts(child) for child in children]
        if part.get_content_subtype() == "alternative" and found:
            best = max(found, key=lambda parts: sum(len(text) for text, _ in parts))
            links = tuple(link for parts in found for _, part_links in parts for link in part_links)
            return [(text, links) for text, _ in best]
        return [item for items in found for item in items]
    kind = part.get_content_type()
    is_attachment = isinstance(part, EmailMessage) and part.is_attachment()
    if kind not in ("text/plain", "text/html") or is_attachment:
        return []
    payload = part.get_payload(decode=True)
    data = payload if isinstance(payload, bytes) else b""
    charset = part.get_content_charset()
    if kind == "text/html":
        try:
            page = extract_page(html_text(data, charset))
        except ExtractionError:
            return []
        return [(page.text.strip(), page.links)]
    return [(decode_text(data, charset).replace("\r\n", "\n").strip(), ())]


def _email_date(message: Message) -> str | None:
    raw = message.get("Date")
    if not raw:
        return None
    try:
        return parsedate_to_datetime(str(raw)).isoformat()
    except (TypeError, ValueError):
        return _plain(raw)
