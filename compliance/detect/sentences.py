"""Tokens → sentences: the units in which a rewritten passage keeps its meaning.

A paraphrase, a translation or a summary changes words and their order, but it still says the
same things sentence by sentence, so the aligner compares texts sentence against sentence as well
as shingle against shingle. Sentences end at a full stop, question or exclamation mark (Latin or
Arabic), an ellipsis, a semicolon, or a blank line; closing quotes and brackets stay with their
sentence. Sentences longer than `max_words` are cut into even pieces and so are texts without
any punctuation: a sentence is never too long to compare.

Out: `bounds`, token indices where each sentence starts, plus the number of tokens at the end.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np

from compliance.detect.normalize import Tokens

# The end of a sentence: terminal punctuation with its closing quotes or brackets, or a blank line.
_END = re.compile(r"[.!?;…؟؛。]+[\"'»”’)\]]*(?=\s)|\n[ \t\u00a0]*\n")


def sentence_bounds(tokens: Tokens, max_words: int) -> np.ndarray:
    """Token index of every sentence's first word, then `len(tokens)` (int64, increasing)."""
    ends = _ends(tokens.text)
    cuts = np.searchsorted(tokens.starts, ends) if len(ends) else np.zeros(0, dtype=np.int64)
    bounds = np.unique(np.concatenate(([0], cuts, [len(tokens)])))
    bounds = bounds[bounds <= len(tokens)]
    lengths = np.diff(bounds)
    if len(lengths) and lengths.max() <= max_words:
        return bounds
    return _split_long(bounds, max_words)


@lru_cache(maxsize=4096)
def _ends(text: str) -> np.ndarray:
    """Character offsets just after each sentence end (cached: articles are aligned many times)."""
    return np.fromiter((m.end() for m in _END.finditer(text)), dtype=np.int64)


def _split_long(bounds: np.ndarray, max_words: int) -> np.ndarray:
    """Cut every sentence longer than `max_words` into the fewest even pieces that fit."""
    out = [0]
    for start, end in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        pieces = -(-(end - start) // max_words)
        out.extend(start + (end - start) * k // pieces for k in range(1, pieces + 1))
    return np.asarray(out, dtype=np.int64)


def sentence_ids(bounds: np.ndarray) -> np.ndarray:
    """For every token, the index of its sentence."""
    return np.repeat(np.arange(len(bounds) - 1), np.diff(bounds))
