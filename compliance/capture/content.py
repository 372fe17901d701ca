"""Body bytes in, what they are out: content coding removed, media type, charset, text.

Every rule about what a body or a file is lives here, so that the fetcher, the document readers and
the archive readers agree on BOMs, charsets and binary data:

- `decode_content` removes the HTTP content coding (gzip, deflate) without exceeding a size limit;
- `media_type` splits a Content-Type header; `sniff` and `content_type` tell from the first bytes
  whether a fetched body is HTML, plain text or PDF, and refuse anything else (FetchRefused);
- `decode_text` (plain text), `html_text` (HTML and a header charset) and `decode_html` (HTML
  alone) turn bytes from elsewhere into text with a detection that survives wrong declarations:
  a BOM, then valid UTF-8, then a declared charset that fits the bytes, then a guess;
- `is_binary`, `binary_kind`, `decode_own_text`, `decode_utf8` and `decode_declared_html` are the
  strict rules for our own archive files (UTF-8, or UTF-16 when a BOM says so): they never guess,
  they raise InputError saying which byte is wrong or what the bytes are instead of text.

This is the only module that imports charset_normalizer.
"""

from __future__ import annotations

import codecs
import logging
import re
import zlib
from collections.abc import Sequence

import charset_normalizer

from compliance.errors import FetchError, FetchRefused, InputError

log = logging.getLogger(__name__)

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
BOMS = ((codecs.BOM_UTF8, "utf-8"), *UTF16_BOMS)
UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)  # FF FE 00 00 opens with the UTF-16 LE BOM
SNIFF_BYTES = 8192  # NUL bytes in the first 8 KB mean a binary file
# Legacy charsets of a French- and Arabic-language press, tried before any other guess.
LEGACY_CHARSETS = ["cp1252", "iso8859_15", "cp1256", "iso8859_6"]
# Python codecs that decode bytes to text but are no charset a page or a mail may declare.
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7", "mbcs", "oem"}
)
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"PK\x03\x04", "application/zip"),
    (b"\x1f\x8b", "application/gzip"),
    (b"%!PS", "application/postscript"),
)
_HTML_STARTS = (
    "<!doctype html",
    "<html",
    "<head",
    "<body",
    "<!--",
    "<title",
    "<meta",
    "<div",
    "<p>",
    "<p ",
    "<h1",
    "<script",
    "<table",
    "<?xml",
)


# --- content coding -------------------------------------------------------------------------------


def decode_content(raw: bytes, encoding: str, url: str, limit: int) -> bytes:
    """The body without its Content-Encoding (gzip, deflate), never more than `limit` bytes."""
    data = raw
    for coding in reversed([c.strip().lower() for c in encoding.split(",") if c.strip()]):
        if coding == "identity":
            continue
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise FetchRefused(f"unsupported content encoding {coding} from {url}")
        data = _decompress(data, coding, url, limit)
        if len(data) > limit:
            raise FetchRefused(f"{url} is too large once decompressed: more than {limit} bytes")
    return data


def _decompress(data: bytes, coding: str, url: str, limit: int) -> bytes:
    """At most `limit` + 1 bytes of the decompressed data, or FetchError if corrupt."""
    # 47: a gzip or zlib header, detected; deflate is sometimes sent raw (-15).
    for wbits in (47, -15) if coding == "deflate" else (47,):
        try:
            return zlib.decompressobj(wbits).decompress(data, limit + 1)
        except zlib.error:
            continue
    # The server sent what it meant to: fetching again would bring the same broken body.
    raise FetchError(f"corrupt {coding} body from {url}")


# --- media types ----------------------------------------------------------------------------------


def media_type(header: str) -> tuple[str, str | None]:
    """A Content-Type value to (media type in lower case, charset parameter or None)."""
    mime, *params = header.split(";")
    charset = None
    for param in params:
        name, _, value = param.partition("=")
        value = value.strip().strip("\"'")
        if name.strip().lower() == "charset" and value:
            charset = value
    return mime.strip().lower(), charset


