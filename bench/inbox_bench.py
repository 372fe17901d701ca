"""Inbox latency on 100,000 findings: the dashboard's `/` rendered through Flask's test client.

In: a SQLite archive built once and cached under bench/out/ (keyed by its sizes, the seed, the
schema revision and this script): the 22 fixture articles plus `--synthetic` ones (bench/corpus.py),
ingested through `Archive.ingest`; then `--findings` findings on `--sites` domains (sizes drawn
from a Zipf-like law, every site with a few), written by bulk SQLAlchemy Core inserts into the
real tables (pages, findings, sightings, finding_reviews) of a schema `Store` migrated first.
Out: a Markdown section with, per inbox view (default, filtered by verdict and severity, sorted
by number of findings, page 50), the p50/p95 of

  (a) GET through `web.create_app` signed in as a demo user (the whole request: session, the
      `Archive.inbox` queries, the template);
  (b) `Archive.inbox` alone, the same call the view makes (its SQL and the rows → records);

and side by side the references, interleaved with them in the same run: (c) GET `/healthz`
on the same app (one `count(*)` on articles: the fixed cost of a request), and (d) the raw
grouped SQL of the default view alone (one GROUP BY domain over the findings, first page).

Target (the issue): the inbox renders in under 300 ms at p95 at 100,000 findings.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import OUT, REPO, header, ms, percentile, profile, progress, table, verdict
from corpus import FrenchNews
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, insert, select, text

from compliance.ingest.readers import read_paths
from compliance.pipeline import Archive
from compliance.records import InboxFilter, InboxSort, Role, SeverityLevel, Verdict
from compliance.settings import Settings
from compliance.store.migrations import HEAD_REVISION
from compliance.store.tables import ArticleRow, FindingRow, PageRow, ReviewRow, SightingRow
from web import close_archive, create_app, get_archive

TARGET_P95 = 0.300
FIXTURE = REPO / "fixtures" / "archive" / "articles.jsonl"
USER, PASSWORD = "bench-admin", "bench-password-1"
SITE_LINE = '<li class="site">'
TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
START = datetime(2026, 1, 5, tzinfo=UTC)

# The mix of verdicts, and the severity each verdict mostly gets (with a step either way).
VERDICTS = {
    Verdict.SNIPPET: (0.34, SeverityLevel.LOW),
    Verdict.SHORT_QUOTATION: (0.24, SeverityLevel.LOW),
    Verdict.SUBSTANTIAL_EXCERPT: (0.16, SeverityLevel.HIGH),
    Verdict.FULL_REPRODUCTION: (0.08, SeverityLevel.CRITICAL),
    Verdict.LICENSED: (0.07, SeverityLevel.NONE),
    Verdict.LICENCE_BREACH: (0.03, SeverityLevel.HIGH),
    Verdict.THIRD_PARTY: (0.05, SeverityLevel.MEDIUM),
    Verdict.OWN_SITE: (0.03, SeverityLevel.NONE),
}
LEVELS = list(SeverityLevel)

# What each view asks for: the query string of `/` and the same call to `Archive.inbox`.
VIEWS: dict[str, tuple[str, InboxFilter, InboxSort, int]] = {
    "default (open, worst first, page 1)": ("/", InboxFilter(), InboxSort.SEVERITY, 1),
    "filtered: 2 verdicts × 2 severities": (
        "/?verdict=full_reproduction&verdict=substantial_excerpt&severity=high&severity=critical",
        InboxFilter(
            verdicts=(Verdict.FULL_REPRODUCTION, Verdict.SUBSTANTIAL_EXCERPT),
            severities=(SeverityLevel.HIGH, SeverityLevel.CRITICAL),
        ),
        InboxSort.SEVERITY,
        1,
    ),
    "sorted by findings": ("/?sort=findings", InboxFilter(), InboxSort.FINDINGS, 1),
    "page 50": ("/?page=50", InboxFilter(), InboxSort.SEVERITY, 50),
}
RAW_SQL = text(
    "SELECT f.domain, count(*) AS findings, count(DISTINCT f.article_id) AS articles, "
    "sum(CASE WHEN f.present THEN 1 ELSE 0 END) AS present, max(f.severity_score) AS worst_score, "
    "min(f.first_seen), max(f.last_seen) FROM findings f "
    "LEFT OUTER JOIN finding_reviews r ON r.finding_id = f.id "
    "WHERE coalesce(r.state, 'open') = 'open' GROUP BY f.domain "
    "ORDER BY worst_score DESC, findings DESC, f.domain LIMIT 50"
)


# --- the archive, built once ----------------------------------------------------------------------


def folder_of(args: argparse.Namespace) -> Path:
    return OUT / f"inbox-{args.findings}-{args.sites}-{args.synthetic}-seed{args.seed}"


def cache_key(args: argparse.Namespace) -> dict[str, Any]:
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    sizes = {"findings": args.findings, "sites": args.sites, "synthetic": args.synthetic}
    return {**sizes, "seed": args.seed, "schema": HEAD_REVISION, "script": digest}


def ensure_archive(args: argparse.Namespace) -> tuple[Path, dict[str, Any]]:
    """The folder of the cached archive, built first when missing, stale or --rebuild."""
    folder = folder_of(args)
    meta_path = folder / "meta.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if not args.rebuild and meta.get("key") == cache_key(args):
        progress(f"reusing the archive in {folder} (built in {meta['build_seconds']:.0f} s)")
        return folder, meta
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    start = time.perf_counter()
    settings = settings_of(folder)
    ingested = ingest_articles(settings, args, folder)
    engine = create_engine(settings.database_url)
    with engine.begin() as connection:
        articles = list(connection.scalars(select(ArticleRow.id)))
    counts = fill_findings(engine, articles, args)
    engine.dispose()
    meta = {"key": cache_key(args), "articles": ingested, **counts}
    meta |= {"build_seconds": time.perf_counter() - start, "built": time.strftime("%Y-%m-%d %H:%M")}
    meta["bytes"] = (folder / "archive.db").stat().st_size
    meta_path.write_text(json.dumps(meta, indent=2))
    return folder, meta


def settings_of(folder: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{folder / 'archive.db'}", evidence_dir=str(folder / "evidence"))


def ingest_articles(settings: Settings, args: argparse.Namespace, folder: Path) -> int:
    """The fixture articles and `--synthetic` made-up ones, through the core (migrations run here)."""
    news = FrenchNews(seed=args.seed)
    synthetic = folder / "synthetic.jsonl"
    with synthetic.open("w", encoding="utf-8") as out:
        for number in range(args.synthetic):
            out.write(json.dumps(news.record(number, chars=2000), ensure_ascii=False) + "\n")
    with Archive(settings) as archive:
        report = archive.ingest(read_paths([FIXTURE, synthetic], settings))
    synthetic.unlink()
    if report.failed:
        raise SystemExit(f"ingest failed: {report}")
    progress(f"ingested {report.ingested} articles")
    return report.ingested


def site_sizes(args: argparse.Namespace, rng: random.Random) -> list[int]:
    """Findings per site: a Zipf-like law (a few sites copy a lot), at least 5 each, summing to N."""
    weights = [1 / (rank + 1) ** 0.9 for rank in range(args.sites)]
    spare = args.findings - 5 * args.sites
    sizes = [5 + int(spare * w / sum(weights)) for w in weights]
    for i in rng.sample(range(args.sites), args.findings - sum(sizes)):
        sizes[i] += 1
    return sizes


def fill_findings(engine: Engine, articles: list[int], args: argparse.Namespace) -> dict[str, int]:
    """Pages, findings, sightings and a few reviews, by bulk Core inserts of `--batch` rows."""
    rng = random.Random(f"inbox:{args.seed}")
    counts = {"pages": 0, "findings": 0, "sightings": 0, "reviews": 0}
    page_id = finding_id = 0
    for site, size in enumerate(site_sizes(args, rng)):
        domain = f"site{site:04d}.{rng.choice(('fr', 'com', 'info', 'net', 'ma', 'tn'))}"
        while size > 0:
            page_id += 1
            on_page = min(size, rng.choice((1, 1, 1, 2, 2, 3)))
            counts["pages"] += 1
            queue_row(engine, "pages", page_row(page_id, domain, rng), args.batch)
            for article_id in rng.sample(articles, on_page):
                finding_id += 1
                finding, sightings = finding_rows(finding_id, page_id, article_id, domain, rng)
                queue_row(engine, "findings", finding, args.batch)
                for sighting in sightings:
                    queue_row(engine, "sightings", sighting, args.batch)
                counts["findings"] += 1
                counts["sightings"] += len(sightings)
                if rng.random() < 0.05:  # the legal team already set a few aside
                    counts["reviews"] += 1
                    queue_row(engine, "reviews", review_row(finding_id, rng), args.batch)
            size -= on_page
        if site % 500 == 0:
            progress(f"sites {site:,}/{args.sites:,}, findings {counts['findings']:,}")
    for name in TABLES:
        queue_row(engine, name, None, 1)
    return counts


TABLES = {"pages": PageRow, "findings": FindingRow, "sightings": SightingRow, "reviews": ReviewRow}
_PENDING: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES}


def queue_row(engine: Engine, name: str, row: dict[str, Any] | None, batch: int) -> None:
    """Queue `row`; insert the queue in one executemany when it holds `batch` rows (None: flush)."""
    pending = _PENDING[name]
    if row is not None:
        pending.append(row)
    if len(pending) >= batch or (row is None and pending):
        if name != "pages":  # parents first: findings point to pages, sightings to findings
            queue_row(engine, "pages" if name == "findings" else "findings", None, 1)
        with engine.begin() as connection:
            connection.execute(insert(TABLES[name]), pending)
        pending.clear()


def page_row(page_id: int, domain: str, rng: random.Random) -> dict[str, Any]:
    url = f"https://{domain}/{rng.choice(('actu', 'blog', 'info', 'revue'))}/{page_id}"
    seen = START + timedelta(minutes=rng.randrange(180 * 24 * 60))
    return {
        "id": page_id,
        "key": url,
        "kind": "url",
        "url": url,
        "domain": domain,
        "name": None,
        "sha256": None,
        "text": f"Page {page_id} de {domain}: texte repris, tel que vérifié.",
        "first_seen": seen,
        "last_checked": seen + timedelta(days=rng.randrange(30)),
    }


def finding_rows(
    finding_id: int, page_id: int, article_id: int, domain: str, rng: random.Random
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A finding with the realistic verdict/severity mix, and its 1 to 3 sightings."""
    kind = rng.choices(list(VERDICTS), [share for share, _ in VERDICTS.values()])[0]
    rank = max(0, min(len(LEVELS) - 1, VERDICTS[kind][1].rank + rng.choice((-1, 0, 0, 0, 1))))
    first = START + timedelta(minutes=rng.randrange(180 * 24 * 60))
    seen = [first + timedelta(days=7 * i) for i in range(rng.choice((1, 1, 2, 3)))]
    words = rng.randrange(15, 900)
    passages = [[0, words * 6, 10, 10 + words * 6, words]]
    present = rng.random() < 0.85
    finding = {
        **dict(id=finding_id, article_id=article_id, page_id=page_id, domain=domain, capture_id=None),
        **dict(first_seen=first, last_seen=seen[-1], present=present, verdict=kind.value),
        **dict(reasons=[kind.value], coverage=rng.random(), similarity=rng.random(), page_share=0.4),
        **dict(reproduced_words=words, longest_passage_words=words, passages=passages, attribution={}),
        **dict(notice=rng.choice(("kept", "stripped", "none")), severity_level=LEVELS[rank].value),
        **dict(severity_score=rank * 20 + rng.randrange(20), severity_parts={"size": rank}, rules={}),
    }
    sightings = [
        {
            **dict(finding_id=finding_id, seen_at=at, capture_id=None, verdict=kind.value),
            **dict(status="new" if i == 0 else ("gone" if not present and at == seen[-1] else "still_there")),
            **dict(coverage=finding["coverage"], reproduced_words=words, passages=passages),
        }
        for i, at in enumerate(seen)
    ]
    return finding, sightings


