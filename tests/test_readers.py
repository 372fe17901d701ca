import io
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance.errors import InputError, RecordError
from compliance.ingest.readers import read_paths, read_text
from compliance.records import ArticleInput
from compliance.settings import Settings

HTML = Path(__file__).resolve().parent.parent / "fixtures" / "archive" / "html"
MB = 1024 * 1024
BODY = "Le conseil municipal a adopté le budget.\n\nLa séance a duré quatre heures."


def _line(**fields: Any) -> str:
    record = {"url": "https://www.gazette-littoral.example/a/1.html", "body": BODY}
    record.update(fields)
    return json.dumps({k: v for k, v in record.items() if v is not ...}, ensure_ascii=False)


GOOD = _line()


def _outcomes(items: list[ArticleInput | RecordError]) -> list[Any]:
    """ "ok" for a record, (reason, line) for an error."""
    return ["ok" if isinstance(item, ArticleInput) else (item.reason, item.line) for item in items]


def _read(path: Path, **settings: Any) -> list[ArticleInput | RecordError]:
    return list(read_paths([path], Settings(**settings)))


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("empty.txt", b"", [("empty file", None)]),
        ("empty.jsonl", b"", [("empty file", None)]),
        ("blank.json", b"  \n\t\r\n ", [("empty file", None)]),
        ("blank.jsonl", b"\n  \n\r\n", [("empty file", None)]),
        ("blank.html", b" \n ", [("empty file", None)]),
        ("latin1.txt", "Titre\n\nCafé crème".encode("latin-1"), [("not valid UTF-8 at byte 10", None)]),
        (
            "latin1.json",
            '{"url": "u", "body": "é"}'.encode("latin-1"),
            [("not valid UTF-8 at byte 22", None)],
        ),
        (
            "latin1.jsonl",
            (GOOD + "\n").encode() + '{"url": "u", "body": "é"}\n'.encode("latin-1"),
            ["ok", (f"not valid UTF-8 at byte {len(GOOD.encode()) + 1 + 22}", 2)],
        ),
        ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", [("binary file (image/png), not text", None)]),
        ("image.html", b"GIF89a\x00\x01", [("binary file (image/gif), not text", None)]),
        ("image.jsonl", b"GIF89a\x00\x01\n" + GOOD.encode(), [("binary file (image/gif), not text", None)]),
        (
            "zero-tail.jsonl",  # a crash left zeros after the last line written
            GOOD.encode() + b"\n" + GOOD.encode() + b"\n\x00\x00\x00",
            ["ok", "ok", (f"binary data, not text: a NUL byte at byte {2 * len(GOOD.encode()) + 2}", 3)],
        ),
        (
            "no-body.jsonl",
            f"{GOOD}\n{_line(body=...)}\n\n{GOOD}\n".encode(),
            ["ok", ("missing required field 'body'", 2), "ok"],
        ),
        (
            "bad-json.jsonl",
            f'{GOOD}\n{{"url": "u", "body": \n{GOOD}\n'.encode(),
            ["ok", ("invalid JSON: Expecting value at column 22", 2), "ok"],
        ),
        ("not-object.jsonl", f"[{GOOD}]\n".encode(), [("expected a JSON object, got array", 1)]),
        ("empty-url.jsonl", _line(url=" ").encode(), [("field 'url' must be a non-empty string", 1)]),
        ("blank-body.jsonl", _line(body="\n\n").encode(), [("field 'body' must be a non-empty string", 1)]),
        (
            "paywalled.jsonl",
            _line(paywalled="oui").encode(),
            [("field 'paywalled' must be true or false, got string", 1)],
        ),
        ("title.jsonl", _line(title=12).encode(), [("field 'title' must be a string, got number", 1)]),
        (
            "date.jsonl",
            _line(published_at="24/11/2021").encode(),
            [("field 'published_at' is not an ISO 8601 date: '24/11/2021'", 1)],
        ),
        (
            "date-type.jsonl",
            _line(updated_at=1637750220).encode(),
            [("field 'updated_at' must be an ISO 8601 string, got number", 1)],
        ),
        ("scalar.json", b"42", [("expected a JSON object or a list of objects, got number", None)]),
        (
            "broken.json",
            b'{"url": "u",\n "body": }',
            [("invalid JSON at line 2 column 10: Expecting value", None)],
        ),
        (
            "no-url.html",
            b"<html><body><article><h1>T</h1><p>Du texte.</p></article></body></html>",
            [("no URL found: the page has no canonical link or og:url", None)],
        ),
        (
            "chrome-only.html",
            b'<html><head><link rel="canonical" href="https://x.example/"></head></html>',
            [("no article text found", None)],
        ),
    ],
)
def test_bad_input_becomes_record_errors(
    tmp_path: Path, name: str, content: bytes, expected: list[Any]
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    items = _read(path)
    assert _outcomes(items) == expected
    assert all(item.source == str(path) for item in items if isinstance(item, RecordError))


@pytest.mark.parametrize("name", ["big.txt", "big.json", "big.html"])
def test_file_over_the_limit(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"x" * 101)
    assert _outcomes(_read(path, max_input_bytes=100)) == [("file is larger than the 100-byte limit", None)]
    path.write_bytes(b"x" * 100)
    assert _outcomes(_read(path, max_input_bytes=100)) != [("file is larger than the 100-byte limit", None)]


def test_50_mb_file_is_refused_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "archive.txt"
    with path.open("wb") as handle:
        handle.truncate(50 * MB)  # sparse: 50 MB on paper, nothing on disk
    opened: list[Path] = []
    real_open = Path.open

    def watched_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        opened.append(self)
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", watched_open)
    assert _outcomes(_read(path)) == [("file is larger than the 10 MB limit", None)]
    assert opened == []


def test_jsonl_line_over_the_limit_is_skipped_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "big.jsonl"
    with path.open("wb") as handle:
        handle.write(GOOD.encode() + b"\n")
        for _ in range(50):  # one 50 MB line, written in 1 MB pieces
            handle.write(b"a" * MB)
        handle.write(b"\n" + GOOD.encode() + b"\n")
    assert _outcomes(_read(path)) == ["ok", ("line is larger than the 10 MB limit", 2), "ok"]


def test_jsonl_line_limit_counts_content_not_line_end(tmp_path: Path) -> None:
    line = _line(body="x" * 50).encode()
    path = tmp_path / "edge.jsonl"
    path.write_bytes(line + b"\r\n" + line + b"x\r\n" + line + b"\n")
    assert _outcomes(_read(path, max_input_bytes=len(line))) == [
        "ok",
        (f"line is larger than the {len(line)}-byte limit", 2),
        "ok",
    ]


def test_jsonl_fields(tmp_path: Path) -> None:
    path = tmp_path / "articles.jsonl"
    path.write_text(
        _line(
            title="Budget voté",
            published_at="2021-11-24T11:37:00+01:00",
            updated_at="2021-11-24T12:03:00Z",
            author="Samia Benali",
            section="Société",
            language="fr",
            rights_notice="© La Gazette du Littoral. Tous droits réservés.",
            paywalled=True,
            tags=["ignoré"],
        )
        + "\n",
        encoding="utf-8",
    )
    (article,) = _read(path)
    assert article == ArticleInput(
        url="https://www.gazette-littoral.example/a/1.html",
        body=BODY,
        title="Budget voté",
        published_at=datetime(2021, 11, 24, 10, 37, tzinfo=UTC),
        updated_at=datetime(2021, 11, 24, 12, 3, tzinfo=UTC),
        author="Samia Benali",
        section="Société",
        language="fr",
        rights_notice="© La Gazette du Littoral. Tous droits réservés.",
        paywalled=True,
    )


def test_naive_dates_are_publisher_local_time(tmp_path: Path) -> None:
    path = tmp_path / "a.json"
    path.write_text(_line(published_at="2021-11-24T11:37", updated_at="2021-11-25"), encoding="utf-8")
    (article,) = _read(path, publisher_timezone="Europe/Paris")
    assert isinstance(article, ArticleInput)
    assert article.published_at == datetime(2021, 11, 24, 11, 37, tzinfo=ZoneInfo("Europe/Paris"))
    assert article.updated_at == datetime(2021, 11, 25, tzinfo=ZoneInfo("Europe/Paris"))


def test_json_list_errors_carry_the_index(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    records = [json.loads(GOOD), {"body": BODY}, "texte", json.loads(_line(url="https://x.example/2"))]
    path.write_text(json.dumps(records), encoding="utf-8")
    items = _read(path)
    assert _outcomes(items) == [
        "ok",
        ("missing required field 'url'", 2),
        ("expected a JSON object, got string", 3),
        "ok",
    ]
    assert isinstance(items[3], ArticleInput) and items[3].url == "https://x.example/2"


def test_bom_is_dropped(tmp_path: Path) -> None:
    bom = b"\xef\xbb\xbf"
    (tmp_path / "a.jsonl").write_bytes(bom + GOOD.encode() + b"\n" + GOOD.encode())
    (tmp_path / "b.json").write_bytes(bom + GOOD.encode())
    (tmp_path / "c.txt").write_bytes(bom + b"Titre\n\nCorps du texte.")
    items = list(read_paths([tmp_path]))
    assert _outcomes(items) == ["ok"] * 4
    assert [item.body for item in items if isinstance(item, ArticleInput)] == [BODY] * 3 + ["Corps du texte."]
    assert isinstance(items[3], ArticleInput) and items[3].title == "Titre"


@pytest.mark.parametrize(
    ("text", "title", "body"),
    [
        ("Titre\n\nCorps.\n", "Titre", "Corps.\n"),
        ("Titre\r\n\r\nPremier.\r\n\r\nSecond.\r\n", "Titre", "Premier.\r\n\r\nSecond.\r\n"),
        ("  Titre  \n \t \n\nCorps.", "Titre", "Corps."),
        ("Titre\nCorps sans ligne blanche.", None, "Titre\nCorps sans ligne blanche."),
        ("T" * 200 + "\n\nCorps.", None, "T" * 200 + "\n\nCorps."),
        ("T" * 199 + "\n\nCorps.", "T" * 199, "Corps."),
        ("\n\nCorps après des lignes blanches.", None, "\n\nCorps après des lignes blanches."),
        ("Seulement un titre\n\n", None, "Seulement un titre\n\n"),
        ("Une seule ligne", None, "Une seule ligne"),
    ],
)
def test_txt_title_rule(tmp_path: Path, text: str, title: str | None, body: str) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(text.encode("utf-8"))
    (article,) = _read(path)
    assert isinstance(article, ArticleInput)
    assert (article.title, article.body) == (title, body)
    assert article.url == path.resolve().as_uri() and article.url.startswith("file:///")


def test_crlf_bodies_are_kept_byte_for_byte(tmp_path: Path) -> None:
    body = "Premier paragraphe,\r\nsur deux lignes.\r\n\r\nSecond\u00a0: «\u202fcité\u202f».\r\n"
    (tmp_path / "a.txt").write_bytes(body.encode())
    (tmp_path / "b.jsonl").write_bytes((_line(body=body) + "\r\n").encode() * 2)
    items = list(read_paths([tmp_path]))
    assert [item.body for item in items if isinstance(item, ArticleInput)] == [body] * 3


def test_folder_with_one_bad_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.jsonl").write_text(GOOD + "\n" + _line(url="https://x.example/2"), encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xfa broken")
    (tmp_path / "c.JSON").write_text(_line(url="https://x.example/3"), encoding="utf-8")
    (tmp_path / "notes.md").write_text("# pas un article", encoding="utf-8")
    (tmp_path / "sub" / "d.txt").write_text("Titre\n\nCorps.", encoding="utf-8")
    with caplog.at_level("DEBUG", logger="compliance.ingest.readers"):
        items = list(read_paths([str(tmp_path)]))
    assert _outcomes(items) == ["ok", "ok", ("not valid UTF-8 at byte 0", None), "ok", "ok"]
    assert isinstance(items[2], RecordError) and items[2].source == str(tmp_path / "b.txt")
    assert [item.url for item in items if isinstance(item, ArticleInput)][2:] == [
        "https://x.example/3",
        (tmp_path / "sub" / "d.txt").resolve().as_uri(),
    ]
    assert "notes.md" in caplog.text


def test_fixture_pages_are_read_with_the_publisher_timezone() -> None:
    items = list(read_paths([HTML], Settings(publisher_timezone="Europe/Paris")))
    assert [type(item) for item in items] == [ArticleInput] * 3
    articles = [item for item in items if isinstance(item, ArticleInput)]
    assert len(articles) == 3
    assert articles[1].published_at == datetime(2021, 11, 24, 11, 37, tzinfo=ZoneInfo("Europe/Paris"))
    assert all("Reproduction et diffusion interdites" in (a.rights_notice or "") for a in articles)


def test_html_in_a_declared_legacy_charset(tmp_path: Path) -> None:
    html = (
        '<html><head><meta charset="windows-1252"><link rel="canonical" href="https://x.example/a">'
        "</head><body><article><h1>Été</h1><div class='article__body'><p>Café crème à l’étage.</p>"
        "</div></article></body></html>"
    )
    path = tmp_path / "ancienne.htm"
    path.write_bytes(html.encode("cp1252"))
    (article,) = _read(path)
    assert isinstance(article, ArticleInput)
    assert (article.title, article.body) == ("Été", "Café crème à l’étage.")


def test_explicit_unknown_suffix_and_missing_path(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# notes", encoding="utf-8")
    items = list(read_paths([tmp_path / "notes.md", tmp_path / "absent.jsonl", tmp_path / "x"]))
    errors = [item for item in items if isinstance(item, RecordError)]
    assert [(error.reason.split(",")[0], error.source) for error in errors] == [
        ("unsupported file type '.md'", str(tmp_path / "notes.md")),
        ("no such file or directory", str(tmp_path / "absent.jsonl")),
        ("no such file or directory", str(tmp_path / "x")),
    ]


def test_read_paths_is_lazy(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(GOOD + "\n", encoding="utf-8")
    items = read_paths([path])
    with path.open("a", encoding="utf-8") as handle:  # written after the call, read on iteration
        handle.write(_line(url="https://x.example/2") + "\n")
    assert [item.url for item in items if isinstance(item, ArticleInput)] == [
        "https://www.gazette-littoral.example/a/1.html",
        "https://x.example/2",
    ]


# --- read_text ---------------------------------------------------------------------------------


def test_read_text_returns_the_text_as_decoded(tmp_path: Path) -> None:
    text = "Titre\r\n\r\nL’\u00a0«\u202fcité\u202f»  deux  espaces\tet\u200bzéro.\n"
    path = tmp_path / "page.txt"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert read_text(path) == text
    assert read_text(str(path)) == text


def test_read_text_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO("Texte collé.\r\n".encode())))
    assert read_text("-") == "Texte collé.\r\n"


def test_read_text_from_stdin_errors_name_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"\xe9t\xe9")))
    with pytest.raises(InputError, match=r"^stdin: not valid UTF-8 at byte 0$"):
        read_text("-")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b" \r\n\t", "empty file"),
        (b"caf\xe9", "not valid UTF-8 at byte 3"),
        (b"\xef\xbb\xbfcaf\xe9", "not valid UTF-8 at byte 6"),
        (b"%PDF-1.7\n\x00\x01", "binary file (application/pdf), not text"),
        (b"x" * 101, "file is larger than the 100-byte limit"),
    ],
)
def test_read_text_errors(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "page.txt"
    path.write_bytes(content)
    with pytest.raises(InputError) as caught:
        read_text(path, Settings(max_input_bytes=100))
    assert str(caught.value) == f"{path}: {reason}"
    assert not isinstance(caught.value, RecordError)


@pytest.mark.parametrize("name", ["absent.txt", "."])
def test_read_text_missing_or_folder(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    with pytest.raises(InputError, match=r"no such file or directory|not a regular file"):
        read_text(path)


def test_unicode_spaces_only_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "nbsp.txt"
    path.write_bytes(b"\xef\xbb\xbf" + "\u00a0\u3000\n".encode())
    assert _outcomes(_read(path)) == [("empty file", None)]
    with pytest.raises(InputError, match=r"empty file$"):
        read_text(path)


def test_a_single_path_is_not_split_into_characters(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(GOOD, encoding="utf-8")
    assert _outcomes(list(read_paths(str(path)))) == ["ok"]


# --- limits: one hostile record is refused alone, with its reason ------------------------------


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (
            {"published_at": "0001-01-01T00:00:00"},
            "field 'published_at' is out of range: 0001-01-01T00:00:00",
        ),
        ({"published_at": "0001-01-01T00:30:00+01:00"}, "field 'published_at' is out of range"),
        ({"updated_at": "9999-12-31T23:59:59-12:00"}, "field 'updated_at' is out of range"),
        ({"published_at": "1799-12-31T23:59:59Z"}, "field 'published_at' is out of range"),
        ({"published_at": "2200-01-01T01:00:00+01:00"}, "field 'published_at' is out of range"),
        ({"body": "a\u0000b"}, "field 'body' contains a NUL character at character 1"),
        (
            {"rights_notice": "©\udc00"},
            "field 'rights_notice' contains a lone surrogate (U+DC00) at character 1",
        ),
        ({"body": "… — !? « » ¶ 🙂\u200b\u00ad"}, "body has no words to fingerprint"),
        ({"body": "l’ d’ qu’"}, "body has no words to fingerprint"),  # elided particles alone fold to nothing
        ({"language": "x" * 33}, "field 'language' is longer than 32 characters"),
        ({"url": "https://x.example/" + "é" * 1020}, "field 'url' is longer than 2048 bytes"),
    ],
)
def test_a_record_over_a_limit_is_refused_alone(tmp_path: Path, fields: dict[str, Any], reason: str) -> None:
    path = tmp_path / "a.jsonl"
    line = json.dumps({**json.loads(GOOD), **fields})  # ASCII: a lone surrogate as its \u escape
    path.write_text(f"{GOOD}\n{line}\n{GOOD}\n", encoding="utf-8")
    items = _read(path)
    assert _outcomes(items)[::2] == ["ok", "ok"]
    assert isinstance(items[1], RecordError) and items[1].line == 2 and items[1].reason.startswith(reason)


@pytest.mark.parametrize(
    "stamp", ["1800-01-01T00:00:00Z", "2199-12-31T23:59:59.999999Z", "1800-01-01T01:00+01:00"]
)
def test_the_date_range_includes_its_ends(tmp_path: Path, stamp: str) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(_line(published_at=stamp), encoding="utf-8")
    assert _outcomes(_read(path)) == ["ok"]


def test_a_body_with_one_word_is_enough(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(_line(body="… Bonjour !"), encoding="utf-8")
    assert _outcomes(_read(path)) == ["ok"]


def test_a_body_of_too_many_words_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("compliance.ingest.limits.MAX_BODY_WORDS", 10)
    path = tmp_path / "a.jsonl"
    path.write_text(f"{_line(body='un ' * 10)}\n{_line(body='un ' * 11)}\n", encoding="utf-8")
    assert _outcomes(_read(path)) == ["ok", ("body has more than 10 words", 2)]


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize(
    ("extra", "outcome"),
    [
        (deep(31), "ok"),  # the record's object is the 32nd level
        (deep(32), ("JSON nested more than 32 levels deep", 1)),
        (deep(100_000), ("JSON nested more than 32 levels deep", 1)),
        ('"' + "[" * 100 + '"', "ok"),  # brackets in a string do not nest
        ('"\\"' + "[" * 100 + '"', "ok"),  # nor after an escaped quote
        ('[{"a": [' * 20 + "0" + "]}]" * 20, ("JSON nested more than 32 levels deep", 1)),
    ],
)
def test_json_nesting_is_bounded(tmp_path: Path, extra: str, outcome: Any) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text(GOOD[:-1] + f', "extra": {extra}}}\n', encoding="utf-8")
    assert _outcomes(_read(path)) == [outcome]


def test_a_json_list_loses_only_its_items_nested_too_deep(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    shallow = GOOD[:-1] + f', "extra": {deep(31)}}}'
    too_deep = GOOD[:-1] + f', "extra": {deep(5000)}, "s": "]]],"}}'
    path.write_text(f"[{GOOD}, {too_deep},\n{shallow}, {deep(40)}, 3]", encoding="utf-8")
    assert _outcomes(_read(path)) == [
        "ok",
        ("JSON nested more than 32 levels deep", 2),
        "ok",
        ("JSON nested more than 32 levels deep", 4),
        ("expected a JSON object, got number", 5),
    ]


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (f'{{"a": {deep(5000)}}}', "JSON nested more than 32 levels deep"),
        (f"[{GOOD}, {deep(5000)}", "invalid JSON at line 1 column"),  # unclosed: still the whole file
    ],
)
def test_a_json_file_refused_whole(tmp_path: Path, content: str, reason: str) -> None:
    path = tmp_path / "a.json"
    path.write_text(content, encoding="utf-8")
    [error] = _read(path)
    assert isinstance(error, RecordError) and error.line is None and error.reason.startswith(reason)


@pytest.mark.parametrize("name", ["a.jsonl", "a.json"])
def test_a_number_too_long_for_python_costs_nothing(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(GOOD[:-1] + f', "n": {"9" * 5000}, "m": -{"9" * 5000}}}', encoding="utf-8")
    assert _outcomes(_read(path)) == ["ok"]
    path.write_text(GOOD[:-1] + f', "paywalled": {"1" * 5000}}}', encoding="utf-8")
    line = 1 if name == "a.jsonl" else None
    assert _outcomes(_read(path)) == [("field 'paywalled' must be true or false, got number", line)]


def test_a_nul_past_the_first_bytes_is_still_binary(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"Titre\n\n" + b"mot " * 5000 + b"\x00 fin")
    [error] = _read(path)
    assert (
        isinstance(error, RecordError)
        and error.reason == "binary file, not text: a NUL character at character 20007"
    )
    with pytest.raises(InputError, match=r"NUL character at character 20007$"):
        read_text(path)


# --- files and folders that cannot be read --------------------------------------------------------


def test_an_unreadable_folder_is_an_error_not_silence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a" / "locked").mkdir(parents=True)
    (tmp_path / "a" / "locked" / "x.jsonl").write_text(GOOD, encoding="utf-8")
    (tmp_path / "a" / "y.jsonl").write_text(GOOD, encoding="utf-8")
    real = os.scandir

    def scandir(path: Any = ".") -> Any:
        if Path(path).name == "locked":  # root reads everything: simulate what a user meets
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    assert _outcomes(_read(tmp_path)) == [("cannot read the folder: Permission denied", None), "ok"]
    [error, _] = _read(tmp_path)
    assert isinstance(error, RecordError) and error.source == str(tmp_path / "a" / "locked")


def test_fifo_and_dangling_link_are_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.jsonl")
    (tmp_path / "gone.json").symlink_to(tmp_path / "absent.json")
    (tmp_path / "z.jsonl").write_text(GOOD, encoding="utf-8")
    assert _outcomes(_read(tmp_path)) == [
        ("no such file or directory", None),  # gone.json
        ("not a regular file", None),  # pipe.jsonl: never opened, it would block
        "ok",
    ]


def test_dash_is_not_read_by_ingest() -> None:
    assert _outcomes(list(read_paths(["-"]))) == [
        ("ingest does not read standard input: give a file or a folder", None)
    ]


def test_read_text_with_stdin_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", None)  # what Python sets when fd 0 is closed (`<&-`)
    with pytest.raises(InputError, match=r"^stdin: standard input is closed$"):
        read_text("-")


def test_read_text_of_an_unreadable_file_is_an_input_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "page.txt"
    path.write_text("Un texte.", encoding="utf-8")

    def refuse(self: Path, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    with pytest.raises(InputError, match=rf"^{path}: cannot read: Permission denied$"):
        read_text(path)


# --- UTF-16 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_is_read(tmp_path: Path, codec: str) -> None:
    bom = {"utf-16": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[codec]
    arabic = "تونس العاصمة، ٢٠٢١"
    records = [_line(title=arabic), _line(url="https://x.example/2")]
    (tmp_path / "a.jsonl").write_bytes(bom + "\r\n".join(records).encode(codec))
    (tmp_path / "b.json").write_bytes(bom + f"[{records[0]}]".encode(codec))
    (tmp_path / "c.txt").write_bytes(bom + f"{arabic}\n\n{BODY}".encode(codec))
    html = f'<html><head><link rel="canonical" href="https://x.example/h"></head><body><article><h1>{arabic}</h1><p>{BODY}</p></article></body></html>'
    (tmp_path / "d.html").write_bytes(bom + html.encode(codec))
    items = _read(tmp_path)
    assert _outcomes(items) == ["ok"] * 5
    assert [item.title for item in items if isinstance(item, ArticleInput)] == [
        arabic,
        None,
        arabic,
        arabic,
        arabic,
    ]
    (tmp_path / "c.txt").write_bytes(bom + BODY.encode(codec))
    assert read_text(tmp_path / "c.txt") == BODY


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (
            BODY.encode("utf-16-le"),
            "UTF-16 text without a byte-order mark: save it as UTF-8, or as UTF-16 with a BOM",
        ),
        (
            BODY.encode("utf-16-be"),
            "UTF-16 text without a byte-order mark: save it as UTF-8, or as UTF-16 with a BOM",
        ),
        (BODY.encode("utf-32"), "UTF-32 text, not supported: save it as UTF-8"),
        (
            b"\xff\xfe" + "Un texte".encode("utf-16-le") + b"\x00\xdc",
            "not valid UTF-16 at byte 18, though it starts with a UTF-16 BOM",
        ),
    ],
)
def test_what_a_file_is_when_it_is_not_text_we_read(tmp_path: Path, content: bytes, reason: str) -> None:
    for name in ("a.txt", "a.json", "a.jsonl", "a.html"):
        path = tmp_path / name
        path.write_bytes(content)
        outcome = _outcomes(_read(path))
        if name == "a.jsonl" and reason.startswith("not valid"):
            assert outcome == [("not valid UTF-16 (illegal encoding): the rest of the file is not read", 1)]
        else:
            assert outcome == [(reason, None)], name


def test_a_utf16_jsonl_line_over_the_limit_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    lines = [GOOD, _line(body="x" * 500), GOOD]
    path.write_bytes("\n".join(lines).encode("utf-16"))
    assert _outcomes(_read(path, max_input_bytes=2 * len(GOOD))) == [
        "ok",
        ("line is larger than the 202-byte limit".replace("202", str(2 * len(GOOD))), 2),
        "ok",
    ]
