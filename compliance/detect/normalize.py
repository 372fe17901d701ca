"""Text → folded word tokens, each with its span in the original text.

Matching compares *folded* words: case, accents, ligatures, typographic apostrophes and quotes,
odd spaces, French elisions, Arabic diacritics, tatweel, letter variants and Arabic-Indic digits
are all folded away, and invisible characters (zero-width, soft hyphen) never split a word.
Arabic proclitics (و ف ب ل ك and the article ال, alone or chained: وال, بال, لل…) are stripped
from the folded word, so « والحكومة », « الحكومة » and « للحكومة » are one word; the token's
span still covers the whole original word. Each word also has a *stem*, its first `STEM_LETTERS`
folded letters, which the order-insensitive comparisons read (`detect.bags`). Evidence is always
cut from the original text, so every token keeps `(start, end)` offsets into it: that list of
spans is the offset map back to the original.

`NORMALIZATION` numbers this folding; it is stored with every fingerprint (one made by another
version never compares), and every entry point takes an older version for the upgrade's benchmark.

Two entry points give the same tokens: `tokenize` (hashes and spans, for alignment) and the
faster `token_hashes` (hashes only, for fingerprints). Folding a token is cached, so the hot path
is one regex scan and one dict look-up per word.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

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
# Version 1 folded letters only; version 2 also strips Arabic proclitics (`_without_proclitics`);
# version 3 also gives each word a stem (STEM_LETTERS).
NORMALIZATION = 3
VERSIONS = (1, 2, 3)

# A word's stem, which the bag keys and the content-word density test compare (detect.bags): its
# first STEM_LETTERS folded letters, so that a word's inflected and derived forms share it
# (« gouvernement », « gouvernements », « gouvernemental »; « reported », « reports »), in any
# language and with no dictionary. Before version 3, a word's stem is the word. Five letters, the
# content words' shortest length, found the most of pan13-train's reworded copies (bench/RESULTS.md).
STEM_LETTERS = 5

# Light stemming in the manner of Larkey's light10, prefixes only: the conjunctions و ف, the
# prepositions ب ل ك and the article ال. Never below MIN_STEM letters: a short word's first
# letter is more often its root than a proclitic.
_ARTICLE = "\u0627\u0644"  # ال
_PROCLITICS = frozenset("\u0648\u0641\u0628\u0644\u0643")  # و ف ب ل ك
MIN_STEM = 3

_DIGITS = {0x0660 + i: str(i) for i in range(10)} | {0x06F0 + i: str(i) for i in range(10)}
_LIGATURES = {"œ": "oe", "æ": "ae", "ß": "ss", "ĳ": "ij", "ﬁ": "fi", "ﬂ": "fl"}
_FOLD = str.maketrans({**_ARABIC, **_LIGATURES, **dict.fromkeys(_INVISIBLE)} | _DIGITS)
_COMBINING = re.compile(f"[{_MARKS}]")
_NOT_WORD = re.compile(r"\W")


def fold(token: str, normalization: int = NORMALIZATION) -> str:
    """The matching form of one word: lower case, no accents, no diacritics, plain letters."""
    folded = token.lower()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded.translate(_FOLD))
        folded = _NOT_WORD.sub("", _COMBINING.sub("", folded).translate(_FOLD).lower())
        if normalization >= 2:
            folded = _without_proclitics(folded)
    return "" if folded in ELISIONS else folded


def _without_proclitics(word: str) -> str:
    """A folded Arabic word without its proclitics, never shorter than MIN_STEM letters.

    Each step looks only at the word left by the previous one, so a proclitic added in front of
    any word of MIN_STEM letters or more strips back to what that word gives alone:
    « و » + « الحكومه » gives what « الحكومه » gives, and « لل » (ل + ال, its alef dropped) is
    ل twice. A word whose first letter belongs to its root loses it too, the same way in every
    form (« وزير », « الوزير » → « زير »): stripping may merge two words, never part one word's forms.
    """
    while len(word) > MIN_STEM:
        if word.startswith(_ARTICLE) and len(word) >= MIN_STEM + 2:
            word = word[2:]
        elif word[0] in _PROCLITICS:
            word = word[1:]
        else:
            break
    return word


def _stable_hash(word: str) -> int:
    """A 64-bit hash of a folded word that is the same in every process (0 means dropped)."""
    if not word:
        return 0
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest(), "little") or 1


class _HashCache(dict[str, int]):
    """Raw word → hash of its folded form (one normalization); misses computed once, size bounded."""

    limit = 1_000_000

    def __init__(self, normalization: int) -> None:
        super().__init__()
        self.normalization = normalization

    def __missing__(self, raw: str) -> int:
        if len(self) >= self.limit:
            self.clear()
        value = self[raw] = _stable_hash(fold(raw, self.normalization))
        return value


# A kept word as the chunk cache packs it: its hash, its stem's hash and its folded length (at most 255).
_WORD = np.dtype([("hash", "<u8"), ("stem", "<u8"), ("length", "u1")])


class _ChunkCache(dict[str, bytes]):
    """Whitespace-separated chunk ("l’État,") → its kept words packed as `_WORD` records (hash,
    stem, folded length); misses computed once. Bytes, so that a text's words are one `bytes.join`
    (in C) away: the hashes for every use, the stems and lengths for the bag keys (`detect.bags`).
    """

    limit = 1_000_000

    def __init__(self, hashes: _HashCache) -> None:
        super().__init__()
        self.hashes = hashes

    def __missing__(self, chunk: str) -> bytes:
        if len(self) >= self.limit:
            self.clear()
        normalization = self.hashes.normalization
        kept = []
        for raw in WORD.findall(chunk):
            if value := self.hashes[raw]:
                folded = fold(raw, normalization)
                stem = _stable_hash(folded[:STEM_LETTERS]) if normalization >= 3 else value
                kept.append((value, stem, min(len(folded), 255)))
        packed = self[chunk] = np.array(kept, dtype=_WORD).tobytes()
        return packed


_HASHES = {version: _HashCache(version) for version in VERSIONS}
_CHUNKS = {version: _ChunkCache(_HASHES[version]) for version in VERSIONS}


def _caches(normalization: int) -> tuple[_HashCache, _ChunkCache]:
    """The caches of one normalization version; ValueError naming the known ones otherwise."""
    if normalization not in _HASHES:
        raise ValueError(f"unknown normalization {normalization!r}: expected one of {VERSIONS}")
    return _HASHES[normalization], _CHUNKS[normalization]


@dataclass(frozen=True, slots=True, eq=False)
class Tokens:
    """The folded words of a text: `hashes[i]` is word i, found at `text[starts[i]:ends[i]]`."""

    text: str
    hashes: np.ndarray  # uint64
    starts: np.ndarray  # int64, character offsets into `text`
    ends: np.ndarray  # int64, end exclusive

    def __len__(self) -> int:
        return len(self.hashes)


def token_hashes(text: str, normalization: int = NORMALIZATION) -> np.ndarray:
    """The hash of every folded word of `text` (uint64), as `tokenize(text).hashes`, only faster.

    Words never contain white space, so the text is split on it (fast, in C) and each chunk's
    words come from a cache: a regex scan of the whole text would cost twice as much.
    """
    return _words(text, normalization)["hash"].astype(np.uint64)  # a writable copy, in native order


class Words(NamedTuple):
    """The folded words of a text, one entry per word, as the fingerprints and bag keys read them."""

    hashes: np.ndarray  # uint64, as `token_hashes`
    stems: np.ndarray  # uint64, the hash of each word's stem (STEM_LETTERS)
    lengths: np.ndarray  # int64, each folded word's length (at most 255)


def token_words(text: str, normalization: int = NORMALIZATION) -> Words:
    """The hash, stem and folded length of every word of `text`, from one pass over it."""
    words = _words(text, normalization)
    hashes, stems = words["hash"].astype(np.uint64), words["stem"].astype(np.uint64)
    return Words(hashes, stems, words["length"].astype(np.int64))


def _words(text: str, normalization: int) -> np.ndarray:
    chunks = _caches(normalization)[1]
    return np.frombuffer(b"".join(map(chunks.__getitem__, text.split())), dtype=_WORD)


def tokenize(text: str, normalization: int = NORMALIZATION) -> Tokens:
    """The folded words of `text` with their spans in it (each span the whole original word)."""
    # Splitting on a capturing WORD gives [gap, word, gap, word, …, gap]; the spans follow from
    # the running sum of the pieces' lengths, with no Python-level loop over match objects.
    pieces = _SPLIT.split(text)
    words = pieces[1::2]
    ends = np.cumsum(np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces)))
    lengths = np.fromiter(map(len, words), dtype=np.int64, count=len(words))
    cache = _caches(normalization)[0]
    hashes = np.fromiter(map(cache.__getitem__, words), dtype=np.uint64, count=len(words))
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