def review_row(finding_id: int, rng: random.Random) -> dict[str, Any]:
    reason = rng.choice(("licensed", "quotation", "false_positive"))
    at = START + timedelta(days=rng.randrange(180))
    return {
        "finding_id": finding_id,
        "state": "dismissed",
        "reason": reason,
        "by": USER,
        "note": "",
        "at": at,
    }


# --- measuring ------------------------------------------------------------------------------------


def signed_in(app: Any) -> FlaskClient:
    """A test client signed in through the login form as the demo admin (created when missing)."""
    with app.app_context():
        users = get_archive().users
        if get_archive().store.workflow.user(USER) is None:
            users.add(users.actor(None), USER, Role.ADMIN, PASSWORD)
    client = app.test_client()
    found = TOKEN.search(client.get("/login").get_data(as_text=True))
    assert found, "no CSRF token on /login"
    answer = client.post("/login", data={"name": USER, "password": PASSWORD, "csrf_token": found.group(1)})
    if answer.status_code != 302:
        raise SystemExit(f"sign-in failed: {answer.status_code}")
    return client


def fetch(client: FlaskClient, path: str) -> Callable[[], object]:
    def get() -> object:
        answer = client.get(path)
        if answer.status_code != 200:
            raise SystemExit(f"GET {path}: {answer.status_code}")
        return answer.get_data()

    return get


