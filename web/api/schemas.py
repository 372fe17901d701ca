"""The API's request and response bodies as marshmallow schemas: APIFlask validates requests with
them and derives the OpenAPI document from them.

The documents themselves are built by `compliance.shapes` (the same as `compliance … --json`);
the response schemas here describe those shapes, field for field, and tests/test_api_spec.py
checks real responses against them.
"""

from __future__ import annotations

from typing import Any

from apiflask import Schema
from apiflask.fields import AwareDateTime, Boolean, Dict, File, Float, Integer, List, Nested, String
from apiflask.validators import Length, OneOf, Range
from marshmallow import ValidationError, validates_schema
from werkzeug.routing import IntegerConverter

from compliance.records import (
    JobState,
    NoticeStatus,
    PageKind,
    SeverityLevel,
    SightingStatus,
    Verdict,
)

URL_MAX_CHARS = 2048
PAGE_MAX = 200  # findings per page of a listing, at most
ID_MAX = 2**31 - 1  # ids are INTEGER columns, 32-bit on PostgreSQL: a larger one names nothing


def one_of(kind: Any) -> OneOf:
    return OneOf([member.value for member in kind])


class DatabaseId(IntegerConverter):
    """`<int:…>` in a URL: an id the database can hold; a larger one becomes 0, which names nothing (404).

    Refusing it in the converter would make Werkzeug answer 405 for a path that does exist.
    """

    def to_python(self, value: str) -> int:
        number = int(super().to_python(value))
        return number if number <= ID_MAX else 0


# --- problems (RFC 9457) -------------------------------------------------------------------------


class Problem(Schema):
    """An error, as `application/problem+json`: the one error shape of the API."""

    type = String(required=True)
    title = String(required=True)
    status = Integer(required=True)
    detail = String(required=True)
    errors = Dict(
        metadata={"description": "For a request that failed validation: messages by location and field"}
    )


# --- checks --------------------------------------------------------------------------------------


class CheckIn(Schema):
    """A page to check: a suspect URL, or a text; a URL check may call a webhook when done."""

    url = String(validate=Length(min=1, max=URL_MAX_CHARS), metadata={"description": "http(s) URL"})
    text = String(validate=Length(min=1), metadata={"description": "plain text of the page"})
    name = String(validate=Length(max=255), metadata={"description": "a name for a submitted text"})
    webhook_url = String(
        validate=Length(min=1, max=URL_MAX_CHARS),
        metadata={"description": "called with the finished job, signed (X-Compliance-Signature)"},
    )

    @validates_schema
    def _one_page(self, data: dict[str, Any], **kwargs: Any) -> None:
        if ("url" in data) == ("text" in data):
            raise ValidationError("give either url or text")
        if "webhook_url" in data and "url" not in data:
            raise ValidationError("webhook_url goes with a url check", "webhook_url")
        if "name" in data and "text" not in data:
            raise ValidationError("name goes with a text check", "name")


class CheckFileIn(Schema):
    """A submitted file to check (.html, .txt, .eml, .pdf)."""

    file = File(required=True)


class ArticleRef(Schema):
    id = Integer(required=True)
    url = String(required=True)
    title = String(required=True, allow_none=True)


class PassageOut(Schema):
    article_start = Integer(required=True)
    article_end = Integer(required=True)
    page_start = Integer(required=True)
    page_end = Integer(required=True)
    words = Integer(required=True)


class SeverityOut(Schema):
    level = String(required=True, validate=one_of(SeverityLevel))
    score = Integer(required=True)
    parts = Dict(keys=String(), values=Integer(), required=True)


class AttributionOut(Schema):
    credited = Boolean(required=True)
    credit = String(required=True, allow_none=True)
    linked = Boolean(required=True)
    link = String(required=True, allow_none=True)
    links_to_article = Boolean(required=True)


class PageOut(Schema):
    id = Integer(required=True, allow_none=True)
    kind = String(required=True, validate=one_of(PageKind))
    url = String(required=True, allow_none=True)
    domain = String(required=True, allow_none=True)
    name = String(required=True, allow_none=True)
    sha256 = String(required=True, allow_none=True)


class CaptureOut(Schema):
    id = Integer(required=True, allow_none=True)
    sha256 = String(required=True)
    final_url = String(required=True)
    fetched_at = String(required=True)
    warc_path = String(required=True)


class RecordedMatch(Schema):
    """An article of ours found in the page, as kept: scores, verdict, finding, passages."""

    article = Nested(ArticleRef, required=True)
    coverage = Float(required=True)
    similarity = Float(required=True)
    page_share = Float(required=True)
    reproduced_words = Integer(required=True)
    longest_passage_words = Integer(required=True)
    verdict = String(required=True, validate=one_of(Verdict))
    passages = List(Nested(PassageOut), required=True)
    finding = Integer(required=True)
    new = Boolean(required=True)
    sighting = String(required=True, validate=one_of(SightingStatus))
    severity = Nested(SeverityOut, required=True)
    attribution = Nested(AttributionOut, required=True)
    notice = String(required=True, validate=one_of(NoticeStatus))
    reasons = List(String(), required=True)
    rules = Dict(required=True)


