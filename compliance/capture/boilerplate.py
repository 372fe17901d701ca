"""Lines of the rest of a page and the lines seen on a host's other pages in, boilerplate spans out.

A site repeats its menus, footers, newsletter boxes and "most read" lists on every page; when
such a box quotes one of our articles, every page of the site would become a finding. So a line
of the rest of the page (never of the main text) that already appeared in the rest of another
recent page of the same host is boilerplate: page_text.py blanks it with spaces before the
check, and the capture records which spans it blanked. The first page of a host has nothing to
compare with, so a copy in its boilerplate is still found there (once per site, not per page).

Lines are compared by a 64-bit key of their case-folded, space-collapsed text; the store keeps
the keys of each capture's rest-of-page lines (`pack`/`unpack`) beside the capture. Pure: no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from struct import Struct

from compliance.capture.page_text import BlockSpan

_KEY = Struct("<Q")


def line_key(line: str) -> int:
    """A 64-bit key of a line: equal for lines that differ only in case and white space."""
    folded = " ".join(line.casefold().split())
    return _KEY.unpack(hashlib.blake2b(folded.encode("utf-8", "surrogatepass"), digest_size=8).digest())[0]


def rest_keys(text: str, blocks: Sequence[BlockSpan]) -> list[int]:
    """The keys of the rest-of-page lines of a composed text, without repeats, in order."""
    return list(dict.fromkeys(line_key(text[b.start : b.end]) for b in blocks))


def boilerplate_spans(text: str, blocks: Sequence[BlockSpan], seen: set[int]) -> list[list[int]]:
    """[start, end] of each rest-of-page line whose key is in `seen` (JSON-ready)."""
    return [[b.start, b.end] for b in blocks if line_key(text[b.start : b.end]) in seen]


def pack(keys: Iterable[int]) -> bytes:
    """Keys as little-endian uint64 bytes, for the store."""
    return b"".join(_KEY.pack(key) for key in keys)


def unpack(data: bytes | None) -> set[int]:
    """The keys packed by `pack` (none for None or empty bytes)."""
    return {key for (key,) in _KEY.iter_unpack(data or b"")}
