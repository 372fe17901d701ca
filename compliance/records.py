"""Typed values that flow between the stages (frozen dataclasses, never ORM rows).

ArticleInput   what a reader or extractor yields for one of our articles, before storage
Article        an ArticleInput once stored: it has an `id`
Passage        a reproduced passage: a character span in the article and one in the page
Match          one article found in one page: passages, scores and verdict

Verdict, UpsertStatus and CaptureKind are the closed sets of words these values carry.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

import numpy as np


class Verdict(StrEnum):
    """What a match amounts to: by size first (score), then by who copied and how (policy)."""

    FULL_REPRODUCTION = "full_reproduction"
    SUBSTANTIAL_EXCERPT = "substantial_excerpt"
    SHORT_QUOTATION = "short_quotation"
    SNIPPET = "snippet"
    LICENSED = "licensed"
    LICENCE_BREACH = "licence_breach"
    OWN_SITE = "own_site"
    THIRD_PARTY = "third_party"


class UpsertStatus(StrEnum):
    """What storing one article did."""

    INGESTED = "ingested"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


class CaptureKind(StrEnum):
    """Where a capture's bytes came from."""

    URL = "url"
    FILE = "file"


@dataclass(frozen=True, slots=True)
class ArticleInput:
    """One article of ours as given to `ingest`; `body` is kept byte for byte."""

    url: str
    body: str
    title: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author: str | None = None
    section: str | None = None
    language: str | None = None
    rights_notice: str | None = None
    paywalled: bool | None = None


@dataclass(frozen=True, slots=True)
class Article:
    """A stored article of ours."""

    id: int
    url: str
    body: str
    title: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    author: str | None = None
    section: str | None = None
    language: str | None = None
    rights_notice: str | None = None
    paywalled: bool | None = None


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """MinHash signatures of one text, with the parameters that made them.

    `signature` is the whole text's MinHash (uint32, `num_perm` values); `windows` holds the
    distinct minimum shingle hashes of the text's passage windows (uint64, sorted, 1-D), which the
    passage index is built from. Fingerprints made with other parameters must never be compared:
    `params` travels with them into storage.
    """

    params: dict[str, int]
    signature: np.ndarray
    windows: np.ndarray


@dataclass(frozen=True, slots=True)
class StoredFingerprint:
    """A fingerprint as stored: its row id and the article it belongs to."""

    id: int
    article_id: int
    fingerprint: Fingerprint


@dataclass(frozen=True, slots=True)
class Passage:
    """Reproduced text: [article_start, article_end) in the article, [page_start, page_end) in the page.

    Offsets are character offsets (Python `str` indices, end exclusive) into the texts as given;
    `words` counts the article's words inside the passage.
    """

    article_start: int
    article_end: int
    page_start: int
    page_end: int
    words: int

    def to_json(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Scores:
    """How much of an article a page reproduces."""

    coverage: float  # share of the article's words reproduced, 0..1
    similarity: float  # Jaccard similarity of the two texts' word-shingle sets, 0..1
    page_share: float  # share of the page's words that are the article's, 0..1
    reproduced_words: int
    longest_passage_words: int


@dataclass(frozen=True, slots=True)
class Match:
    """An article found in a page."""

    article: Article
    passages: tuple[Passage, ...]
    scores: Scores
    verdict: Verdict

    def to_json(self) -> dict[str, Any]:
        """The match as in DESIGN.md's `check --json` contract."""
        return {
            "article": {"id": self.article.id, "url": self.article.url, "title": self.article.title},
            "coverage": round(self.scores.coverage, 4),
            "similarity": round(self.scores.similarity, 4),
            "page_share": round(self.scores.page_share, 4),
            "reproduced_words": self.scores.reproduced_words,
            "longest_passage_words": self.scores.longest_passage_words,
            "verdict": self.verdict,
            "passages": [p.to_json() for p in self.passages],
        }


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one `ingest` run did."""

    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class Capture:
    """The evidence of one fetch or one submitted file; written once, never rewritten.

    `warc_path` is relative to the evidence folder and `sha256` is the hash of that WARC file's
    bytes. `text` is the extracted main text that was checked: match offsets into a page point
    into it. `metadata` holds title, author, published date, site name, visible text and links.
    """

    sha256: str
    warc_path: str
    kind: CaptureKind
    requested_url: str
    final_url: str
    redirects: tuple[str, ...]
    status: int | None
    headers: dict[str, str]
    server_ip: str | None
    fetched_at: datetime
    tool_version: str
    content_type: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    article_id: int | None = None
    id: int | None = None
