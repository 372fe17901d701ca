"""The report inside an evidence pack: HTML (Jinja2, every captured text escaped) and PDF (WeasyPrint).

    case + findings + our articles + the captured page texts + history + audit entries
        ─► templates/report.html ─► HTML ─► WeasyPrint ─► PDF

Side by side, each reproduced passage as our article has it and as the copy has it (cut from the
original texts by the passage offsets), then the timeline (sightings and case events) and the
audit entries about the case. The only module that imports WeasyPrint.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from compliance.cases.notices import TEMPLATES
from compliance.records import Article, AuditEntry, Capture, Case, Finding, Notice

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined, autoescape=select_autoescape(["html"])
)


def report_html(
    case: Case,
    found: Sequence[Finding],
    articles: dict[int, Article],
    captures: dict[int, Capture],
    notices: Sequence[Notice],
    entries: Sequence[AuditEntry],
    made_at: datetime,
) -> str:
    """The report as one self-contained HTML page (no script, no outside resource)."""
    return _templates.get_template("report.html").render(
        case=case,
        findings=[_finding(f, articles.get(f.article_id), captures.get(f.capture_id or -1)) for f in found],
        timeline=_timeline(case, found),
        notices=notices,
        entries=entries,
        made_at=made_at.isoformat(timespec="seconds"),
    )


def report_pdf(html: str) -> bytes:
    """The HTML report printed to PDF (WeasyPrint fetches nothing: the page has no outside resource)."""
    from weasyprint import HTML  # loads cairo and pango: only when a pack is made

    return bytes(HTML(string=html, base_url=None).write_pdf())


def _finding(finding: Finding, article: Article | None, capture: Capture | None) -> dict[str, Any]:
    body, page = (article.body if article else ""), (capture.text if capture else "")
    pairs = [
        {
            "words": p.words,
            "ours": body[p.article_start : p.article_end],
            "theirs": page[p.page_start : p.page_end],
        }
        for p in finding.passages
    ]
    return {"finding": finding, "article": article, "capture": capture, "pairs": pairs}


def _timeline(case: Case, found: Sequence[Finding]) -> list[dict[str, Any]]:
    rows = [
        {
            "at": s.seen_at,
            "what": f"finding {f.id}: {s.status.value.replace('_', ' ')}",
            "capture": s.capture_id,
        }
        for f in found
        for s in f.sightings
    ]
    for event in case.events:
        moved = f"{event.from_state or '-'} → {event.to_state}" if event.to_state else event.kind.value
        rows.append({"at": event.at, "what": f"{moved} ({event.actor}) {event.text}", "capture": None})
    return sorted(rows, key=lambda row: row["at"])
