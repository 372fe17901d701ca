"""Tests of compliance.capture.content: content coding, media types, sniffing, BOMs and charsets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.capture.content import (
    codec,
    content_type,
    decode_declared_html,
    decode_html,
    decode_text,
    decode_utf8,
    html_text,
    media_type,
    split_bom,
)
from compliance.errors import FetchError, FetchRefused, InputError

# --- what a fetched body is -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "body", "expected"),
    [
        ("text/html", b"<!DOCTYPE html><html>", "text/html"),
        ("", b"\n  <html lang='fr'>", "text/html"),
        ("text/plain", b"\xef\xbb\xbf<!doctype html>", "text/html"),
        ("text/plain", b"Bonjour", "text/plain"),
        ("application/octet-stream", "Déjà".encode(), "text/plain"),
        ("text/markdown", b"# Titre", "text/plain"),
        ("text/plain", "texte".encode("utf-16"), "text/plain"),
        ("", b"%PDF-1.7\n", "application/pdf"),
        ("text/html", b"%PDF-1.7\n", "application/pdf"),
        ("application/pdf", b"junk before\n%PDF-1.4\n", "application/pdf"),
        ("text/html", b"<p>about the %PDF-1.4 header</p>", "text/html"),
        ("text/html", b"GIF89a\x01\x00", "unsupported content type image/gif (declared text/html)"),
        ("", b"\xff\xd8\xff\xe0", "unsupported content type image/jpeg"),
        ("text/plain", b"PK\x03\x04", "unsupported content type application/zip (declared text/plain)"),
        ("application/json", b"{}", "unsupported content type application/json"),
        ("application/pdf", b"<html>", "unsupported content: declared application/pdf but not a PDF"),
    ],
)
def test_content_type_from_declaration_and_sniffing(declared: str, body: bytes, expected: str) -> None:
    if expected.startswith("unsupported"):
        with pytest.raises(FetchError) as failure:
            content_type(declared, body)
        assert str(failure.value) == expected
    else:
        assert content_type(declared, body) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("text/html; charset=utf-8", ("text/html", "utf-8")),
        ('Text/Plain ; Charset="ISO-8859-1"', ("text/plain", "ISO-8859-1")),
        ("text/plain; format=flowed", ("text/plain", None)),
        ("text/plain; charset=", ("text/plain", None)),
        ("", ("", None)),
    ],
)
def test_media_type(header: str, expected: tuple[str, str | None]) -> None:
    assert media_type(header) == expected


def test_refused_content_is_never_retried() -> None:
    with pytest.raises(FetchRefused):
        content_type("image/png", b"\x89PNG\r\n\x1a\n")


# --- bytes from elsewhere to text -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfabc", ("utf-8", b"abc")),
        (b"\xff\xfea\x00", ("utf-16-le", b"a\x00")),
        (b"\xfe\xff\x00a", ("utf-16-be", b"\x00a")),
        (b"abc", (None, b"abc")),
    ],
)
def test_split_bom(data: bytes, expected: tuple[str | None, bytes]) -> None:
    assert split_bom(data) == expected


@given(
    st.text(min_size=1).filter(lambda s: not s.startswith("\ufeff")),
    st.sampled_from([None, "iso-8859-1", "windows-1256", "utf-8", "koi8-r"]),
)
def test_valid_utf8_always_wins(text: str, declared: str | None) -> None:
    assert decode_text(text.encode("utf-8"), declared) == text


FRENCH = (
    "<p>Le conseil municipal a voté à l’unanimité la rénovation du théâtre. "
    "Les travaux débuteront à l’été ; la saison sera accueillie à la maison de la culture.</p>"
)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        # The header says Latin-1 but the bytes are UTF-8: the bytes win.
        (f'<html><head><meta charset="iso-8859-1"></head><body>{FRENCH}</body></html>'.encode(), FRENCH),
        # The header says UTF-8 but the bytes are windows-1252.
        (f'<html><head><meta charset="utf-8"></head><body>{FRENCH}</body></html>'.encode("cp1252"), FRENCH),
        # A correct legacy declaration is honoured.
        (
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
            f"</head><body>{FRENCH}</body></html>".encode("cp1252"),
            FRENCH,
        ),
        # No declaration, UTF-8 with a BOM.
        (b"\xef\xbb\xbf" + f"<html><body>{FRENCH}</body></html>".encode(), FRENCH),
    ],
)
def test_decode_html(data: bytes, expected: str) -> None:
    text = decode_html(data)
    assert expected in text
    assert not text.startswith("\ufeff")


@given(st.text(st.characters(codec="utf-8"), max_size=200))
def test_utf8_bytes_decode_back_whatever_the_declared_charset(text: str) -> None:
    for charset in ("iso-8859-1", "windows-1252", "utf-8", "nonsense"):
        data = f'<meta charset="{charset}"><p>{text}</p>'.encode()
        assert f"<p>{text}</p>" in decode_html(data)


NOT_CHARSETS = [
    "base64",
    "rot13",
    "rot-13",
    "hex",
    "zlib",
    "bz2",
    "uu",
    "quopri",
    "idna",
    "punycode",
    "undefined",
]


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_codecs_that_are_not_charsets_are_unknown(label: str) -> None:
    """Python knows them, but bytes.decode refuses them (LookupError) or they are Python's own."""
    assert codec(label) is None


