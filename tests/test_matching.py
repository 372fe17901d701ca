"""Which candidates of the two retrieval channels are aligned (compliance/matching.py)."""

from __future__ import annotations

import numpy as np
import pytest

from compliance.detect.density import WORD_REACH, PageShingles
from compliance.detect.index import Candidate
from compliance.detect.normalize import Tokens
from compliance.matching import BAG_RANKS, Needed, Shingled, check_page, density_needed
from compliance.records import Article, Passage
from compliance.settings import Settings


@pytest.mark.parametrize(
    ("by_minima", "keys", "needed"),
    [
        (True, 0, Needed(6)),  # a 12-word quotation with an edit of one or two words keeps 6 shingles
        (True, 1, Needed(6)),
        (True, 2, Needed(3, 7)),  # both channels vouch for it: 3 shingles, or 7 content words
        (True, 3, Needed(3, 7)),
        (True, 4, Needed(0)),  # enough bag keys: aligned whichever channel found it
        (True, 9, Needed(0)),
        (False, 1, None),
        (False, 2, Needed(None, 7)),  # two pairs of words in common: only dense content words will do
        (False, 3, Needed(3, 7)),
        (False, 4, Needed(0)),
    ],
)
def test_what_a_candidate_must_share_densely_for_the_bag_keys_it_shares(
    by_minima: bool, keys: int, needed: Needed | None
) -> None:
    assert density_needed(by_minima, keys, Settings()) == needed


@pytest.mark.parametrize(
    ("by_minima", "keys", "needed"),
    [
        (True, 0, Needed(6)),  # the window minima found it: its rank in the bag channel is no matter
        (True, 2, Needed(3, 7)),
        (True, 4, Needed(0)),
        (False, 2, None),  # ranked below the bag channel's best and found by nothing else
        (False, 3, None),
        (False, 4, Needed(0)),  # enough bag keys: aligned whatever its rank
        (False, 9, Needed(0)),
    ],
)
def test_an_article_ranked_below_the_best_bag_candidates_needs_its_keys_or_the_minima(
    by_minima: bool, keys: int, needed: Needed | None
) -> None:
    assert density_needed(by_minima, keys, Settings(), best_ranked=False) == needed


def test_the_thresholds_follow_the_settings() -> None:
    settings = Settings(agreed_min_shingles=4, agreed_min_words=9, bag_min_shared=6, min_match_words=14)
    assert density_needed(True, 0, settings) == Needed(8)
    assert density_needed(True, 2, settings) == Needed(4, 9)
    assert density_needed(False, 2, settings) == Needed(None, 9)
    assert density_needed(False, 5, settings) == Needed(4, 9)
    assert density_needed(True, 6, settings) == Needed(0)
    assert density_needed(False, 6, settings, best_ranked=False) == Needed(0)
    assert density_needed(False, 5, settings, best_ranked=False) is None
    # never more shingles for a vouched-for candidate than for any other
    assert density_needed(True, 2, Settings(agreed_min_shingles=50)) == Needed(6, 7)


def shingled(words: np.ndarray) -> Shingled:
    """A candidate whose shingles share nothing with any page, and these content words."""
    article = Article(id=1, url="https://example.test/a", body="unused")
    return Shingled(article, np.arange(1, 200, dtype=np.uint64), words)


def test_a_candidate_passes_on_its_shingles_or_else_on_its_content_words() -> None:
    rng = np.random.default_rng(3)
    page_words = rng.integers(1 << 40, 1 << 62, 400, dtype=np.uint64)
    words = rng.integers(1 << 40, 1 << 62, 100, dtype=np.uint64)
    words[50:57] = page_words[200:214:2][::-1]  # 7 content words, reordered: a reworded passage
    page, near = PageShingles.of(np.zeros(0, np.uint64)), PageShingles.of(page_words)
    assert shingled(words).meets(Needed(3, 7), page, near)
    assert shingled(words).meets(Needed(None, 7), page, near)
    assert not shingled(words).meets(Needed(3, 8), page, near)
    assert not shingled(words).meets(Needed(3), page, near)  # no content-word route: shingles only
    assert shingled(words).meets(Needed(0), page, near)
    scattered = words.copy()
    scattered[50:57] = page_words[0 : 7 * (WORD_REACH + 1) : WORD_REACH + 1]  # too far apart in the page
    assert not shingled(scattered).meets(Needed(None, 7), page, near)


class RankedIndex:
    """A passage index that hands on fixed candidates: these articles from the window minima and,
    best first, these (article, keys shared) from the bag channel."""

    def __init__(self, minima: list[int], bags: list[tuple[int, int]]) -> None:
        self.minima, self.bags = minima, bags

    def query(self, windows: np.ndarray, max_df: int, limit: int) -> list[Candidate]:
        return [Candidate(i, 1.0, 1) for i in self.minima[:limit]]

    def query_bags(self, keys: np.ndarray, max_df: int, limit: int, min_shared: int = 1) -> list[Candidate]:
        return [Candidate(i, 1.0, shared) for i, shared in self.bags[:limit] if shared >= min_shared]


class Bodies:
    """A store of articles by id."""

    def __init__(self, articles: dict[int, Article]) -> None:
        self.articles = articles

    def get_articles(self, ids: list[int]) -> dict[int, Article]:
        return {i: self.articles[i] for i in ids if i in self.articles}


def test_bag_keys_below_the_best_bag_candidates_still_vouch_for_an_article() -> None:
    settings = Settings()
    page = "Le conseil municipal a voté hier soir le budget de la piscine après un long débat public."
    unrelated = "Une tempête a traversé la région sans causer de dégâts importants selon la préfecture."
    articles = {
        i: Article(id=i, url=f"https://example.test/{i}", body=f"{unrelated} {i}.") for i in range(100)
    }
    # 70 holds 7 of the page's words, 5 shingles: short of the 6 a window-minima candidate needs
    # alone, enough for one that shares 2 bag keys (3). 80 holds the whole page.
    articles[70] = Article(
        id=70, url="https://example.test/70", body=f"{unrelated} Il a voté hier soir le budget de."
    )
    articles[80] = Article(id=80, url="https://example.test/80", body=f"{unrelated} {page}")
    ranked = [(i, 2) for i in range(1, settings.bag_candidates + 1)]  # the best: 2 keys, nothing dense
    # Ranked lower: 70 (2 keys; the window minima find it too), 80 (3 keys), 90 (4 keys, nothing
    # dense), and 95 (4 keys) past BAG_RANKS.
    ranked += [(70, 2), (80, 3), (90, 4)] + [(50, 2)] * (BAG_RANKS - len(ranked) - 3) + [(95, 4)]
    aligned: list[int] = []

    def aligner(article: Tokens, part: Tokens, settings: Settings) -> list[Passage]:
        aligned.append(next(i for i, a in articles.items() if a.body == article.text))
        return []

    check_page(page, RankedIndex([70], ranked), Bodies(articles), settings, aligner)  # type: ignore[arg-type]
    assert sorted(aligned) == [70, 90]
    # Without its keys, the window minima's candidate would need 6 dense shingles.
    aligned.clear()
    check_page(page, RankedIndex([70], ranked[:20]), Bodies(articles), settings, aligner)  # type: ignore[arg-type]
    assert aligned == []
