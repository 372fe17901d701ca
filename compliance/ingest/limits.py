"""Every limit an article record must keep to be ingested, enforced and documented in one place.

In: the raw JSON text of a record, one of its fields, or a whole `ArticleInput`. Out: the value
checked, or an `InputError` whose message is the reason that one record is refused: a record over
a limit is skipped alone, the records around it are stored. The readers check a record as they
read it (so the reason names the file and line), `Archive.ingest` checks again the records built
in code.

Every limit, and why (the README's configuration table repeats them):

- one .json, .html or .txt file, one JSONL line: at most `Settings.max_input_bytes` (10 MB,
  COMPLIANCE_MAX_INPUT_BYTES), enforced by the readers before anything is parsed;
- JSON nesting: at most `MAX_JSON_DEPTH` levels, the record object being level 1 (the JSON parser
  recurses: 1,000 levels would crash it);
- `published_at`, `updated_at`: with a time zone, between `EARLIEST` and `LATEST` in UTC (a zone
  shift past year 1 or 9999 overflows Python's dates; anything that far out is a typo);
- `url`: at most `MAX_URL_BYTES` bytes of UTF-8 (PostgreSQL's unique index refuses longer keys);
- `language`: at most `MAX_LANGUAGE_CHARS` characters (the column's width, enforced by PostgreSQL);
- every text field: no NUL (U+0000: PostgreSQL text cannot hold it) and no lone surrogate
  (U+D800-U+DFFF: not Unicode text, no database stores it), so both databases take the same records;
- `body`: at least one word (no word, no fingerprint: it could never match) and at most
  `MAX_BODY_WORDS` (fingerprinting takes about 256 bytes a word);
- one ingest batch: at most `BATCH_RECORDS` records or `BATCH_CHARS` characters of text, whichever
  comes first (`Archive.ingest`): memory stays bounded, one write transaction per batch.
"""

from __future__ import annotations

import json
import re
import sys
from datetime import UTC, datetime
from typing import Any

from compliance.detect.normalize import WORD, fold
from compliance.errors import InputError
from compliance.records import ArticleInput

