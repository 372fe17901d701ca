"""Text → folded word tokens, each with its span in the original text.

Matching compares *folded* words: case, accents, ligatures, typographic apostrophes and quotes,
odd spaces, French elisions, Arabic diacritics, tatweel, letter variants and Arabic-Indic digits
are all folded away, and invisible characters (zero-width, soft hyphen) never split a word.
Evidence is always cut from the original text, so every token keeps `(start, end)` offsets into
it: that list of spans is the offset map back to the original.

Two entry points give the same tokens: `tokenize` (hashes and spans, for alignment) and the
faster `token_hashes` (hashes only, for fingerprints). Folding a token is cached, so the hot path
is one regex scan and one dict look-up per word.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from itertools import chain

import numpy as np

# Characters that must not split a word: invisible ones and combining marks (decomposed accents,
# Arabic tashkeel and Quranic marks). They are removed by `fold`.
_INVISIBLE = "\u00ad\u200b\u200c\u200d\u2060\ufeff"
_MARKS = "\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
WORD = re.compile(rf"[\w{_INVISIBLE}{_MARKS}]+")
_SPLIT = re.compile(f"({WORD.pattern})")

# French elided particles (l’, d’, qu’, jusqu’…): the apostrophe splits them off, and they carry
# no content, so dropping them makes "l’homme", "l'homme" and "l homme" the same words.
ELISIONS = frozenset(
    ["c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu", "presqu"]
)

_ARABIC = {
    "\u0623": "\u0627",
    "\u0625": "\u0627",
    "\u0622": "\u0627",
    "\u0671": "\u0627",  # alef forms
    "\u0629": "\u0647",  # ta marbuta → ha
    "\u0649": "\u064a",  # alef maqsura → ya
    "\u0624": "\u0648",  # waw with hamza → waw
    "\u0626": "\u064a",  # ya with hamza → ya
    "\u0640": None,  # tatweel
}
_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss", "ĳ": "ij", "ﬁ": "fi", "ﬂ": "fl"}
_FOLD = str.maketrans({**_ARABIC, **_LIGATURES, **dict.fromkeys(_INVISIBLE)} | _DIGITS)
_COMBINING = re.compile(f"[{_MARKS}]")
_NOT_WORD = re.compile(r"\W")


def fold(token: str) -> str:
    """The matching form of one word: lower case, no accents, no diacritics, plain letters."""
    folded = token.lower()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded.translate(_FOLD))
        folded = _NOT_WORD.sub("", _COMBINING.sub("", folded).translate(_FOLD).lower())
    return "" if folded in ELISIONS else folded


def _stable_hash(word: str) -> int:
    """A 64-bit hash of a folded word that is the same in every process (0 means dropped)."""
    if not word:
        return 0
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little") or 1


class _HashCache(dict[str, int]):
    """Raw word → hash of its folded form; misses are computed once (bounded in size)."""

    limit = 1_000_000

    def __missing__(self, raw: str) -> int:
        if len(self) >= self.limit:
            self.clear()
        value = self[raw] = _stable_hash(fold(raw))
        return value


class _ChunkCache(dict[str, tuple[int, ...]]):
    """Whitespace-separated chunk ("l’État,") → hashes of its kept words; misses computed once."""

    limit = 1_000_000

    def __missing__(self, chunk: str) -> tuple[int, ...]:
        if len(self) >= self.limit:
            self.clear()
        hashes = tuple(h for h in map(_HASHES.__getitem__, WORD.findall(chunk)) if h)
        self[chunk] = hashes
        return hashes


_HASHES = _HashCache()
_CHUNKS = _ChunkCache()


@dataclass(frozen=True, slots=True, eq=False)
class Tokens:
    """The folded words of a text: `hashes[i]` is word i, found at `text[starts[i]:ends[i]]`."""

    text: str
    hashes: np.ndarray  # uint64
    starts: np.ndarray  # int64, character offsets into `text`
    ends: np.ndarray  # int64, end exclusive

    def __len__(self) -> int:
        return len(self.hashes)


def token_hashes(text: str) -> np.ndarray:
    """The hash of every folded word of `text` (uint64), as `tokenize(text).hashes`, only faster.

    Words never contain white space, so the text is split on it (fast, in C) and each chunk's
    words come from a cache: a regex scan of the whole text would cost twice as much.
    """
    words = chain.from_iterable(map(_CHUNKS.__getitem__, text.split()))
    return np.fromiter(words, dtype=np.uint64)


def tokenize(text: str) -> Tokens:
    """The folded words of `text` with their spans in it."""
    # Splitting on a capturing WORD gives [gap, word, gap, word, …, gap]; the spans follow from
    # the running sum of the pieces' lengths, with no Python-level loop over match objects.
    pieces = _SPLIT.split(text)
    words = pieces[1::2]
    ends = np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)))
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    hashes = np.fromiter(map(_HASHES.__getitem__, words), dtype=np.uint64, count=len(words))
    kept = hashes != 0
    word_ends = ends[1::2][kept]
    return Tokens(text, hashes[kept], word_ends - lengths[kept], word_ends)


def normalize(text: str) -> str:
    """The folded words of `text` joined by single spaces (for display and tests)."""
    return " ".join(word for word in map(fold, WORD.findall(text)) if word)


def normalize_with_map(text: str) -> tuple[str, list[int]]:
    """`normalize(text)` and, for each of its characters, the offset in `text` it comes from."""
    parts: list[str] = []
    offsets: list[int] = []
    for m in WORD.finditer(text):
        word = fold(m.group())
        if not word:
            continue
        if parts:
            parts.append(" ")
            offsets.append(m.start())
        parts.append(word)
        # A folded word may be longer (œ → oe) or shorter (marks removed) than the original:
        # its characters map onto the original word's span, never past its end.
        width = m.end() - m.start()
        offsets.extend(m.start() + min(i, width - 1) for i in range(len(word)))
    return "".join(parts), offsets