def content_type(declared: str, body: bytes) -> str:
    """The body's type from the declared one and its first bytes: HTML, text or PDF, or FetchRefused."""
    sniffed = sniff(body[:1024])
    if sniffed == "application/pdf" or (
        declared in ("application/pdf", "application/octet-stream", "") and b"%PDF-" in body[:1024]
    ):  # PDF allows junk before its header
        return "application/pdf"
    if sniffed is not None and sniffed != "text/html":
        also = f" (declared {declared})" if declared and declared != sniffed else ""
        raise FetchRefused(f"unsupported content type {sniffed}{also}")
    if declared == "application/pdf":
        raise FetchRefused("unsupported content: declared application/pdf but not a PDF")
    if declared in ("text/html", "application/xhtml+xml") or sniffed == "text/html":
        return "text/html"
    if declared.startswith("text/") or declared in ("", "application/octet-stream"):
        return "text/plain"
    raise FetchRefused(f"unsupported content type {declared}")


def sniff(head: bytes) -> str | None:
    """What the first bytes say: PDF, HTML, an image or another binary type, or None (text)."""
    if head.lstrip().startswith(b"%PDF-"):
        return "application/pdf"
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    codec_of_bom, text = split_bom(head)
    if codec_of_bom is None and is_binary(head):  # UTF-16 text is full of NUL bytes
        return "application/octet-stream"
    start = text.decode(codec_of_bom or "latin-1", errors="ignore").lstrip().lower()
    return "text/html" if start.startswith(_HTML_STARTS) else None


def is_binary(head: bytes) -> bool:
    """Whether the data is binary: a NUL byte among its first SNIFF_BYTES."""
    return b"\0" in head[:SNIFF_BYTES]


def utf16_codec(data: bytes) -> str | None:
    """The UTF-16 codec a leading BOM names ("utf-16-le" or "utf-16-be"), or None."""
    if data.startswith(UTF32_BOMS):
        return None
    return next((name for bom, name in UTF16_BOMS if data.startswith(bom)), None)


def binary_kind(data: bytes) -> str | None:
    """Why the data of one of our files is not text, in words; None when it is text.

    Text is UTF-8, or UTF-16 with a BOM (Windows tools write it). Without a BOM, UTF-16 is full of
    NUL bytes like any binary file: the message tells it apart, so the user knows what to fix.
    """
    head = data[:SNIFF_BYTES]
    if utf16_codec(head) or not is_binary(head):
        return None
    if head.startswith(UTF32_BOMS):
        return "UTF-32 text, not supported: save it as UTF-8"
    if _utf16_without_bom(head):
        return "UTF-16 text without a byte-order mark: save it as UTF-8, or as UTF-16 with a BOM"
    kind = sniff(head)
    if kind in (None, "application/octet-stream"):
        return "binary file, not text"
    return f"binary file ({kind}), not text"


def _utf16_without_bom(head: bytes) -> bool:
    """Whether the bytes read as UTF-16 of mostly Latin text: a NUL in every other byte, no other."""
    even, odd = head[0::2], head[1::2]
    for nuls, other in ((odd, even), (even, odd)):  # little-endian, then big-endian
        if nuls.count(0) >= 0.9 * len(nuls) and other.count(0) == 0:
            return True
    return False


# --- charsets -------------------------------------------------------------------------------------


def split_bom(data: bytes) -> tuple[str | None, bytes]:
    """(the codec a leading BOM names, the bytes after it), or (None, data) without a BOM."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return encoding, data[len(bom) :]
    return None, data


def codec(label: str | None) -> str | None:
    """A charset label as a Python codec name, None if unknown or not a charset; Latin-1 and
    ASCII read as windows-1252, as browsers do."""
    if not label:
        return None
    try:
        info = codecs.lookup(label.strip())
    except LookupError:
        return None
    # A server may declare any label: base64, rot13, zlib… are codecs but not charsets (decoding
    # bytes with them raises LookupError), and idna, punycode, undefined… are Python's own.
    if info.name in _NOT_CHARSETS:
        return None
    try:
        b"x".decode(info.name)  # not b"": Python decodes no bytes without asking the codec
    except LookupError:
        return None
    except UnicodeError:
        pass  # a charset all the same (UTF-16 needs two bytes)
    return "cp1252" if info.name in ("latin-1", "iso8859-1", "ascii") else info.name


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a <meta> of its first 4 KB, as a Python codec name."""
    found = _META_CHARSET.search(data[:4096])
    name = codec(found.group(1).decode("ascii")) if found else None
    if name and name.startswith(("utf-16", "utf-32")):  # an ASCII-readable <meta> cannot be UTF-16
        return "utf-8"
    return name


