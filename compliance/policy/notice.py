"""Our article's rights notice and a page's text → kept, stripped, or none to keep.

A notice counts as kept when its words appear in the page in order (folded: case, accents,
typographic apostrophes do not matter), or when the page keeps its core reservation
(« tous droits réservés » / « reproduction … interdite ») next to our name.
"""

from __future__ import annotations

from compliance.detect.normalize import normalize
from compliance.records import NoticeStatus

_RESERVATIONS = ("tous droits reserves", "reproduction interdite", "reproduction et diffusion interdites")


def notice_status(notice: str | None, page_text: str, holder: str | None = None) -> NoticeStatus:
    """Whether `page_text` still carries `notice` (our article's rights notice)."""
    wanted = normalize(notice or "")
    if not wanted:
        return NoticeStatus.NONE
    page = f" {normalize(page_text)} "
    if f" {wanted} " in page:
        return NoticeStatus.KEPT
    name = normalize(holder or "")
    reserved = any(f" {r} " in page for r in _RESERVATIONS)
    if reserved and name and f" {name} " in page:
        return NoticeStatus.KEPT
    return NoticeStatus.STRIPPED
