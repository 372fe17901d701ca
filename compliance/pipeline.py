"""The stages chained, in the one place where their order lives.

    ingest: records ─► fingerprint ─► store ─► index
            our URL ─► fetch ─► extract our article ─► (as records) ─► capture as evidence
    check:  page text ─► tokenize ─► window minima ─► index ─► candidates ─► align ─► score ─► verdict
            suspect URL or file ─► capture (fetch or read, extract, WARC) ─► (as page text)

`Archive` owns the store and the passage index for the CLI, the web app and the workers alike.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from compliance import shapes
from compliance.access import ApiKeys
from compliance.checks import file_page, record, text_page, url_page
from compliance.detect.align import align
from compliance.detect.arrays import distinct
from compliance.detect.fingerprint import encode, fingerprint, shingle_hashes, window_minima
from compliance.detect.index import Decoded, PassageIndex
from compliance.detect.normalize import Tokens, token_hashes, tokenize
from compliance.detect.parts import merge_passages, page_parts, part_tokens, shifted
from compliance.detect.score import scores, shingle_set, verdict
from compliance.errors import InputError, NotFoundError, RecordError
from compliance.ingest.limits import BATCH_CHARS, BATCH_RECORDS, check_article, size
from compliance.ingest.our_pages import extract_article
from compliance.ingest.readers import article_from_json, read_paths, read_text
from compliance.jobs import CheckJobs
from compliance.policy.partners import checked_partner
from compliance.records import (
    Action,
    Actor,
    Article,
    ArticleInput,
    AuditNote,
    Capture,
    CheckReport,
    EncodedFingerprint,
    Finding,
    FindingQuery,
    IngestReport,
    Match,
    PackCheck,
    Partner,
    Passage,
    Recheck,
    ScanReport,
    Site,
    UpsertStatus,
)
from compliance.review import Reviewing
from compliance.settings import Settings, sqlite_path
from compliance.store import Store

if TYPE_CHECKING:
    from compliance.capture.captures import Resolver
    from compliance.capture.evidence_folder import Orphan
    from compliance.cases.journal import AuditLog
    from compliance.cases.notices import Notices
    from compliance.cases.workflow import Cases
    from compliance.users import Users

log = logging.getLogger(__name__)

# Shingles of an article: a reproduced passage, even edited, shares many of its shingles with the
# page within this span; an unrelated article shares stock phrases scattered over its length.
DENSITY_SPAN = 24
Progress = Callable[[int], None]


def align_texts(article_text: str, page_text: str, settings: Settings) -> list[Passage]:
    """The passages of `article_text` that `page_text` reproduces."""
    return align(tokenize(article_text), tokenize(page_text), settings)


def match_article(article: Article, page: Tokens, settings: Settings) -> Match | None:
    """The match of one article in a page, or None when too little of it is there."""
    article_tokens = _article_tokens(article.body)
    passages = align(article_tokens, page, settings)
    if not passages:
        return None
    result = scores(passages, article_tokens, page, settings)
    found = verdict(result, settings)
    return Match(article, tuple(passages), result, found) if found else None


@lru_cache(maxsize=4096)
def _article_tokens(body: str) -> Tokens:
    return tokenize(body)


def _densest_sharing(shingles: np.ndarray, page_shingles: np.ndarray) -> int:
    """The most article shingles found in the page (sorted, distinct) within any DENSITY_SPAN."""
    if not len(page_shingles) or not len(shingles):
        return 0
    at = np.minimum(np.searchsorted(page_shingles, shingles), len(page_shingles) - 1)
    shared = np.concatenate(([0], np.cumsum(page_shingles[at] == shingles)))
    span = min(DENSITY_SPAN, len(shingles))
    return int((shared[span:] - shared[:-span]).max())


class _PageCheck:
    """One page checked in parts (`compliance.detect.parts`), so that its cost grows with its length.

    Each part is looked up in the index, its candidates density-tested and aligned with the part
    alone; the passages an article has in several parts are joined, then scored on the whole page.
    An article that is a candidate of consecutive parts is fetched and shingled once.
    """

    def __init__(self, text: str, index: PassageIndex, store: Store, settings: Settings) -> None:
        self.text, self.index, self.store, self.settings = text, index, store, settings
        self.page: Tokens | None = None
        self.recent: dict[int, tuple[Article, np.ndarray]] = {}  # the last part's candidates
        self.found: dict[int, tuple[Article, list[Passage]]] = {}

    def matches(self) -> list[Match]:
        """Every article of ours that the page reproduces, best first."""
        s = self.settings
        hashes = token_hashes(self.text)  # faster than tokenize, enough for a page of one part
        if len(hashes) > s.check_part_words:
            self.page = tokenize(self.text)
            hashes = self.page.hashes
        for start, end in page_parts(len(hashes), s.check_part_words, s.check_part_overlap):
            likely = self._likely(hashes[start:end])
            if likely:
                self._align(likely, start, end)
        if not self.found:
            return []
        page_shingles = shingle_set(self._page(), s.shingle_size)
        found = [m for a, p in self.found.values() if (m := self._match(a, p, page_shingles)) is not None]
        return sorted(found, key=lambda m: (-m.scores.coverage, -m.scores.reproduced_words, m.article.id))

    def _likely(self, hashes: np.ndarray) -> list[Article]:
        """The part's candidates that share its shingles densely enough to be worth aligning."""
        s = self.settings
        shingles = shingle_hashes(hashes, s.shingle_size)
        minima = window_minima(shingles, s.window)
        ids = [i for i, _score in self.index.query(minima, s.max_df, s.max_candidates)]
        fetched = self.store.get_articles([i for i in ids if i not in self.recent])
        known = self.recent | {
            i: (a, shingle_hashes(token_hashes(a.body), s.shingle_size)) for i, a in fetched.items()
        }
        self.recent = {i: known[i] for i in ids if i in known}
        # Most candidates share stock phrases scattered over their length, not a passage: how
        # densely they share shingles (fast hashes, no spans) spares them the full alignment.
        page_shingles = distinct(shingles)
        # A reportable match reproduces min_match_words words; with one edit among them, it
        # still shares this many shingles.
        floor = max(1, s.min_match_words - 2 * s.shingle_size + 1)
        return [
            a
            for a, article_shingles in self.recent.values()
            if _densest_sharing(article_shingles, page_shingles) >= floor
        ]

    def _align(self, likely: list[Article], start: int, end: int) -> None:
        """Align each likely article with the part [start, end) alone; keep its passages."""
        part, offset = part_tokens(self._page(), start, end)
        for article in likely:
            passages = align(_article_tokens(article.body), part, self.settings)
            if passages:
                self.found.setdefault(article.id, (article, []))[1].extend(shifted(passages, offset))

    def _match(self, article: Article, passages: list[Passage], page_shingles: np.ndarray) -> Match | None:
        """The article's passages from every part, joined and judged against the whole page."""
        tokens = _article_tokens(article.body)
        joined = merge_passages(passages, tokens)
        result = scores(joined, tokens, self._page(), self.settings, page_shingles)
        found = verdict(result, self.settings)
        return Match(article, tuple(joined), result, found) if found else None

    def _page(self) -> Tokens:
        if self.page is None:
            self.page = tokenize(self.text)
        return self.page


