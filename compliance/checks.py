"""A checked page, remembered: its matches judged by the policy and kept as findings.

    text, file or URL ─► page (URL and site, or name and SHA-256) ─► matches (`Archive.check_text`)
        ─► judged (policy: own sites, wire copy, partners, quotation rules, attribution, notice,
           severity) ─► findings and sightings (one finding per article and page, never twice)

The functions here take the store and the settings; `Archive.record_text/record_url/record_file`
call them, so the CLI, the web app, the API and the scans all keep findings the same way.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

from compliance.policy.decide import judge
from compliance.policy.domains import host_of, registrable_domain
from compliance.records import Capture, CheckReport, Judged, Match, PageContext, PageKind, PageRef, ScanStep
from compliance.settings import Settings
from compliance.store import Store


def text_page(text: str, name: str | None = None) -> PageRef:
    """A submitted text, known by the SHA-256 of its UTF-8."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    return PageRef(PageKind.TEXT, f"sha256:{digest}", name=name, sha256=digest)


def file_page(path: str | Path) -> PageRef:
    """A submitted file, known by the SHA-256 of its bytes."""
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    return PageRef(PageKind.FILE, f"sha256:{digest}", name=Path(path).name, sha256=digest)


def url_page(capture: Capture) -> PageRef:
    """A fetched URL, known by the URL asked for (a redirect elsewhere is still that page)."""
    url = capture.requested_url.split("#")[0]
    host = host_of(capture.final_url) or host_of(url)
    return PageRef(
        PageKind.URL, url, url=capture.final_url, domain=registrable_domain(host) if host else None
    )


def record(
    store: Store,
    settings: Settings,
    page: PageRef,
    text: str,
    matches: list[Match],
    capture: Capture | None = None,
    step: ScanStep | None = None,
) -> CheckReport:
    """Judge each match of one check of `page` and store them as findings with a sighting each.

    A scan passes its `step` (the page's outcome), stored in the same transaction as the findings.
    """
    judged = judge_matches(store, settings, page, text, matches, capture)
    stored, recorded, gone = store.record_check(page, text, judged, capture.id if capture else None, step)
    return CheckReport(stored, text, tuple(recorded), tuple(gone), capture)


def judge_matches(
    store: Store,
    settings: Settings,
    page: PageRef,
    text: str,
    matches: list[Match],
    capture: Capture | None = None,
) -> list[Judged]:
    """The policy's decision on each match of `page` (a sweep stores them with its own outcome)."""
    seen_at = datetime.now(UTC)
    since = seen_at - timedelta(days=settings.repeat_offender_days)
    copied = store.site_article_ids(page.domain, since) | {m.article.id for m in matches}
    context = PageContext(
        text=_visible_text(capture) or text,  # a credit or a notice may sit outside the main text
        seen_at=seen_at,
        url=capture.final_url if capture else None,
        links=_links(capture),
        site_articles=len(copied) if page.domain else 0,
    )
    partners = store.partners()
    return [Judged(m, judge(m, context, settings, partners, m.article.source)) for m in matches]


def _visible_text(capture: Capture | None) -> str | None:
    visible = capture.metadata.get("visible_text") if capture else None
    return visible if isinstance(visible, str) else None


def _links(capture: Capture | None) -> tuple[str, ...]:
    links = capture.metadata.get("links") if capture else None
    return tuple(str(link) for link in links) if isinstance(links, list | tuple) else ()