def measures(app: Any, client: FlaskClient) -> dict[str, Callable[[], object]]:
    """What is timed: each view by HTTP and by `Archive.inbox`, and the two references."""
    with app.app_context():
        archive = get_archive()
    timed: dict[str, Callable[[], object]] = {}
    for name, (path, wanted, sort, page) in VIEWS.items():
        timed[f"GET {name}"] = fetch(client, path)
        timed[f"inbox {name}"] = inbox_call(archive, wanted, sort, page)
    timed["GET /healthz"] = fetch(client, "/healthz")
    engine = create_engine(archive.settings.database_url)
    timed["raw SQL"] = lambda: _raw(engine)
    return timed


def inbox_call(archive: Archive, wanted: InboxFilter, sort: InboxSort, page: int) -> Callable[[], object]:
    return lambda: archive.inbox(wanted, sort, page, 50)


def _raw(engine: Engine) -> object:
    with engine.connect() as connection:
        return connection.execute(RAW_SQL).all()


def run_rounds(timed: dict[str, Callable[[], object]], rounds: int, warmup: int) -> dict[str, list[float]]:
    """Every measure once a round, in turn, so that noise from the shared machine hits them all."""
    times: dict[str, list[float]] = {name: [] for name in timed}
    for round_ in range(warmup + rounds):
        for name, function in timed.items():
            start = time.perf_counter()
            function()
            if round_ >= warmup:
                times[name].append(time.perf_counter() - start)
        if round_ % 5 == 0:
            progress(f"round {round_ + 1}/{warmup + rounds}")
    return times


