"""Articles, their fingerprints and matches, and captures: what detection and ingestion pass on.

ArticleInput       what a reader or extractor yields for one of our articles, before storage
Article            an ArticleInput once stored: it has an `id`
Fingerprint        MinHash signatures of one text; EncodedFingerprint, the bytes storage keeps;
                   StoredFingerprint, one as stored with its row id and article
Passage            a reproduced passage: a character span in the article and one in the page
Scores             how much of an article a page reproduces
Match              one article found in one page: passages, scores and verdict
IngestReport       what one `ingest` run did
Capture            the evidence of one fetch or one submitted file

Verdict, UpsertStatus and CaptureKind are the closed sets of words these values carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

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
    source: str | None = None  # who wrote it when it is not ours: a news agency, a press release


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
    source: str | None = None  # who wrote it when it is not ours: a news agency, a press release


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
    # The text's bag keys (`detect.bags`, the index's second channel; uint64, sorted, distinct) and
    # the parameters that made them (`Settings.bag_params()`); None for a fingerprint made without.
    bags: np.ndarray | None = None
    bag_params: dict[str, int] | None = None


@dataclass(frozen=True, slots=True)
class EncodedFingerprint:
    """A Fingerprint in the form storage keeps: bytes, made and read by `detect.fingerprint`'s codec.

    `signature` holds `num_perm` little-endian uint32 values, `windows` `n_windows` little-endian
    uint64 values, `bags` (when made) the bag keys as little-endian uint64 values; storage writes
    them as they are and never needs numpy to do it.
    """

    params: dict[str, int]
    signature: bytes
    windows: bytes
    n_windows: int
    bags: bytes | None = None
    bag_params: dict[str, int] | None = None


# A stored fingerprint comes out of storage encoded; the passage index reads it decoded.
FingerprintForm = TypeVar("FingerprintForm", Fingerprint, EncodedFingerprint)


@dataclass(frozen=True)  # no slots: typing sets `__orig_class__` on `StoredFingerprint[...](...)`
class StoredFingerprint(Generic[FingerprintForm]):
    """A fingerprint as stored: its row id and the article it belongs to."""

    id: int
    article_id: int
    fingerprint: FingerprintForm


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


@dataclass(frozen=True, slots=True)
class IngestReport:
    """What one `ingest` run did."""

    ingested: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class IndexDrift:
    """How a passage index differs from the fingerprints stored in the database.

    `missing`: fingerprint ids stored but not indexed (their articles cannot be found);
    `stale`: (fingerprint id, article id) pairs indexed but no longer stored (deleted or
    re-ingested articles, which checks would still propose as candidates).
    """

    folder: str  # empty for an index held in memory
    params_match: bool  # False: the folder's index was built with other fingerprint parameters
    indexed: int
    stored: int
    missing: tuple[int, ...] = ()
    stale: tuple[tuple[int, int], ...] = ()

    @property
    def drifted(self) -> bool:
        return bool(self.missing or self.stale or not self.params_match)


@dataclass(frozen=True, slots=True)
class Capture:
    """The evidence of one fetch or one submitted file; written once, never rewritten.

    `warc_path` is relative to the evidence folder and `sha256` is the hash of that WARC file's
    bytes. `text` is the text that was checked: for a web page, its main text, then the rest of
    its visible text (capture/page_text.py); match offsets into a page point into it. `metadata`
    holds title, author, published date, site name, visible text and links, and for a web page
    where the main text ends, the spans of the other lines and those set aside as boilerplate.
    `host` and `line_keys` (the keys of its rest-of-page lines) let later captures of the same
    host recognise boilerplate (capture/boilerplate.py).
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
    host: str | None = None
    line_keys: bytes = b""  # little-endian uint64 keys of its rest-of-page lines