MAX_JSON_DEPTH = 32
# Older than any newspaper, and far enough ahead: a date outside is a typo (0202 for 2020).
EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
LATEST = datetime(2199, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
MAX_URL_BYTES = 2048
MAX_LANGUAGE_CHARS = 32  # tables.ArticleRow.language is String(32)
MAX_BODY_WORDS = 200_000  # a 700-page book; 10 MB of one-letter words would take 1.3 GB to fingerprint
BATCH_RECORDS = 500
BATCH_CHARS = 16 * 1024 * 1024
TEXT_FIELDS = ("url", "body", "title", "author", "section", "language", "rights_notice", "source")
DATE_FIELDS = ("published_at", "updated_at")

# A JSON string (closed or not: the pattern always matches, so a scan stays linear), a bracket, a comma.
_JSON_TOKEN = re.compile(r'"[^"\\]*+(?:\\.[^"\\]*+)*+"?|[\[\]{},]', re.DOTALL)
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")
TOO_DEEP = f"JSON nested more than {MAX_JSON_DEPTH} levels deep"


# --- JSON ---------------------------------------------------------------------------------------


def too_deep(text: str, levels: int = MAX_JSON_DEPTH) -> bool:
    """Whether the arrays and objects of a JSON text nest more than `levels` deep (strings skipped)."""
    if text.count("[") + text.count("{") <= levels:  # too few brackets: spare the scan
        return False
    depth = 0
    for found in _JSON_TOKEN.finditer(text):
        token = found.group()
        if token in ("[", "{"):
            depth += 1
            if depth > levels:
                return True
        elif token in ("]", "}"):
            depth -= 1
    return False


def deep_items(text: str) -> dict[int, tuple[int, int]]:
    """The items of a top-level JSON array nested more than MAX_JSON_DEPTH deep: index -> span."""
    spans: dict[int, tuple[int, int]] = {}
    depth = index = deepest = cut = 0
    for found in _JSON_TOKEN.finditer(text):
        token = found.group()
        if token in ("[", "{"):
            depth += 1
            deepest = max(deepest, depth - 1)  # levels below the array: the item's own depth
            cut = found.end() if depth == 1 else cut
        elif depth == 1 and token in ("]", "}", ","):  # an item of the top-level array ends
            if deepest > MAX_JSON_DEPTH:
                spans[index] = (cut, found.start())
            index, cut, deepest = index + 1, found.end(), 0
        if token in ("]", "}"):
            depth -= 1
    if depth >= 1 and deepest > MAX_JSON_DEPTH:  # the array is not closed: its last item runs to the end
        spans[index] = (cut, len(text))
    return spans


def loads(text: str) -> Any:
    """`json.loads`, but an integer too long for Python to convert reads as a float (often inf)
    instead of failing the whole text: such a number can only sit in a field that is ignored
    or refused on its own."""
    return json.loads(text, parse_int=_integer)


def _integer(digits: str) -> int | float:
    limit = sys.get_int_max_str_digits()
    return float(digits) if limit and len(digits.lstrip("-")) > limit else int(digits)


def json_records(text: str) -> tuple[Any, set[int]]:
    """A JSON document and the indexes of its top-level array's items too deep to read (read as null).

    A document nested too deep is refused whole, unless it is an array: then only its items
    nested too deep are left out, and the others are read. JSONDecodeError when not JSON.
    """
    if not too_deep(text):
        return loads(text), set()
    if not text.lstrip().startswith("["):
        raise InputError(TOO_DEEP)
    spans = deep_items(text)
    pieces, last = [], 0
    for begin, end in spans.values():  # in order: the text between, then null for the item
        pieces += [text[last:begin], "null"]
        last = end
    try:
        return loads("".join([*pieces, text[last:]])), set(spans)
    except RecursionError:  # brackets so broken that the items cannot be told apart
        raise InputError(TOO_DEEP) from None


# --- fields and records -------------------------------------------------------------------------


def check_date(name: str, stamp: datetime, given: str | None = None) -> datetime:
    """`stamp` if it has a time zone and lies between EARLIEST and LATEST; InputError otherwise
    (showing `given`, the text it was read from, if any)."""
    if stamp.tzinfo is None or stamp.utcoffset() is None:
        raise InputError(f"field {name!r} has no time zone: {stamp.isoformat()}")
    try:
        inside = EARLIEST <= stamp.astimezone(UTC) <= LATEST
    except OverflowError:  # in UTC it would fall before year 1 or after 9999
        inside = False
    if not inside:
        raise InputError(
            f"field {name!r} is out of range: {given or stamp.isoformat()} is not between "
            f"{EARLIEST.date()} and {LATEST.date()}"
        )
    return stamp


def check_text(name: str, value: str) -> str:
    """`value` unless it holds a character no database stores alike (NUL, a lone surrogate)."""
    found = _NOT_TEXT.search(value)
    if found:
        char = f"U+{ord(found.group()):04X}"
        what = "a NUL character" if char == "U+0000" else f"a lone surrogate ({char})"
        raise InputError(f"field {name!r} contains {what} at character {found.start()}")
    return value


def check_body(body: str) -> str:
    """`body` if it has words to fingerprint, and not too many; InputError otherwise."""
    words = WORD.finditer(body)
    if not any(fold(found.group()) for found in words):  # the fingerprint drops words folding to ""
        raise InputError("body has no words to fingerprint")
    # A word and the gap after it take two characters: a shorter body cannot have too many.
    if len(body) > 2 * MAX_BODY_WORDS and WORD.subn("", body)[1] > MAX_BODY_WORDS:  # counted in C
        raise InputError(f"body has more than {MAX_BODY_WORDS:,} words")
    return body


def check_article(article: ArticleInput) -> ArticleInput:
    """`article` if every field keeps its limits; InputError naming the first that does not."""
    for name in TEXT_FIELDS:
        value = getattr(article, name)
        if name in ("url", "body") and (not isinstance(value, str) or not value.strip()):
            raise InputError(f"field {name!r} must be a non-empty string")  # an article built in code
        if value is not None:
            check_text(name, value)
    if len(article.url.encode()) > MAX_URL_BYTES:
        raise InputError(f"field 'url' is longer than {MAX_URL_BYTES} bytes")
    if article.language is not None and len(article.language) > MAX_LANGUAGE_CHARS:
        raise InputError(f"field 'language' is longer than {MAX_LANGUAGE_CHARS} characters")
    for name in DATE_FIELDS:
        value = getattr(article, name)
        if value is not None:
            check_date(name, value)
    check_body(article.body)
    return article


def size(article: ArticleInput) -> int:
    """The characters of an article's text fields, for batches (`BATCH_CHARS`)."""
    return sum(len(value) for name in TEXT_FIELDS if isinstance(value := getattr(article, name), str))
