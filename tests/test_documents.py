"""Tests of compliance.capture.documents: submitted files and fetched bodies to text and metadata."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from io import BytesIO
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from sites import COPY_SENTENCE, FIXTURES, LATIN1_TEXT, PDF_LINK, NetworkGuard, guarded, make_pdf, make_png

from compliance.capture.documents import page_from_bytes, read_document
from compliance.errors import ExtractionError, InputError

ARABIC = "الجفاف يهدد محصول القمح في الهضاب العليا والفلاحون يطالبون بتأجيل سداد القروض"


@pytest.fixture(autouse=True)
def guard(monkeypatch: pytest.MonkeyPatch) -> Iterator[NetworkGuard]:
    with guarded(monkeypatch) as network:
        yield network


MIXED_EML = b"""\
From: =?utf-8?q?Revue_de_presse_R=C3=A9gionale?= <veille@relais.example>
To: abonnes@relais.example
Subject: =?iso-8859-1?q?S=E9cheresse_dans_les_Hauts_Plateaux?=
Date: Tue, 12 Mar 2024 08:30:00 +0100
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="XX"

--XX
Content-Type: text/plain; charset=iso-8859-1
Content-Transfer-Encoding: quoted-printable

Bonjour,=0A=0ALes c=E9r=E9aliers des Hauts Plateaux redoutent une r=E9colte perdue.
--XX
Content-Type: text/html; charset=utf-8

<html><body><article><h1>Revue</h1><p>Faute de pluie depuis la mi-janvier, les jeunes pousses \
de bl\xc3\xa9 dur jaunissent avant m\xc3\xaame d\xe2\x80\x99avoir atteint la montaison, et beaucoup \
redoutent d\xc3\xa9j\xc3\xa0 une campagne difficile.</p>\
<p><a href="https://journal.example/economie/secheresse">Lire l'article</a></p></article>\
</body></html>
--XX
Content-Type: text/plain; charset=utf-8
Content-Disposition: attachment; filename="notes.txt"

