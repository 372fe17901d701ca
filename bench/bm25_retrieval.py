"""A BM25 passage index on SQLite FTS5: the retrieval design the bag channel was measured against.

In: the articles of an `Archive`. Out: for a page, the articles whose passages BM25 ranks best.
Only bench/archive_mode.py uses it (`--compare`); the product keeps its own two channels.

Each article is cut into passages of PASSAGE folded words overlapping by half, one FTS5 row each
(the words as `normalize` folds them, so both designs read the same words). A page is read in
windows of PASSAGE words; each window asks for its TERMS rarest words (by their document frequency
in the FTS5 vocabulary), OR'ed, and the best HITS passages by FTS5's bm25 vote for their article,
1 / rank; the articles with the most votes are the candidates. This is what source-retrieval
systems for text reuse do with a search engine (PAN's source retrieval task).
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from pathlib import Path

from compliance.detect.normalize import normalize
from compliance.pipeline import Archive

PASSAGE = 60  # words per indexed passage and per page window
TERMS = 12  # rarest words of a window in its query
HITS = 5  # passages per window query


class Bm25Index:
    """FTS5 passages of every article of `archive`, in a database file at `path`."""

    def __init__(self, archive: Archive, path: Path) -> None:
        self.db = sqlite3.connect(path)
        self.db.execute("CREATE VIRTUAL TABLE passages USING fts5(body, article UNINDEXED)")
        rows = (
            (" ".join(words[start : start + PASSAGE]), article.id)
            for article in archive.store.iter_articles()
            for words in [normalize(article.body).split()]
            for start in range(0, max(len(words) - PASSAGE // 2, 1), PASSAGE // 2)
        )
        started = time.perf_counter()
        self.db.executemany("INSERT INTO passages (body, article) VALUES (?, ?)", rows)
        self.db.execute("CREATE VIRTUAL TABLE vocabulary USING fts5vocab(passages, 'row')")
        self.df = dict(self.db.execute("SELECT term, doc FROM vocabulary"))
        self.db.commit()
        self.build_seconds = time.perf_counter() - started

    def candidates(self, text: str, limit: int) -> list[int]:
        """Up to `limit` article ids, the most voted for first."""
        words = normalize(text).split()
        votes: dict[int, float] = defaultdict(float)
        for start in range(0, len(words), PASSAGE):
            window = {w for w in words[start : start + PASSAGE] if w in self.df}
            terms = sorted(window, key=lambda w: (self.df[w], w))[:TERMS]
            if not terms:
                continue
            query = " OR ".join('"' + term.replace('"', '""') + '"' for term in terms)
            found = self.db.execute(
                "SELECT article FROM passages WHERE passages MATCH ? ORDER BY rank LIMIT ?", (query, HITS)
            )
            for rank, (article,) in enumerate(found, start=1):
                votes[int(article)] += 1.0 / rank
        return sorted(votes, key=lambda article: (-votes[article], article))[:limit]