@pytest.mark.parametrize(
    ("label", "name"), [("latin1", "cp1252"), ("UTF-16", "utf-16"), ("windows-1256", "cp1256")]
)
def test_charsets_are_codecs(label: str, name: str) -> None:
    assert codec(label) == name


@pytest.mark.parametrize("label", NOT_CHARSETS)
def test_a_declared_codec_that_is_no_charset_is_survived(label: str) -> None:
    """Bytes that are not UTF-8 reach the declared charset: it must be skipped, not raise LookupError."""
    legacy = "Sécheresse à Sétif".encode("cp1252")
    assert decode_text(legacy, label) == "Sécheresse à Sétif"
    assert "Sécheresse à Sétif" in html_text(b"<p>" + legacy + b"</p>", label)
    page = f'<meta charset="{label}"><p>'.encode() + legacy + b"</p>"
    assert decode_html(page).endswith("tif</p>")  # guessed, as without a declaration
    with pytest.raises(InputError, match=r"^not valid UTF-8 at byte"):  # our files: no guess
        decode_declared_html(page)


# --- our own files to text: strict ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "offset", "message"),
    [
        (b"caf\xe9", 0, "not valid UTF-8 at byte 3"),
        (b"\xef\xbb\xbfcaf\xe9", 0, "not valid UTF-8 at byte 6"),
        (b"caf\xe9", 100, "not valid UTF-8 at byte 103"),
    ],
)
def test_decode_utf8_names_the_bad_byte(data: bytes, offset: int, message: str) -> None:
    with pytest.raises(InputError, match=f"^{message}$"):
        decode_utf8(data, offset)


def test_decode_declared_html_honours_a_legacy_meta_and_nothing_else() -> None:
    page = '<meta charset="windows-1252"><p>Café</p>'
    assert decode_declared_html(page.encode("cp1252")) == page
    assert decode_declared_html(b"\xef\xbb\xbf<p>Caf\xc3\xa9</p>") == "<p>Café</p>"
    with pytest.raises(InputError, match=r"^not valid UTF-8 at byte 6$"):  # no <meta>: no guess
        decode_declared_html("<p>Café</p>".encode("cp1252"))
    with pytest.raises(InputError, match=r"^not valid UTF-8 at byte 28$"):  # a wrong <meta> is not obeyed
        decode_declared_html('<meta charset="utf-8"><p>Caf\xe9</p>'.encode("latin-1"))
    with pytest.raises(InputError, match=r"^not valid cp1252 \(its declared charset\) at byte 32$"):
        decode_declared_html('<meta charset="windows-1252"><p>\x81</p>'.encode("latin-1"))