class CheckReport(Schema):
    """A checked page as `compliance check --json` prints it, once its findings are stored."""

    url = String()
    file = String()
    page = Nested(PageOut, required=True)
    capture = Nested(CaptureOut)
    matches = List(Nested(RecordedMatch), required=True)
    gone = List(Integer(), required=True, metadata={"description": "findings of this page no longer seen"})


class CheckJob(Schema):
    """A URL check run in the background: poll it until `state` is done or failed."""

    id = String(required=True)
    url = String(required=True)
    state = String(required=True, validate=one_of(JobState))
    created_at = String(required=True)
    finished_at = String(required=True, allow_none=True)
    result = Nested(CheckReport, required=True, allow_none=True)
    problem = Nested(Problem, required=True, allow_none=True)


# --- findings ------------------------------------------------------------------------------------


class FindingsQuery(Schema):
    """Filters of a finding listing (all must hold) and its cursor."""

    verdict = List(String(validate=one_of(Verdict)), metadata={"description": "one or more verdicts"})
    severity = String(validate=one_of(SeverityLevel), metadata={"description": "this level or higher"})
    domain = String(
        validate=Length(min=1, max=255), metadata={"description": "the site's registrable domain"}
    )
    article = Integer(validate=Range(min=1, max=ID_MAX), metadata={"description": "an article id"})
    since = AwareDateTime(metadata={"description": "first seen at or after (ISO 8601, with a time zone)"})
    until = AwareDateTime(metadata={"description": "first seen before (ISO 8601, with a time zone)"})
    cursor = Integer(
        load_default=0,
        validate=Range(min=0, max=ID_MAX),
        metadata={"description": "next_cursor of the page before"},
    )
    limit = Integer(load_default=50, validate=Range(min=1, max=PAGE_MAX))


class SightingOut(Schema):
    seen_at = String(required=True)
    status = String(required=True, validate=one_of(SightingStatus))
    capture_id = Integer(required=True, allow_none=True)
    verdict = String(required=True, allow_none=True)
    coverage = Float(required=True, allow_none=True)
    reproduced_words = Integer(required=True, allow_none=True)
    passages = List(Nested(PassageOut), required=True)


class FindingSummary(Schema):
    """A finding's latest judgement: verdict and reasons, scores, passages, severity, rules."""

    id = Integer(required=True)
    article_id = Integer(required=True)
    page = Nested(PageOut, required=True)
    first_seen = String(required=True)
    last_seen = String(required=True)
    present = Boolean(required=True)
    verdict = String(required=True, validate=one_of(Verdict))
    reasons = List(String(), required=True)
    coverage = Float(required=True)
    similarity = Float(required=True)
    page_share = Float(required=True)
    reproduced_words = Integer(required=True)
    longest_passage_words = Integer(required=True)
    passages = List(Nested(PassageOut), required=True)
    attribution = Nested(AttributionOut, required=True)
    notice = String(required=True, validate=one_of(NoticeStatus))
    severity = Nested(SeverityOut, required=True)
    rules = Dict(required=True)
    capture_id = Integer(required=True, allow_none=True)


class Finding(FindingSummary):
    """A finding with every sighting of its page and the capture it was last seen in."""

    sightings = List(Nested(SightingOut), required=True)
    capture = Nested(CaptureOut, required=True, allow_none=True)


class FindingsPage(Schema):
    items = List(Nested(FindingSummary), required=True)
    next_cursor = Integer(required=True, allow_none=True, metadata={"description": "null on the last page"})


# --- articles ------------------------------------------------------------------------------------


class ArticleUpdate(Schema):
    """One of our articles, as the CMS sends it (the same fields and checks as `compliance ingest`)."""

    url = String(
        validate=Length(min=1, max=URL_MAX_CHARS), metadata={"description": "unique; kept on update"}
    )
    body = String(
        required=True,
        validate=Length(min=1),
        metadata={"description": "plain text, paragraphs by blank lines"},
    )
    title = String(allow_none=True)
    published_at = String(
        allow_none=True, metadata={"description": "ISO 8601; without zone: the publisher's"}
    )
    updated_at = String(allow_none=True)
    author = String(allow_none=True)
    section = String(allow_none=True)
    language = String(allow_none=True, validate=Length(max=32))
    rights_notice = String(allow_none=True)
    paywalled = Boolean(allow_none=True)
    source = String(allow_none=True, metadata={"description": "who wrote it when not us (a news agency)"})


class ArticleIn(ArticleUpdate):
    url = String(required=True, validate=Length(min=1, max=URL_MAX_CHARS), metadata={"description": "unique"})


class Article(Schema):
    """One of our articles as stored."""

    id = Integer(required=True)
    url = String(required=True)
    body = String(required=True)
    title = String(required=True, allow_none=True)
    published_at = String(required=True, allow_none=True)
    updated_at = String(required=True, allow_none=True)
    author = String(required=True, allow_none=True)
    section = String(required=True, allow_none=True)
    language = String(required=True, allow_none=True)
    rights_notice = String(required=True, allow_none=True)
    paywalled = Boolean(required=True, allow_none=True)
    source = String(required=True, allow_none=True)


class SavedArticle(Article):
    status = String(required=True, validate=OneOf(["ingested", "updated", "unchanged"]))


# --- health --------------------------------------------------------------------------------------


class Health(Schema):
    status = String(required=True)
    version = String(required=True)
    database = String(required=True)
    index = String(required=True)
    articles = Integer(required=True)
