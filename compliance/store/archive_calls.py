"""`Store` calls on our archive: articles, their fingerprints, and the captures (the evidence).

Each call opens one `_read` or `_write` (`sessions.py`) and delegates to the repository modules
`articles`, `fingerprints`, `outdated` and `captures`.
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace

from compliance.records import Article, ArticleInput, Capture, EncodedFingerprint, UpsertStatus
from compliance.store import articles, captures, fingerprints, outdated
from compliance.store.articles import FingerprintSource
from compliance.store.sessions import Sessions
from compliance.store.shared import now

log = logging.getLogger("compliance.store")  # the name it always logged under


class ArchiveCalls(Sessions):
    """Articles, fingerprints and captures: a mixin of `Store`."""

    # --- Articles and their fingerprints ---

    def upsert_articles(
        self, items: Sequence[tuple[ArticleInput, FingerprintSource]]
    ) -> list[tuple[Article, UpsertStatus]]:
        """Insert or update articles by url, in one transaction: status ingested/updated/unchanged.

        One result per distinct url, in the order of the item that won (a later item with the
        same url replaces an earlier one). An unchanged article (same content hash, fingerprint
        with the same params) is not touched and its fingerprint callable is not called. The
        callables are called before the write transaction opens: fingerprinting a large batch
        never holds the write lock that every other writer waits for.
        """
        latest = articles.latest_by_url(items)
        if not latest:
            return []
        params = self.settings.fingerprint_params()
        with self._read() as session:
            stale = articles.to_write(session, latest, params)
        latest = articles.fingerprinted(latest, stale)
        with self._write() as session:  # checks again: another writer may have changed an article
            results = articles.upsert(session, latest, params)
        log.debug("upserted %d articles", len(results))
        return results

    def get_article(self, article_id: int) -> Article | None:
        """The article with this id, or None."""
        with self._read() as session:
            return articles.get(session, article_id)

    def get_articles(self, ids: Iterable[int]) -> dict[int, Article]:
        """The articles with these ids (missing ones left out), by id."""
        with self._read() as session:
            return articles.with_ids(session, ids)

    def article_by_url(self, url: str) -> Article | None:
        """The article stored under `url`, or None."""
        with self._read() as session:
            return articles.by_url(session, url)

    def count_articles(self) -> int:
        """How many articles are stored."""
        with self._read() as session:
            return articles.count(session)

    def iter_articles(self, batch: int = 500) -> Iterator[Article]:
        """Every article by id, read `batch` at a time (no transaction held between batches)."""
        return self._pages(articles.page_after, 0, batch)

    def articles_without_notice(self) -> list[Article]:
        """The articles stored without a rights notice: their copies cannot be proven reserved."""
        with self._read() as session:
            return articles.without_notice(session)

    def search_articles(self, words: str, limit: int = 50, offset: int = 0) -> list[Article]:
        """Articles whose title or URL contains `words`, newest first."""
        with self._read() as session:
            return articles.search(session, words, limit, offset)

    def delete_article(self, url: str) -> bool:
        """Delete the article stored under `url` and its fingerprint; False if there was none."""
        with self._write() as session:
            return articles.delete_by_url(session, url)

    # --- Fingerprints, for the index (`detect.index.Decoded` decodes them) ---

    def fingerprint_state(self) -> tuple[int, int]:
        """(highest fingerprint id or 0, highest removal id or 0): tells an index it is stale."""
        with self._read() as session:
            return fingerprints.state(session)

    def fingerprint_removals_after(self, last_removal: int) -> list[tuple[int, int]]:
        """(removal id, fingerprint id) of the fingerprints removed after `last_removal`."""
        with self._read() as session:
            return fingerprints.removals_after(session, last_removal)

    def live_fingerprint_ids(self) -> array[int]:
        """The ids of every stored fingerprint, ascending, as 64-bit integers."""
        with self._read() as session:
            return fingerprints.live_ids(session)

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> Iterator[fingerprints.Stored]:
        """The fingerprints with an id above `last_id`, by id, read `batch` at a time."""
        return self._pages(fingerprints.page_after, last_id, batch)

    def fingerprints_for(self, ids: Iterable[int]) -> list[fingerprints.Stored]:
        """The fingerprints with these ids, by id; ids no longer stored are left out."""
        with self._read() as session:
            return fingerprints.with_ids(session, ids)

    # --- Fingerprints made with an older normalization (`Archive.refresh_fingerprints`) ---

    def count_outdated_fingerprints(self, normalization: int) -> int:
        """How many fingerprints were made with a normalization older than `normalization`."""
        with self._read() as session:
            return outdated.count(session, normalization)

    def outdated_fingerprints(
        self, normalization: int, batch: int = 200
    ) -> Iterator[list[tuple[int, Article]]]:
        """(fingerprint id, article) pairs of the older fingerprints, by id, a list of `batch` at a time.

        Each list is read in its own session: no transaction stays open while the caller works.
        """
        last_id = 0
        while page := self._read_outdated(normalization, last_id, batch):
            yield page
            last_id = page[-1][0]

    def _read_outdated(self, normalization: int, last_id: int, batch: int) -> list[tuple[int, Article]]:
        with self._read() as session:
            return outdated.page_after(session, normalization, last_id, batch)

    def replace_fingerprints(self, made: Sequence[tuple[int, EncodedFingerprint]]) -> int:
        """Replace fingerprints (by id) with new ones, in one transaction; how many were replaced.

        A fingerprint whose article was updated or deleted since it was read is left as it is.
        """
        with self._write() as session:
            return outdated.replace(session, made, now())

    # --- Captures: written once, never updated ---

    def add_capture(self, capture: Capture) -> Capture:
        """Store a new capture; returns it with its id."""
        row = captures.new_row(capture)  # refused before any transaction: an id, a naive time
        with self._write() as session:
            capture_id = captures.insert(session, row)
        return replace(capture, id=capture_id)

    def host_line_keys(self, host: str, page_key: str, url: str, limit: int) -> list[bytes]:
        """Line keys of the latest `limit` captures of `host` at other URLs, fetched before the
        page `page_key` was first checked (compliance/capture/boilerplate.py)."""
        with self._read() as session:
            return captures.line_keys_before(session, host, page_key, url, limit)

    def get_capture(self, capture_id: int) -> Capture | None:
        """The capture with this id, or None."""
        with self._read() as session:
            return captures.get(session, capture_id)

    def list_captures(self, ids: Sequence[int] | None = None) -> list[Capture]:
        """The captures with these ids (all of them if None), by id."""
        with self._read() as session:
            return captures.with_ids(session, ids)
