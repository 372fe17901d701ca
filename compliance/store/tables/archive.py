"""Tables of our archive: articles, their fingerprints, and the captures (the evidence).

Also `ARTICLES`, `FINGERPRINTS` and `FINGERPRINT_REMOVALS`, the Core tables for bulk inserts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from compliance.store.tables.base import Base, UTCDateTime


class ArticleRow(Base):
    """One of our articles; `body` is kept byte for byte."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True, index=True)
    title: Mapped[str | None] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    author: Mapped[str | None] = mapped_column(Text)
    section: Mapped[str | None] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    rights_notice: Mapped[str | None] = mapped_column(Text)
    paywalled: Mapped[bool | None]
    source: Mapped[str | None] = mapped_column(Text)  # e.g. a news agency: the text is not ours
    content_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FingerprintRow(Base):
    """The fingerprint of one article; never updated, replaced by a new row (ids never reused)."""

    __tablename__ = "fingerprints"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), unique=True)
    num_perm: Mapped[int]
    seed: Mapped[int] = mapped_column(BigInteger)
    shingle_size: Mapped[int]
    window: Mapped[int]
    # The word folding that made it (detect.normalize.NORMALIZATION); older ones are recomputed.
    normalization: Mapped[int] = mapped_column(server_default=text("1"), index=True)
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # little-endian uint32, num_perm values
    # The window minima (1-D, sorted by detect.fingerprint): little-endian uint64, n_windows values.
    windows: Mapped[bytes] = mapped_column(LargeBinary)
    n_windows: Mapped[int]
    # The bag keys (detect.bags), little-endian uint64, and the parameters that made them; NULL
    # for fingerprints made before revision 0013 (the index makes their keys from the text).
    bags: Mapped[bytes | None] = mapped_column(LargeBinary)
    bag_words: Mapped[int | None]
    bag_min_letters: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FingerprintRemovalRow(Base):
    """A fingerprint removed (its article re-ingested or deleted), logged so that an index can
    catch up by reading the removals after the last one it saw, not every live id."""

    __tablename__ = "fingerprint_removals"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    fingerprint_id: Mapped[int] = mapped_column(BigInteger)


class CaptureRow(Base):
    """The evidence of one fetch or submitted file; append-only."""

    __tablename__ = "captures"
    __table_args__ = (Index("ix_captures_host_fetched", "host", "fetched_at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    warc_path: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    requested_url: Mapped[str] = mapped_column(Text)
    final_url: Mapped[str] = mapped_column(Text)
    redirects: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[int | None]
    headers: Mapped[dict[str, str]] = mapped_column(JSON)
    server_ip: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tool_version: Mapped[str] = mapped_column(Text)
    content_type: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"), index=True)
    # A web page's host and the keys of its rest-of-page lines (little-endian uint64): what the
    # boilerplate of later pages of the same host is recognised by (capture/boilerplate.py).
    host: Mapped[str | None] = mapped_column(String(255))
    line_keys: Mapped[bytes | None] = mapped_column(LargeBinary)


# Core tables, for bulk inserts that the ORM would split by key set.
ARTICLES = Base.metadata.tables["articles"]
FINGERPRINTS = Base.metadata.tables["fingerprints"]
FINGERPRINT_REMOVALS = Base.metadata.tables["fingerprint_removals"]
