"""One validated settings object, read once from the environment (`COMPLIANCE_*`) or given in code.

Every detection parameter lives here so that it is recorded next to what it produced: fingerprints
keep `num_perm`, `seed`, `shingle_size` and `window` (and the normalization version that folded
their words); matches keep the thresholds of their verdict.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from compliance.detect.normalize import NORMALIZATION
from compliance.errors import ConfigurationError

DEFAULT_DATABASE_URL = "sqlite:///var/compliance.db"
RETRIEVAL_CHANNELS = ("minima", "bags", "both")
QUOTATION_CREDITS = ("name_or_link", "name_and_link", "none")


@dataclass(frozen=True)
class Settings:
    """Detection, storage and fetching parameters, checked at construction."""

    database_url: str = DEFAULT_DATABASE_URL
    index_dir: str = ""  # empty: beside the SQLite file, or ./var/index for a server database
    # Connections to a database server (PostgreSQL), per process; each is pinged before use, so
    # one the server dropped (a restart, pg_terminate_backend) is replaced, not failed on.
    db_pool_size: int = 5  # connections kept open
    db_max_overflow: int = 10  # more opened under load, closed again when returned
    db_pool_recycle: float = 1800.0  # seconds before a connection is replaced (firewalls drop idle ones)
    db_pool_timeout: float = 30.0  # seconds a call waits for a free connection before it fails

    # Fingerprints: word shingles, a whole-text MinHash, and the minimum of every passage window.
    shingle_size: int = 3
    num_perm: int = 64
    seed: int = 1
    window: int = 8  # shingles per window: shared runs of window + shingle_size - 1 words are found
    max_candidates: int = 40  # articles aligned per page, most shared window minima first
    max_df: int = 200  # a window minimum in more articles than this (per 100,000) is too common to search
    # The second, order-insensitive channel (compliance/detect/bags.py): pairs of rare words per
    # window of content words, found whatever their order. Calibrated on pan13-train in archive mode
    # (bench/archive_mode.py, floors in tests/quality_floors.json): change them together.
    retrieval: str = "both"  # channels queried: "minima", "bags" or "both" (candidates united)
    bag_words: int = 6  # content words per bag window
    bag_min_letters: int = 5  # a content word has at least this many letters (once folded)
    bag_max_df: int = 20  # a bag key in more articles than this (per 100,000) is too common to search
    bag_candidates: int = 20  # articles the bag channel hands on per page part, most shared first
    bag_min_shared: int = 4  # ...and each shares at least this many of the part's bag keys
    # An article both channels vouch for (a window-minima candidate sharing 2 bag keys or more, or
    # a bag candidate sharing 3 keys, fewer than bag_min_shared) is aligned when it shares this many
    # shingles with the part close together in both texts (compliance/detect/density.py); other
    # window-minima candidates need as many as a 12-word quotation with a small edit keeps (6)
    # (compliance/matching.py). A reworded copy keeps few runs of 3 words.
    agreed_min_shingles: int = 3
    # ...or this many content words close together in both texts: what a copy translated back and
    # forth keeps (for any article sharing 2 bag keys or more, bag candidates too).
    agreed_min_words: int = 7
    index_refresh: float = 2.0  # seconds between checks for other processes' writes to the archive
    # Check cost: a long page is checked in overlapping parts, each looked up on its own (and, past
    # align_whole_words, aligned on its own).
    check_part_words: int = 2000  # words per part, about the pages the retrieval was tuned on
    check_part_overlap: int = 200  # words two parts share: a passage this long lies whole in one
    # A page up to this long is aligned whole with what any of its parts finds, as a pair would be
    # (the aligner weighs words by the sentences of the whole page); a longer one part by part.
    align_whole_words: int = 10_000

    # Alignment: seeds (exact runs, similar sentences) grown into passages, then judged.
    max_gap: int = 24  # words that may separate two seeds of one passage
    min_passage_words: int = 8
    sentence_words: int = 40  # longer sentences are compared in pieces of at most this many words
    sentence_similarity: float = 0.25  # tf-idf cosine and Dice of two similar sentences, at least
    min_evidence: float = 8.0  # weighted content words a passage shares (a rare word weighs 1)
    close_wording: float = 0.43  # ...and how close its wording is (shared runs and ordinary words)
    paraphrase_contrast: float = 0.35  # ...or how far a paraphrase stands out of the page's background
    summary_ratio: float = 2.0  # a summary is this many times shorter than what it summarises, at least

    # Verdict thresholds.
    full_coverage: float = 0.8
    substantial_coverage: float = 0.2
    substantial_words: int = 50
    quotation_words: int = 12
    min_match_words: int = 12

    # Policy: who copied and how (compliance.policy). Calibrated on French law's short quotation
    # (CPI art. L122-5 3° a: brief, with the author and the source clearly named).
    own_domains: tuple[str, ...] = field(default_factory=tuple)  # besides our articles' own domains
    publisher_names: tuple[str, ...] = field(default_factory=tuple)  # besides the © holder of our notice
    credit_patterns: tuple[str, ...] = field(default_factory=tuple)  # extra regexes that credit us
    quotation_max_words: int = 60  # every passage of a short quotation is shorter than this...
    quotation_max_share: float = 0.10  # ...and than this share of the article's words
    quotation_credit: str = "name_or_link"  # what a quotation must carry: name_or_link|name_and_link|none
    snippet_max_words: int = 40  # a snippet: one passage (the lede) at most this long, with a link
    wire_agencies: tuple[str, ...] = (
        "AFP",
        "AP",
        "APS",
        "ANSA",
        "DPA",
        "EFE",
        "MAP",
        "Reuters",
        "TAP",
        "Xinhua",
    )  # credits that mark a paragraph of ours as someone else's text
    repeat_offender_articles: int = 3  # a site with findings on this many of our articles...
    repeat_offender_days: int = 30  # ...within this many days is a repeat offender

    # Our own pages: datelines are written in the publisher's local time.
    publisher_timezone: str = "Africa/Algiers"
    max_input_bytes: int = 10 * 1024 * 1024  # one .json/.html/.txt file, or one JSONL line

    # Fetching (suspect URLs).
    fetch_allow_hosts: tuple[str, ...] = field(default_factory=tuple)
    user_agent: str = "compliance-checker/0.1 (+https://example.org/compliance)"
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    fetch_deadline: float = 45.0  # seconds for a whole fetch: connect, headers, body, every redirect
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5
    evidence_dir: str = ""  # empty: ./var/evidence
    # A line of a page's rest (outside its main text) seen on this many latest other captures of
    # its host is boilerplate, blanked before the check (compliance/capture/boilerplate.py).
    boilerplate_captures: int = 200

    # Dashboard sign-in: this many wrong passwords in a row lock the account for this long.
    login_max_failures: int = 5
    login_lock_minutes: int = 15

    # Cases and notices (compliance.cases).
    publisher_name: str = ""  # who sends notices; empty: the first of publisher_names
    publisher_contact: str = ""  # the address notices give for answers
    notice_signatory: str = ""  # who signs notices; empty: the approver
    notice_deadline_days: int = 8  # days a notice gives the other side to comply
    recheck_days: tuple[int, ...] = (2, 7, 30)  # re-checks of confirmed and notified cases, in days
    # The JSON API (web/api/).
    api_rate_limit: str = "300/minute"  # per API key, Flask-Limiter's notation ("10/second;300/minute")
    ratelimit_storage_url: str = ""  # empty: counted in memory, per process; redis://… to share
    api_max_request_bytes: int = 12 * 1024 * 1024  # a larger request body is refused (413)
    api_check_wait: float = 5.0  # seconds a URL check may take before the API answers 202 and a job
    api_workers: int = 2  # threads running background URL checks in each web process
    webhook_secret: str = field(default="", repr=False)  # HMAC-SHA256 key signing webhook calls
    # Scans of watched sites (compliance.scans) and their alerts.
    scan_workers: int = 4  # sites scanned at once (one request at a time per host in any case)
    scan_lease_seconds: float = 300.0  # a scan holds its site this long after its last page
    scan_max_wait: float = 600.0  # longest Retry-After honoured; a longer one fails the page
    scan_retries: int = 2  # tries after a 429 or 503 answer, per page
    alert_min_severity: str = "high"  # new findings at or above this level are alerted
    alert_webhook_url: str = ""  # a JSON digest is POSTed here, signed (X-Compliance-Signature)
    alert_webhook_secret: str = ""  # the shared HMAC-SHA256 key of that signature
    alert_email_to: tuple[str, ...] = field(default_factory=tuple)  # digest recipients
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_security: str = "none"  # none | starttls | ssl
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_from: str = "compliance@localhost"
    # Celery workers (compliance.workers). Empty broker_url: the embedded default, scans in-process.
    broker_url: str = ""  # e.g. redis://127.0.0.1:6379/0: scans, re-checks and alerts become tasks
    task_time_limit: float = 300.0  # seconds a task may run before its worker process is replaced
    visibility_timeout: float = 3600.0  # a task unacknowledged this long is delivered again (> limit)
    task_retries: int = 8  # tries of a task after a database or broker failure, with back-off
    worker_concurrency: int = 1  # processes of one `compliance worker`
    worker_grace: float = 10.0  # seconds a waiting `scan` gives some worker to answer, then stops waiting

    def __post_init__(self) -> None:
        positive = (
            "shingle_size",
            "num_perm",
            "window",
            "max_candidates",
            "max_df",
            "bag_words",
            "bag_min_letters",
            "bag_max_df",
            "bag_candidates",
            "bag_min_shared",
            "agreed_min_shingles",
            "agreed_min_words",
            "min_passage_words",
            "max_redirects",
            "max_bytes",
            "max_input_bytes",
            "min_match_words",
            "quotation_words",
            "substantial_words",
            "quotation_max_words",
            "snippet_max_words",
            "repeat_offender_articles",
            "repeat_offender_days",
            "login_max_failures",
            "login_lock_minutes",
            "notice_deadline_days",
            "api_max_request_bytes",
            "api_workers",
            "boilerplate_captures",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
        if self.retrieval not in RETRIEVAL_CHANNELS:
            raise ConfigurationError(
                f"retrieval must be one of {', '.join(RETRIEVAL_CHANNELS)}, got {self.retrieval!r}"
            )
        if self.bag_words < 2:
            raise ConfigurationError(f"bag_words must be at least 2, got {self.bag_words!r}")
        if self.max_gap < 0:
            raise ConfigurationError(f"max_gap must be >= 0, got {self.max_gap!r}")
        self._check_alignment()
        self._check_parts()
        for name in ("full_coverage", "substantial_coverage"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigurationError(f"{name} must lie in (0, 1], got {value!r}")
        if self.quotation_words > self.substantial_words:
            raise ConfigurationError("quotation_words must not exceed substantial_words")
        if self.substantial_coverage > self.full_coverage:
            raise ConfigurationError("substantial_coverage must not exceed full_coverage")
        self._check_policy()
        days = self.recheck_days
        if any(not isinstance(d, int) or d < 1 for d in days) or list(days) != sorted(set(days)):
            raise ConfigurationError(f"recheck_days must be increasing positive integers, got {days!r}")
        self._check_scans()
        self._check_workers()
        if not self.database_url:
            raise ConfigurationError("database_url must not be empty")
        if self.index_refresh < 0:
            raise ConfigurationError(f"index_refresh must be >= 0, got {self.index_refresh!r}")
        self._check_pool()
        for name in ("connect_timeout", "read_timeout", "fetch_deadline", "worker_grace"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")
        if self.api_check_wait < 0:
            raise ConfigurationError(f"api_check_wait must be >= 0, got {self.api_check_wait!r}")

    def _check_pool(self) -> None:
        for name, least in (("db_pool_size", 1), ("db_max_overflow", 0)):
            value = getattr(self, name)
            if not isinstance(value, int) or value < least:
                raise ConfigurationError(f"{name} must be an integer >= {least}, got {value!r}")
        for name in ("db_pool_recycle", "db_pool_timeout"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not 0 < value < math.inf:
                raise ConfigurationError(f"{name} must be a positive number of seconds, got {value!r}")

    def _check_parts(self) -> None:
        part, overlap = self.check_part_words, self.check_part_overlap
        for name, value in (("check_part_words", part), ("check_part_overlap", overlap)):
            if not isinstance(value, int) or value < 1:
                raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
        whole = self.align_whole_words
        if not isinstance(whole, int) or whole < 0:
            raise ConfigurationError(f"align_whole_words must be an integer >= 0, got {whole!r}")
        if 2 * overlap > part:
            raise ConfigurationError(
                f"check_part_overlap must be at most half of check_part_words, got {overlap} of {part}"
            )

    def _check_alignment(self) -> None:
        words = self.sentence_words
        if not isinstance(words, int) or words < 1:
            raise ConfigurationError(f"sentence_words must be a positive integer, got {words!r}")
        for name in ("sentence_similarity", "close_wording", "paraphrase_contrast"):
            value = getattr(self, name)
            if not 0.0 < value <= 1.0:
                raise ConfigurationError(f"{name} must lie in (0, 1], got {value!r}")
        if not self.min_evidence > 0:
            raise ConfigurationError(f"min_evidence must be positive, got {self.min_evidence!r}")
        if not self.summary_ratio > 1:
            raise ConfigurationError(f"summary_ratio must be greater than 1, got {self.summary_ratio!r}")

    def _check_policy(self) -> None:
        if not 0.0 < self.quotation_max_share <= 1.0:
            raise ConfigurationError(
                f"quotation_max_share must lie in (0, 1], got {self.quotation_max_share!r}"
            )
        if self.quotation_credit not in QUOTATION_CREDITS:
            choices, got = ", ".join(QUOTATION_CREDITS), self.quotation_credit
            raise ConfigurationError(f"quotation_credit must be one of {choices}, got {got!r}")
        for pattern in self.credit_patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigurationError(
                    f"credit_patterns: {pattern!r} is not a regular expression: {exc}"
                ) from None

    def _check_scans(self) -> None:
        for name in ("scan_workers", "scan_retries", "smtp_port"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < (0 if name == "scan_retries" else 1):
                raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
        for name in ("scan_lease_seconds", "scan_max_wait"):
            if not getattr(self, name) > 0:
                raise ConfigurationError(f"{name} must be positive, got {getattr(self, name)!r}")
        levels = ("none", "low", "medium", "high", "critical")
        if self.alert_min_severity not in levels:
            raise ConfigurationError(
                f"alert_min_severity must be one of {', '.join(levels)}, got {self.alert_min_severity!r}"
            )
        if self.smtp_security not in ("none", "starttls", "ssl"):
            choices = "smtp_security must be none, starttls or ssl"
            raise ConfigurationError(f"{choices}, got {self.smtp_security!r}")
        if self.alert_webhook_url and not self.alert_webhook_secret:
            raise ConfigurationError("alert_webhook_url needs alert_webhook_secret: the digest is signed")

    def _check_workers(self) -> None:
        for name in ("task_retries", "worker_concurrency"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < (0 if name == "task_retries" else 1):
                raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
        if not self.task_time_limit > 0:
            raise ConfigurationError(f"task_time_limit must be positive, got {self.task_time_limit!r}")
        if not self.visibility_timeout > self.task_time_limit:
            raise ConfigurationError(
                f"visibility_timeout ({self.visibility_timeout:g}s) must be longer than task_time_limit "
                f"({self.task_time_limit:g}s): a task still running would be delivered to a second worker"
            )
        if self.broker_url and not self.broker_url.startswith(("redis://", "rediss://", "amqp://")):
            scheme = self.broker_url.split(":")[0]
            raise ConfigurationError(f"broker_url must be a redis:// or amqp:// URL, got {scheme!r}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from `COMPLIANCE_<NAME>` variables, then `overrides`."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get(f"COMPLIANCE_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _parse(f.name, raw, f.type)
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return replace(self, **changes)

    @property
    def index_path(self) -> Path:
        """Folder holding the passage index files."""
        if self.index_dir:
            return Path(self.index_dir)
        sqlite_file = sqlite_path(self.database_url)
        if sqlite_file is not None:
            return sqlite_file.with_name(sqlite_file.stem + ".index")
        return Path("var") / "index"

    @property
    def evidence_path(self) -> Path:
        return Path(self.evidence_dir) if self.evidence_dir else Path("var") / "evidence"

    def fingerprint_params(self) -> dict[str, int]:
        """The parameters a fingerprint depends on: signatures made with others never compare.

        `normalization` is not a setting: it numbers the code's word folding (NORMALIZATION).
        """
        return {
            "num_perm": self.num_perm,
            "seed": self.seed,
            "shingle_size": self.shingle_size,
            "window": self.window,
            "normalization": NORMALIZATION,
        }

    def bag_params(self) -> dict[str, int]:
        """The parameters a text's bag keys depend on (compliance/detect/bags.py)."""
        return {"bag_words": self.bag_words, "bag_min_letters": self.bag_min_letters}

    def index_params(self) -> dict[str, int]:
        """The parameters the passage index depends on: an index made with others is rebuilt."""
        cut_offs = {"max_df": self.max_df, "bag_max_df": self.bag_max_df}  # merges drop what they cut
        return self.fingerprint_params() | self.bag_params() | cut_offs

    def thresholds(self) -> dict[str, float]:
        """The verdict thresholds, recorded with each verdict."""
        return {
            "full_coverage": self.full_coverage,
            "substantial_coverage": self.substantial_coverage,
            "substantial_words": self.substantial_words,
            "quotation_words": self.quotation_words,
            "min_match_words": self.min_match_words,
        }

    def policy_rules(self) -> dict[str, Any]:
        """The policy's rules in force, recorded with each finding so its verdict can be explained later."""
        return {
            "own_domains": list(self.own_domains),
            "publisher_names": list(self.publisher_names),
            "credit_patterns": list(self.credit_patterns),
            "quotation_max_words": self.quotation_max_words,
            "quotation_max_share": self.quotation_max_share,
            "quotation_credit": self.quotation_credit,
            "snippet_max_words": self.snippet_max_words,
            "wire_agencies": list(self.wire_agencies),
            "repeat_offender_articles": self.repeat_offender_articles,
            "repeat_offender_days": self.repeat_offender_days,
        }


def sqlite_path(database_url: str) -> Path | None:
    """The file behind a `sqlite:///` URL, or None for memory or another database."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix) or database_url.endswith(":memory:"):
        return None
    return Path(database_url[len(prefix) :])


def _parse(name: str, raw: str, annotation: Any) -> Any:
    kind = str(annotation)
    try:
        if "tuple[int" in kind:
            return tuple(int(part) for part in raw.split(",") if part.strip())
        if "tuple" in kind:
            return tuple(part.strip() for part in raw.split(",") if part.strip())
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        raise ConfigurationError(f"COMPLIANCE_{name.upper()} must be a number, got {raw!r}") from None
    return raw