def try_decode(data: bytes, encoding: str) -> str | None:
    """`data` decoded strictly, or None when the bytes do not fit `encoding`."""
    try:
        return data.decode(encoding)
    except UnicodeError:  # UnicodeDecodeError, or a codec's own complaint (idna, punycode)
        return None


# --- bytes from elsewhere to text: detect, never fail ---------------------------------------------


def decode_text(data: bytes, declared: str | None = None) -> str:
    """Bytes to text: BOM, UTF-8 if valid, the declared charset if the bytes fit, then a guess."""
    codec_of_bom, rest = split_bom(data)
    if codec_of_bom:
        return rest.decode(codec_of_bom, errors="replace")
    # Valid UTF-8 with non-ASCII bytes is almost never legacy text: a declaration saying
    # otherwise is wrong.
    for encoding in ("utf-8", codec(declared)):
        if encoding and (text := try_decode(data, encoding)) is not None:
            return text
    return guess_text(data)


def html_text(data: bytes, declared: str | None = None) -> str:
    """HTML bytes to text: BOM, valid UTF-8, the header charset if it fits, <meta>, a guess."""
    if split_bom(data)[0] or try_decode(data, "utf-8") is not None:
        return decode_html(data)
    header_codec = codec(declared)
    if header_codec:
        text = try_decode(data, header_codec)
        if text is not None:
            return text
        log.debug("declared charset %s does not fit the page", declared)
    if declared_charset(data):
        return decode_html(data)
    return guess_text(data)


def decode_html(data: bytes) -> str:
    """HTML bytes to text: BOM, then the <meta> charset if it fits, then UTF-8, then a guess."""
    codec_of_bom, rest = split_bom(data)
    if codec_of_bom:
        return rest.decode(codec_of_bom, errors="replace")
    utf8 = try_decode(data, "utf-8")
    declared = declared_charset(data)
    # Valid UTF-8 with non-ASCII bytes is almost never legacy text: such a declaration is wrong.
    if declared and (declared == "utf-8" or utf8 is None or data.isascii()):
        text = try_decode(data, declared)
        if text is not None:
            return text
        log.debug("declared charset %s does not fit the bytes", declared)
    if utf8 is not None:
        return utf8
    return _guess(data, [None])


def guess_text(data: bytes) -> str:
    """Undeclared legacy bytes to text, trying the publisher's languages' charsets first."""
    # Unrestricted, charset_normalizer reads short Latin-1 French as cp1257 or cp037.
    return _guess(data, [LEGACY_CHARSETS, None])


def _guess(data: bytes, isolations: Sequence[list[str] | None]) -> str:
    """charset_normalizer's best reading, trying each set of charsets in turn (None: any)."""
    for isolation in isolations:
        best = charset_normalizer.from_bytes(data, cp_isolation=isolation).best()
        if best is not None:
            return str(best)
    return data.decode("utf-8", errors="replace")


# --- our own files to text: strict, never guess ---------------------------------------------------


def decode_utf8(data: bytes, offset: int = 0) -> str:
    """UTF-8 bytes to text, a leading BOM dropped; InputError naming the first bad byte
    (`offset` places it in the file)."""
    skip = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    try:
        return data[skip:].decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 at byte {offset + skip + exc.start}") from None


def decode_own_text(data: bytes, offset: int = 0) -> str:
    """Our own file's bytes to text: UTF-16 when a BOM says so, else UTF-8 (a BOM dropped);
    InputError naming the first bad byte (`offset` places it in the file)."""
    name = utf16_codec(data)
    if name is None:
        return decode_utf8(data, offset)
    try:
        return data[2:].decode(name)
    except UnicodeDecodeError as exc:
        at = offset + 2 + exc.start
        raise InputError(f"not valid UTF-16 at byte {at}, though it starts with a UTF-16 BOM") from None


def decode_declared_html(data: bytes) -> str:
    """UTF-16 with a BOM, UTF-8, or the legacy charset the page's <meta> declares (older pages of
    ours); else InputError."""
    if utf16_codec(data):
        return decode_own_text(data)
    try:
        return decode_utf8(data)
    except InputError:
        charset = declared_charset(data)
        if charset is None or charset == "utf-8":
            raise
    try:
        return data.decode(charset)
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid {charset} (its declared charset) at byte {exc.start}") from None
