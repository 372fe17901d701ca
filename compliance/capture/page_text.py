"""A page's main text and its other visible lines in, the one text a capture stores and shows out.

    main text ─┐
               ├─► main text, SEPARATOR line, the other visible lines (one per line, in order)
    blocks ────┘      └─► block spans (kind, start, end) and the main text's end, for the metadata

Passage offsets of a check point into exactly this text: the dashboard's side-by-side view and
the evidence cut their passages from it. The main text comes first so that offsets into it are
the same as before the rest of the page was checked. `checked_text` is the same text with the
lines that boilerplate.py set aside replaced by spaces (same length, so the same offsets).
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from compliance.capture.html import Block

SEPARATOR = "——— reste de la page ———"


@dataclass(frozen=True, slots=True)
class BlockSpan:
    """Where one line of the rest of the page lies in the composed text, and its kind."""

    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class PageText:
    """The composed text of a page, where its main text ends and where each other line lies."""

    text: str
    main_end: int
    blocks: tuple[BlockSpan, ...] = ()

    def metadata(self) -> dict[str, Any]:
        """What a capture records of the composition (JSON-ready)."""
        return {"main_end": self.main_end, "blocks": [[b.kind, b.start, b.end] for b in self.blocks]}


def compose(main: str, blocks: Sequence[Block]) -> PageText:
    """The main text, then (when there is any) the separator line and the other visible lines."""
    if not blocks:
        return PageText(main, len(main))
    head = f"{main}\n\n{SEPARATOR}\n\n"
    spans, offset = [], len(head)
    for block in blocks:
        spans.append(BlockSpan(block.kind, offset, offset + len(block.text)))
        offset += len(block.text) + 1  # and its line break
    return PageText(head + "\n".join(block.text for block in blocks), len(main), tuple(spans))


def block_spans(metadata: Mapping[str, Any]) -> tuple[BlockSpan, ...]:
    """The spans of the rest of the page recorded in a capture's metadata (none if not recorded)."""
    recorded = metadata.get("blocks")
    if not isinstance(recorded, list):
        return ()
    return tuple(BlockSpan(str(kind), int(start), int(end)) for kind, start, end in recorded)


def blanked(text: str, spans: Iterable[Sequence[int]]) -> str:
    """`text` with each span replaced by as many spaces: offsets stay the same."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def checked_text(text: str, metadata: Mapping[str, Any]) -> str:
    """The text a capture's check runs on: its text without the lines set aside as boilerplate."""
    spans = metadata.get("boilerplate")
    return blanked(text, spans) if isinstance(spans, list) and spans else text