def checks(client: FlaskClient, meta: dict[str, Any]) -> Iterator[str]:
    """What the pages say, so that a fast figure is not an empty page."""
    for name, (path, *_) in VIEWS.items():
        body = client.get(path).get_data(as_text=True)
        yield f"{name}: {body.count(SITE_LINE)} site lines, {len(body) / 1024:.0f} KiB of HTML"


def report(
    args: argparse.Namespace, meta: dict[str, Any], times: dict[str, list[float]], seen: list[str]
) -> str:
    p = {name: (percentile(v, 50), percentile(v, 95)) for name, v in times.items()}
    health, raw = p["GET /healthz"], p["raw SQL"]
    rows = []
    for name in VIEWS:
        http, core = p[f"GET {name}"], p[f"inbox {name}"]
        ratios = [f"{http[0] / health[0]:.0f}×", f"{http[0] / raw[0]:.1f}×", verdict(http[1] < TARGET_P95)]
        rows.append(
            [name, ms(http[0]), ms(http[1]), ms(core[0]), ms(core[1]), f"{core[0] / http[0]:.0%}", *ratios]
        )
    rows.append(["reference: GET /healthz", ms(health[0]), ms(health[1]), "", "", "", "1×", "", ""])
    rows.append(
        ["reference: raw grouped SQL, default view", "", "", ms(raw[0]), ms(raw[1]), "", "", "1×", ""]
    )
    notes = [
        f"archive: {meta['articles']} articles (22 fixture + {args.synthetic} synthetic), "
        f"{meta['findings']:,} findings on {args.sites:,} sites ({meta['pages']:,} pages, "
        f"{meta['sightings']:,} sightings, "
        f"{meta['reviews']:,} findings set aside), SQLite {meta['bytes'] / 1e6:.0f} MB, built by bulk "
        f"inserts in {meta['build_seconds']:.0f} s on {meta['built']}",
        f"{args.rounds} rounds after {args.warmup} for warm-up; each round times every row once, in turn; "
        "Flask test client signed in as an admin, 50 sites a page",
        *seen,
    ]
    head = ["view", "GET p50", "GET p95", "`Archive.inbox` p50", "p95", "inbox ÷ GET"]
    head += ["GET ÷ /healthz", "GET ÷ raw SQL", f"p95 < {TARGET_P95 * 1000:.0f} ms"]
    return "\n".join([header("Inbox at 100,000 findings", "inbox_bench.py", notes), table(head, rows), ""])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--findings", type=int, default=100_000, help="findings (default 100000)")
    parser.add_argument("--sites", type=int, default=2_500, help="sites (domains) (default 2500)")
    parser.add_argument("--synthetic", type=int, default=478, help="synthetic articles (default 478)")
    parser.add_argument("--rounds", type=int, default=30, help="timed rounds (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="rounds first, not timed (default 3)")
    parser.add_argument("--batch", type=int, default=5_000, help="rows per bulk insert (default 5000)")
    parser.add_argument("--seed", type=int, default=0, help="seed (default 0)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached archive")
    parser.add_argument("--profile", action="store_true", help="cProfile one default-view GET to stderr")
    args = parser.parse_args(argv)
    folder, meta = ensure_archive(args)
    settings = settings_of(folder)
    app = create_app(
        {
            "TESTING": True,
            "COMPLIANCE_DATABASE_URL": settings.database_url,
            "COMPLIANCE_EVIDENCE_DIR": str(settings.evidence_dir),
        }
    )
    try:
        client = signed_in(app)
        seen = list(checks(client, meta))
        if args.profile:
            profile("GET / (default view)", fetch(client, "/"), top=30)
        times = run_rounds(measures(app, client), args.rounds, args.warmup)
    finally:
        close_archive(app)
    print(report(args, meta, times, seen))


if __name__ == "__main__":
    main()