class Archive(Reviewing):
    """Our articles, their fingerprints and the passage index, behind one object."""

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
            self._open_index().sync(Decoded(self.store))
            self._synced_at = time.monotonic()

    def _open_index(self) -> PassageIndex:
        with self._index_lock:
            if self._index is None:
                url = self.settings.database_url
                in_memory = url.startswith("sqlite") and sqlite_path(url) is None
                path = None if in_memory and not self.settings.index_dir else self.settings.index_path
                self._index = PassageIndex.open(path, self.settings.fingerprint_params())
            return self._index

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

    def check_text(self, text: str) -> list[Match]:
        """Every article of ours that `text` reproduces, best first (a long page in parts)."""
        return _PageCheck(text, self.index, self.store, self.settings).matches()

    def record_text(self, text: str, name: str | None = None) -> CheckReport:
        """Check a submitted text and keep what it reproduces as findings (`checks`)."""
        return record(self.store, self.settings, text_page(text, name), text, self.check_text(text))

    def record_url(self, url: str, resolver: Resolver | None = None) -> CheckReport:
        """Fetch a suspect URL safely, keep the capture, check its text and keep the findings."""
        from compliance.capture.captures import capture_url  # fetching libraries load only when needed

        capture = capture_url(url, self.settings, self.store, resolver)
        matches = self.check_text(capture.text)
        return record(self.store, self.settings, url_page(capture), capture.text, matches, capture)

    def record_file(self, path: str) -> CheckReport:
        """Keep a submitted file (.html, .txt, .eml, .pdf) as a capture, check it, keep the findings."""
        from compliance.capture.captures import capture_file

        capture = capture_file(path, self.settings, self.store)
        matches = self.check_text(capture.text)
        return record(self.store, self.settings, file_page(path), capture.text, matches, capture)

    def finding(self, finding_id: int) -> Finding | None:
        """A stored finding with its page and sightings, or None."""
        return self.store.get_finding(finding_id)

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

    # --- What the CLI and the web layer ask of the archive besides ingest and check ---

    def delete_article(self, url: str) -> bool:
        """Delete one of our articles and its fingerprint, index included; False if none is stored."""
        deleted = self.store.delete_article(url)
        if deleted:
            self.sync_index()
        return deleted

    def articles_without_notice(self) -> list[Article]:
        """Our articles stored without a rights notice: reproduction of them was never reserved."""
        return self.store.articles_without_notice()

    # --- Partners (licensees): checked here, stored by the store ---

    def partners(self) -> list[Partner]:
        """Every partner, by name."""
        return self.store.partners()

    def partner(self, name: str) -> Partner:
        """The partner called `name`; NotFoundError if there is none."""
        found = self.store.partner(name)
        if found is None:
            raise NotFoundError(f"no partner called {name!r}")
        return found

    def add_partner(self, partner: Partner, actor: Actor | None = None) -> Partner:
        """Store a new partner, its domains checked (no domain shared with another partner); audited."""
        who, checked = self._acting(actor, Action.MANAGE_PARTNERS), checked_partner(partner)
        note = AuditNote(who.name, "partner.add", f"partner:{checked.name}", shapes.partner(checked))
        return self.store.workflow.add_partner(checked, note)

    def update_partner(self, name: str, partner: Partner, actor: Actor | None = None) -> Partner:
        """Replace the partner called `name`; audited."""
        who, checked = self._acting(actor, Action.MANAGE_PARTNERS), checked_partner(partner)
        note = AuditNote(who.name, "partner.update", f"partner:{name}", shapes.partner(checked))
        return self.store.workflow.update_partner(name, checked, note)

    def remove_partner(self, name: str, actor: Actor | None = None) -> None:
        """Delete the partner called `name`; audited."""
        who = self._acting(actor, Action.MANAGE_PARTNERS)
        self.store.workflow.remove_partner(name, AuditNote(who.name, "partner.remove", f"partner:{name}"))

    # --- The legal workflow (compliance.cases): every call names the Actor who acts ---

    @cached_property
    def users(self) -> Users:
        """Users, their roles, and the Actor a user name stands for."""
        from compliance.users import Users

        return Users(self.store)

    @cached_property
    def cases(self) -> Cases:
        """Cases over findings: opened, moved through the state machine, assigned, annotated."""
        from compliance.cases.workflow import Cases

        return Cases(self.store)

    @cached_property
    def notices(self) -> Notices:
        """Notices drafted from cases, approved by a second person, sent with proof."""
        from compliance.cases.notices import Notices

        return Notices(self.store, self.settings)

    @cached_property
    def audit(self) -> AuditLog:
        """The hash-chained, append-only audit log."""
        from compliance.cases.journal import AuditLog

        return AuditLog(self.store)

    def evidence_pack(self, actor: Actor, case_id: int, out: str | os.PathLike[str] | None = None) -> Path:
        """Write the case's evidence pack (ZIP: WARCs, report, manifest); its path. Audited."""
        from compliance.cases.packs import export_pack

        return export_pack(self, actor, case_id, Path(out) if out else None)

    def recheck_due(self, now: datetime | None = None, actor: Actor | None = None) -> list[Recheck]:
        """Check again the pages of every case whose re-check is due (the scheduler calls this)."""
        from compliance.cases.recheck import recheck_due

        return recheck_due(self, now or datetime.now(UTC), actor)

    def _acting(self, actor: Actor | None, action: Action) -> Actor:
        """`actor` (or, with none, the local operator before any user exists) once allowed `action`."""
        from compliance.cases.permissions import require

        who = actor if actor is not None else self.users.actor(None)
        require(who, action)
        return who

    def verify_captures(self, ids: Sequence[int] = ()) -> list[tuple[Capture, str | None]]:
        """Every capture (or those of `ids`) with None when its WARC is intact, else why not."""
        from compliance.capture.captures import verify_captures

        return verify_captures(self.store, self.settings, ids)

    def evidence_orphans(self) -> list[Orphan]:
        """Evidence files no capture names: stale temporary files and unrecorded WARCs."""
        from compliance.capture.captures import evidence_orphans

        return evidence_orphans(self.store, self.settings)

    def clean_evidence(self) -> list[tuple[Orphan, str]]:
        """Delete stale temporary evidence files, quarantine unrecorded WARCs; what went where."""
        from compliance.capture.captures import clean_evidence

        return clean_evidence(self.store, self.settings)

    # --- What the JSON API asks besides checks: keys, background jobs, listings, one article ---

    @cached_property
    def api_keys(self) -> ApiKeys:
        """The keys of the JSON API."""
        return ApiKeys(self.store)

    @cached_property
    def check_jobs(self) -> CheckJobs:
        """URL checks run in the background (a thread pool, started on first use)."""
        return CheckJobs(self)

    def find_findings(self, query: FindingQuery) -> list[Finding]:
        """The findings passing `query`, by id, without their sightings."""
        return self.store.find_findings(query)

    def save_article(self, item: ArticleInput) -> tuple[Article, UpsertStatus]:
        """Store one article (by url: a new one, or an update) and index it at once."""
        item = check_article(item)
        [(article, status)] = self.store.upsert_articles([(item, self._fingerprinter(item))])
        self.sync_index()
        return article, status

    # --- Watched sites and their scans (compliance.scans) ---

    def sites(self) -> list[Site]:
        """Every watched site, by name."""
        return self.store.sites()

    def site(self, name: str) -> Site:
        """The watched site called `name`; NotFoundError if there is none."""
        found = self.store.site(name)
        if found is None:
            raise NotFoundError(f"no site called {name!r}")
        return found

    def add_site(self, site: Site) -> Site:
        """Watch a new site, its settings checked (InputError names the bad one)."""
        from compliance.scans.sites import checked_site

        return self.store.add_site(checked_site(site))

    def update_site(self, name: str, site: Site) -> Site:
        """Replace the settings of the site called `name`."""
        from compliance.scans.sites import checked_site

        return self.store.update_site(name, checked_site(site))

    def remove_site(self, name: str) -> None:
        """Stop watching the site called `name` (its findings stay)."""
        self.store.remove_site(name)

    def scan(
        self, names: Sequence[str] = (), due: bool = False, progress: Callable[[str, str], None] | None = None
    ) -> ScanReport:
        """Scan the named sites (all of them if none), only those due with `due`; alerts sent after."""
        from compliance.scans.run import due_sites, run_scans

        chosen = [self.site(name) for name in dict.fromkeys(names)] or self.sites()
        if due:
            ready = {site.name for site in due_sites(self)}
            chosen = [site for site in chosen if site.name in ready]
        elif not chosen:
            raise InputError("no watched site: add one with `compliance sites add NAME --seed URL`")
        return run_scans(self, chosen, progress)

    def run_scheduler(self) -> None:
        """Scan every watched site on its schedule, in this process, until interrupted."""
        from compliance.scans.schedule import run_scheduler

        run_scheduler(self)

    def _fingerprinter(self, item: ArticleInput) -> Callable[[], EncodedFingerprint]:
        return lambda: encode(fingerprint(item.body, self.settings), item.url)


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
