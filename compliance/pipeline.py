"""The stages chained, in the one place where their order lives.

    ingest: records ─► fingerprint ─► store ─► index
            our URL ─► fetch ─► extract our article ─► (as records) ─► capture as evidence
    check:  page text ─► tokenize ─► window minima ─► index ─► candidates ─► align ─► score ─► verdict
            (in parts, compliance/matching.py)
            suspect URL or file ─► capture (fetch or read, extract the main text and the rest of
                the visible page, set boilerplate aside, WARC) ─► (as page text)
    record: matches ─► findings and sightings (compliance/checks.py)

`Archive` owns the store and the passage index for the CLI, the web app and the workers alike.
Its thin calls into one area each (partners, cases, evidence, API keys and jobs, scans, sweeps) are mixins
of compliance/facade.py; the dashboard's reads and reviews are those of compliance/review.py.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance.capture.documents import storable
from compliance.capture.page_text import checked_text
from compliance.checks import file_page, record, text_page, url_page
from compliance.detect.align import align
from compliance.detect.fingerprint import encode, fingerprint
from compliance.detect.index import Decoded, PassageIndex
from compliance.errors import InputError, RecordError
from compliance.facade import ApiCalls, CaseServices, EvidenceCalls, PartnerCalls, ScanCalls, SweepCalls
from compliance.ingest.limits import BATCH_CHARS, BATCH_RECORDS, check_article, size
from compliance.ingest.our_pages import extract_article
from compliance.ingest.readers import article_from_json, read_paths, read_text
from compliance.matching import align_texts as align_texts  # re-exported: `compliance align`, benches
from compliance.matching import check_page
from compliance.matching import match_article as match_article  # re-exported: tests, benches
from compliance.records import (
    Article,
    ArticleInput,
    Capture,
    CheckReport,
    EncodedFingerprint,
    IndexDrift,
    IngestReport,
    Match,
    PackCheck,
    UpsertStatus,
)
from compliance.review import Reviewing
from compliance.settings import Settings, sqlite_path
from compliance.store import Store

if TYPE_CHECKING:
    from compliance.capture.captures import Resolver

log = logging.getLogger(__name__)

Progress = Callable[[int], None]


class Archive(PartnerCalls, CaseServices, EvidenceCalls, ApiCalls, ScanCalls, SweepCalls, Reviewing):
    """Our articles, their fingerprints and the passage index, behind one object.

    Reviewing comes last: its stand-ins for what the other parts provide must not shadow them.
    """

    def __init__(self, settings: Settings, store: Store | None = None) -> None:
        self.settings = settings
        self.store = store if store is not None else Store(settings)
        self._index: PassageIndex | None = None
        self._synced_at = -math.inf
        # The web app and the API's background checks share one Archive across threads: opening
        # and catching up the index happen under this lock (queries read whole segment lists).
        self._index_lock = threading.RLock()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if "check_jobs" in self.__dict__:  # running background checks finish first
            self.check_jobs.close()
        self.store.close()

    # --- ingest: our articles, fingerprinted, stored and indexed ---

    def ingest(
        self, records: Iterable[ArticleInput | RecordError], progress: Progress | None = None
    ) -> IngestReport:
        """Store and index every good record; a bad one is counted and reported, the rest goes on.

        Records are stored a batch at a time (`limits.BATCH_RECORDS` records or `BATCH_CHARS`
        characters of text), one transaction each: memory stays bounded whatever the input. A
        record built in code is held to the same `limits` as the readers' records.
        """
        counts = {"ingested": 0, "updated": 0, "unchanged": 0}
        errors: list[str] = []
        for batch in _batches(records):
            good: list[ArticleInput] = []
            for item in map(_checked, batch):
                if isinstance(item, RecordError):
                    # Debug only: the caller reports IngestReport.errors (the CLI prints each once).
                    log.debug("skipped %s", item)
                    errors.append(str(item))
                else:
                    good.append(item)
            if good:
                pairs = [(item, self._fingerprinter(item)) for item in good]
                for _article, status in self.store.upsert_articles(pairs):
                    counts[status] += 1
            if progress is not None:
                progress(len(batch))
        self.sync_index()  # catch the index up now, not on the first check
        return IngestReport(**counts, failed=len(errors), errors=tuple(errors))

    def ingest_url(self, url: str, resolver: Resolver | None = None) -> tuple[Article, str, Capture]:
        """Fetch one of our article pages, store the article, and capture the page as published."""
        from compliance.capture.captures import store_fetch
        from compliance.capture.fetch import fetch

        result = fetch(url, self.settings, resolver=resolver)
        page = extract_article(result.body, url=result.final_url, timezone=self.settings.publisher_timezone)
        found = check_article(page)  # our page too: NUL, overlong fields, no words
        [(article, status)] = self.store.upsert_articles([(found, self._fingerprinter(found))])
        metadata = {
            "title": found.title,
            "author": found.author,
            "section": found.section,
            "published": found.published_at.isoformat() if found.published_at else None,
            "rights_notice": found.rights_notice,
        }
        capture = store_fetch(result, found.body, metadata, self.settings, self.store, article.id)
        self.sync_index()
        return article, status, capture

    def save_article(self, item: ArticleInput) -> tuple[Article, UpsertStatus]:
        """Store one article (by url: a new one, or an update) and index it at once."""
        item = check_article(item)
        [(article, status)] = self.store.upsert_articles([(item, self._fingerprinter(item))])
        self.sync_index()
        return article, status

    def _fingerprinter(self, item: ArticleInput) -> Callable[[], EncodedFingerprint]:
        return lambda: self._fingerprint(item.body, item.url)

    def _fingerprint(self, body: str, url: str) -> EncodedFingerprint:
        """The stored fingerprint of an article, with its bag keys made from the same words."""
        return encode(fingerprint(body, self.settings, with_bags=True), url)

    def outdated_fingerprints(self) -> int:
        """How many stored fingerprints an older normalization made (`refresh_fingerprints` redoes them)."""
        return self.store.count_outdated_fingerprints(self.settings.fingerprint_params()["normalization"])

    def refresh_fingerprints(self, batch: int = 200, progress: Progress | None = None) -> int:
        """Fingerprint again, from the stored text, every article an older normalization fingerprinted.

        A batch of `batch` articles per transaction: a kill loses at most the batch under way,
        and a rerun takes up what is left. `progress` gets the number of fingerprints each batch
        went through. The index is caught up at the end. Returns how many were replaced.
        """
        current = self.settings.fingerprint_params()["normalization"]
        replaced = 0
        for page in self.store.outdated_fingerprints(current, batch):
            made = [(print_id, self._fingerprint(a.body, a.url)) for print_id, a in page]
            replaced += self.store.replace_fingerprints(made)
            if progress is not None:
                progress(len(page))
        if replaced:
            log.info("recomputed %d fingerprints with normalization %d", replaced, current)
            self.sync_index()
        return replaced

    # --- check: page text → matches (compliance.matching) ---

    def check_text(self, text: str) -> list[Match]:
        """Every article of ours that `text` reproduces, best first (a long page in parts)."""
        # `align` named here, where tests and benches patch it to count the alignments.
        return check_page(text, self.index, self.store, self.settings, align)

    def check_capture(self, capture: Capture) -> list[Match]:
        """The matches of a captured page: its whole visible text, the boilerplate it recorded blanked."""
        return self.check_text(checked_text(capture.text, capture.metadata))

    # --- record: suspect pages checked, captures and findings kept (compliance.checks) ---

    def record_text(self, text: str, name: str | None = None) -> CheckReport:
        """Check a submitted text and keep what it reproduces as findings (`checks`).

        A character no database stores alike (NUL, a lone surrogate) becomes U+FFFD first, as in
        a fetched page, so the text checked is the text kept on either database."""
        text, name = storable(text), storable(name)
        return record(self.store, self.settings, text_page(text, name), text, self.check_text(text))

    def record_url(self, url: str, resolver: Resolver | None = None) -> CheckReport:
        """Fetch a suspect URL safely, keep the capture, check its text and keep the findings."""
        from compliance.capture.captures import capture_url  # fetching libraries load only when needed

        capture = capture_url(url, self.settings, self.store, resolver)
        matches = self.check_capture(capture)
        return record(self.store, self.settings, url_page(capture), capture.text, matches, capture)

    def record_file(self, path: str) -> CheckReport:
        """Keep a submitted file (.html, .txt, .eml, .pdf) as a capture, check it, keep the findings."""
        from compliance.capture.captures import capture_file

        capture = capture_file(path, self.settings, self.store)
        matches = self.check_capture(capture)
        return record(self.store, self.settings, file_page(path), capture.text, matches, capture)

    # --- index management ---

    @property
    def index(self) -> PassageIndex:
        """The passage index, opened on first use and caught up with the database.

        Catching up costs a query, so a long-lived process (the web app, a worker) does it at
        most every `index_refresh` seconds to see other processes' writes; its own writes
        catch up at once.
        """
        index = self._open_index()
        if time.monotonic() - self._synced_at >= self.settings.index_refresh:
            self.sync_index()
        return index

    def sync_index(self) -> None:
        """Catch the passage index up with the database now."""
        with self._index_lock:
            index = self._open_index()
            index.sync(Decoded(self.store, index.params))
            self._synced_at = time.monotonic()

    def index_drift(self) -> IndexDrift:
        """How the index folder, as it is now, differs from the stored fingerprints (nothing synced)."""
        with self._index_lock:
            stored = PassageIndex.open(self._index_folder(), self.settings.index_params())
            return stored.drift(Decoded(self.store))

    def rebuild_index(self, progress: Progress | None = None) -> IndexDrift:
        """Index every stored fingerprint again, from nothing; `progress(n)` per batch. The drift after."""
        with self._index_lock:
            index = PassageIndex(self._index_folder(), self.settings.index_params())
            index.rebuild(Decoded(self.store, index.params), progress)
            self._index, self._synced_at = index, time.monotonic()
            return index.drift(Decoded(self.store))

    def compact_index(self) -> tuple[int, int]:
        """Catch the index up, then merge its segments into one (bounded memory, under the
        folder's lock); the number of segments before and after."""
        index = self.index
        before = len(index.segments)
        with self._index_lock:
            index.compact()
        return before, len(index.segments)

    def _open_index(self) -> PassageIndex:
        with self._index_lock:
            if self._index is None:
                self._index = PassageIndex.open(self._index_folder(), self.settings.index_params())
            return self._index

    def _index_folder(self) -> Path | None:
        """Where the index is kept: None (in memory) for an in-memory SQLite database without index_dir."""
        url = self.settings.database_url
        in_memory = url.startswith("sqlite") and sqlite_path(url) is None
        return None if in_memory and not self.settings.index_dir else self.settings.index_path

    def delete_article(self, url: str) -> bool:
        """Delete one of our articles and its fingerprint, index included; False if none is stored."""
        deleted = self.store.delete_article(url)
        if deleted:
            self.sync_index()
        return deleted


# --- Reading inputs, for the callers of `Archive` (the CLI, the web layer) ---


def read_articles(
    paths: Sequence[str | os.PathLike[str]], settings: Settings
) -> Iterator[ArticleInput | RecordError]:
    """One `ArticleInput` or `RecordError` per record of the given files and folders, in order."""
    return read_paths(paths, settings)


def article_from_dict(value: Any, settings: Settings) -> ArticleInput:
    """One article given as a parsed JSON object (an API request), checked as ingest checks records."""
    return check_article(article_from_json(value, settings))


def read_page_text(path: str | os.PathLike[str], settings: Settings) -> str:
    """The text of one UTF-8 plain-text page ("-": stdin), exactly as decoded, BOM dropped."""
    return read_text(path, settings)


Record = ArticleInput | RecordError


def _batches(items: Iterable[Record]) -> Iterator[list[Record]]:
    """`items` in lists of BATCH_RECORDS, or fewer when their text reaches BATCH_CHARS characters."""
    batch: list[Record] = []
    chars = 0
    for item in items:
        batch.append(item)
        chars += size(item) if isinstance(item, ArticleInput) else 0
        if len(batch) >= BATCH_RECORDS or chars >= BATCH_CHARS:
            yield batch
            batch, chars = [], 0
    if batch:
        yield batch


def run_worker(settings: Settings, concurrency: int | None = None, name: str | None = None) -> None:
    """Run one Celery worker until stopped (`compliance worker`); the database is migrated first.

    The worker's processes each open their own Archive: none is held here across their fork.
    """
    from compliance.workers.app import configure
    from compliance.workers.app import run_worker as run

    configure(settings)  # ConfigurationError without a broker, before anything starts
    Store(settings).close()  # the schema brought up to date once, by this process
    run(settings, concurrency, name)


def verify_pack(path: str | os.PathLike[str]) -> PackCheck:
    """Check an evidence pack by itself (no database): every file against its manifest."""
    from compliance.cases.packs import verify_pack as verify

    return verify(Path(path))


def _checked(item: Record) -> Record:
    """`item`, or the RecordError of an article over one of `limits` (one built in code)."""
    if isinstance(item, RecordError):
        return item
    try:
        return check_article(item)
    except InputError as exc:
        url = str(item.url)
        shown = url if len(url) <= 120 else f"{url[:120]}…"
        # backslashreplace: a lone surrogate in the url must not break printing the reason
        return RecordError(str(exc), shown.encode("utf-8", "backslashreplace").decode())