Pi\xc3\xa8ce jointe \xc3\xa0 ignorer.
--XX--
"""


def test_eml_joins_text_and_html_parts(tmp_path: Path) -> None:
    path = tmp_path / "revue.eml"
    path.write_bytes(MIXED_EML)
    data, content_type, text, metadata = read_document(path)
    assert data == MIXED_EML and content_type == "message/rfc822"
    parts = text.split("\n\n")
    assert parts[:2] == ["Bonjour,", "Les céréaliers des Hauts Plateaux redoutent une récolte perdue."]
    assert "Faute de pluie depuis la mi-janvier, les jeunes pousses de blé dur" in parts[2]
    assert len(parts) == 3
    assert "Pièce jointe" not in text
    assert metadata["title"] == "Sécheresse dans les Hauts Plateaux"
    assert metadata["author"] == "Revue de presse Régionale <veille@relais.example>"
    assert metadata["published"] == "2024-03-12T08:30:00+01:00"
    assert metadata["links"] == ["https://journal.example/economie/secheresse"]


def test_eml_alternatives_are_read_once(tmp_path: Path) -> None:
    message = EmailMessage()
    message["Subject"] = "Alerte"
    message["From"] = "veille@relais.example"
    message.set_content(f"{COPY_SENTENCE}.\n")
    message.add_alternative(
        f"<html><body><p>{COPY_SENTENCE}.</p><a href='{PDF_LINK}'>source</a></body></html>", subtype="html"
    )
    path = tmp_path / "alerte.eml"
    path.write_bytes(message.as_bytes())
    _, _, text, metadata = read_document(path)
    assert text.count(COPY_SENTENCE) == 1
    assert metadata["links"] == [PDF_LINK]  # taken from the HTML alternative all the same
    assert metadata["published"] is None


def test_pdf_pages_are_joined_by_blank_lines(tmp_path: Path) -> None:
    writer = PdfWriter()
    for lines in (("Première page.",), ("Deuxième page.",)):
        writer.add_page(PdfReader(BytesIO(make_pdf(lines, link=None))).pages[0])
    buffer = BytesIO()
    writer.write(buffer)
    path = tmp_path / "deux.PDF"
    path.write_bytes(buffer.getvalue())
    _, content_type, text, _ = read_document(path)
    assert content_type == "application/pdf"
    assert text == "Première page.\n\nDeuxième page."


def test_pdf_text_and_metadata() -> None:
    text, metadata = page_from_bytes((FIXTURES / "doc.pdf").read_bytes(), "application/pdf")
    assert text.splitlines()[-1] == (
        "Faute de pluie depuis la mi-janvier, les jeunes pousses de blé dur jaunissent."
    )
    assert metadata["title"] == "Revue de presse" and metadata["author"] == "Le Relais Info"
    assert metadata["published"] == "2024-03-12T10:15:00+00:00"
    assert metadata["links"] == [PDF_LINK] and metadata["visible_text"] == text


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(BytesIO(make_pdf())))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_encrypted_pdf_is_an_extraction_error(tmp_path: Path) -> None:
    with pytest.raises(ExtractionError, match=r"^encrypted PDF"):
        page_from_bytes(encrypted_pdf("secret"), "application/pdf")
    path = tmp_path / "protégé.pdf"
    path.write_bytes(encrypted_pdf("secret"))
    with pytest.raises(InputError, match=r"protégé\.pdf: encrypted PDF"):
        read_document(path)


def test_pdf_with_an_owner_password_only_is_read() -> None:
    text, _ = page_from_bytes(encrypted_pdf(""), "application/pdf")
    assert "Revue de presse du 12 mars 2024" in text


@pytest.mark.parametrize("data", [b"%PDF-1.4\ngarbage", make_pdf()[:400], b"%PDF-"])
def test_broken_pdf_is_one_line(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "cassé.pdf"
    path.write_bytes(data)
    with pytest.raises(InputError) as failure:
        read_document(path)
    message = str(failure.value)
    assert message.startswith(f"{path}: ") and "\n" not in message
    assert "PDF" in message


def test_latin1_text_file(tmp_path: Path) -> None:
    path = tmp_path / "copie.txt"
    path.write_bytes(LATIN1_TEXT.encode("iso-8859-1"))
    _, content_type, text, metadata = read_document(path)
    assert content_type == "text/plain"
    assert text == LATIN1_TEXT
    assert metadata["visible_text"] == text and metadata["title"] is None


def test_text_with_bom_crlf_and_links(tmp_path: Path) -> None:
    path = tmp_path / "copie.txt"
    path.write_bytes(b"\xef\xbb\xbfLigne un\r\nSource : https://journal.example/a?b=1.\r\n")
    _, _, text, metadata = read_document(path)
    assert text == "Ligne un\nSource : https://journal.example/a?b=1."
    assert metadata["links"] == ["https://journal.example/a?b=1"]


def test_html_file(tmp_path: Path) -> None:
    path = tmp_path / "copie.HTM"
    path.write_bytes((FIXTURES / "copy.html").read_bytes())
    _, content_type, text, metadata = read_document(path)
    assert content_type == "text/html" and COPY_SENTENCE in text
    assert metadata["title"].startswith("Sécheresse : les céréaliers")


@pytest.mark.parametrize("content", [b"", b"  \n\t\r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "vide.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}: the file is empty$"):
        read_document(path)


@pytest.mark.parametrize("name", ["copie.docx", "copie", "copie.html.gz"])
def test_unknown_suffix(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"texte")
    with pytest.raises(InputError, match=rf"^{re.escape(str(path))}: unsupported file type"):
        read_document(path)


def test_missing_file_and_size_limit(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"absent\.txt: cannot read the file"):
        read_document(tmp_path / "absent.txt")
    path = tmp_path / "gros.txt"
    path.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match=r"gros\.txt: larger than the limit of 100 bytes"):
        read_document(path, max_bytes=100)
    assert read_document(path, max_bytes=101)[2] == "x" * 101


# --- decoding -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "content_type", "expected"),
    [
        (LATIN1_TEXT.encode("latin-1"), "text/plain; charset=utf-8", LATIN1_TEXT),
        (LATIN1_TEXT.encode("utf-8"), "text/plain; charset=ISO-8859-1", LATIN1_TEXT),
        (LATIN1_TEXT.encode("latin-1"), "text/plain", LATIN1_TEXT),
        ("« l’œuvre » – 5 €".encode("cp1252"), 'text/plain; charset="iso-8859-1"', "« l’œuvre » – 5 €"),
        (ARABIC.encode("cp1256"), "text/plain; charset=windows-1256", ARABIC),
        (ARABIC.encode("cp1256"), "text/plain", ARABIC),
        (ARABIC.encode("utf-16"), "text/plain; charset=utf-8", ARABIC),
        (LATIN1_TEXT.encode("latin-1"), "text/plain; charset=no-such-charset", LATIN1_TEXT),
    ],
)
def test_text_charsets(data: bytes, content_type: str, expected: str) -> None:
    assert page_from_bytes(data, content_type)[0] == expected


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/html"])
def test_html_with_a_wrong_or_missing_charset(content_type: str) -> None:
    html = f"<html><body><article><p>{LATIN1_TEXT}</p></article></body></html>"
    text, _ = page_from_bytes(html.encode("latin-1"), content_type)
    assert text == LATIN1_TEXT


def test_html_header_charset_wins_over_meta_when_it_fits() -> None:
    html = f'<html><head><meta charset="koi8-r"></head><body><p>{LATIN1_TEXT}</p></body></html>'
    text, _ = page_from_bytes(html.encode("latin-1"), "text/html; charset=iso-8859-1")
    assert text == LATIN1_TEXT


def test_unsupported_type_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError, match="cannot read text from content type image/png"):
        page_from_bytes(b"\x89PNG", "image/png")


def test_binary_fixtures_are_what_their_generators_make() -> None:
    assert (FIXTURES / "doc.pdf").read_bytes() == make_pdf()
    assert (FIXTURES / "image.png").read_bytes() == make_png()
