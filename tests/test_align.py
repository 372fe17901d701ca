import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.detect.normalize import normalize, tokenize
from compliance.detect.seeds import shared_words
from compliance.pipeline import align_texts
from compliance.settings import Settings

SETTINGS = Settings()
ARTICLE = (
    "Le conseil municipal de Sidi Bou Saïd a voté mardi soir, à une large majorité, le budget "
    "de la nouvelle usine de dessalement. Le maire, Karim Haddad, a salué « un choix courageux "
    "pour les générations futures ». L’opposition dénonce un projet trop coûteux et réclame une "
    "étude indépendante sur les rejets de saumure dans la baie."
)
VOCABULARY = (
    "le la de des usine eau mer maire conseil vote projet budget saumure baie ville port "
    "été hiver nord sud est ouest un une deux trois"
)
WORDS = st.sampled_from(VOCABULARY.split())


def words_text(words: list[str]) -> str:
    return " ".join(words)


def test_verbatim_excerpt_inside_other_text() -> None:
    page = "Dans l’actualité régionale. " + ARTICLE[55:220] + " Fin de la revue."
    [passage] = align_texts(ARTICLE, page, SETTINGS)
    assert normalize(ARTICLE[passage.article_start : passage.article_end]) == normalize(
        page[passage.page_start : passage.page_end]
    )
    assert abs(passage.page_start - page.index(ARTICLE[55:220].split()[1])) <= 12


def test_small_edits_do_not_split_a_passage() -> None:
    edited = (
        ARTICLE.replace("’", "'")
        .replace("«\u00a0", '"')
        .replace("\u00a0»", '"')
        .replace("é", "e")
        .replace("mardi soir", "mardi dans la soirée")
        .replace("courageux", "audacieux")
        .replace(", à une large majorité,", " a une large majorite")
    )
    passages = align_texts(ARTICLE, edited, SETTINGS)
    assert len(passages) == 1
    assert passages[0].words >= len(tokenize(ARTICLE)) - 2


def test_unrelated_texts_share_no_passage() -> None:
    other = (
        "Le conseil régional a présenté mardi son plan pour les transports, avec trois lignes "
        "de bus nouvelles et une gare routière rénovée au nord de la ville."
    )
    assert align_texts(ARTICLE, other, SETTINGS) == []


def test_empty_texts() -> None:
    assert align_texts("", ARTICLE, SETTINGS) == [] and align_texts(ARTICLE, "  ", SETTINGS) == []


@given(st.lists(WORDS, min_size=8, max_size=120))
@settings(max_examples=150)
def test_a_text_fully_matches_itself(words: list[str]) -> None:
    text = words_text(words)
    [passage] = align_texts(text, text, SETTINGS)
    assert (passage.article_start, passage.article_end) == (0, len(text))
    assert (passage.page_start, passage.page_end) == (0, len(text))
    assert passage.words == len(words) - sum(w in {"l", "d"} for w in words)


@given(
    st.lists(st.integers(0, 10**6), min_size=30, max_size=150, unique=True),
    st.lists(st.integers(0, 10**6), max_size=60),
    st.data(),
)
@settings(max_examples=150)
def test_passages_lie_inside_both_texts_and_cut_the_same_words(
    article_ids: list[int], other_ids: list[int], data: st.DataObject
) -> None:
    article_words = [f"mot{i}" for i in article_ids]
    start = data.draw(st.integers(0, len(article_words) - 10))
    end = data.draw(st.integers(start + 10, len(article_words)))
    cut = data.draw(st.integers(0, len(other_ids)))
    other = [f"autre{i}" for i in other_ids]
    article = ", ".join(article_words)
    page = " ".join(other[:cut] + article_words[start:end] + other[cut:])
    [p] = align_texts(article, page, SETTINGS)
    assert 0 <= p.article_start < p.article_end <= len(article)
    assert 0 <= p.page_start < p.page_end <= len(page)
    assert normalize(article[p.article_start : p.article_end]) == normalize(page[p.page_start : p.page_end])
    assert normalize(page[p.page_start : p.page_end]).split() == article_words[start:end]
    assert p.words == end - start


@given(st.lists(WORDS, min_size=5, max_size=80), st.lists(WORDS, min_size=5, max_size=200), st.data())
@settings(max_examples=100)
def test_pairs_within_a_span_are_those_a_full_scan_finds(
    article_words: list[str], page_words: list[str], data: st.DataObject
) -> None:
    """Pairs inside a candidate's span come from one slice of the page order, not from every pair."""
    shared = shared_words(tokenize(words_text(article_words)), tokenize(words_text(page_words)), 40)
    assert np.all(np.diff(shared.j) >= 0)
    a0 = data.draw(st.integers(0, len(article_words)))
    a1 = data.draw(st.integers(a0, len(article_words)))
    p0 = data.draw(st.integers(0, len(page_words)))
    p1 = data.draw(st.integers(p0, len(page_words)))
    inside = (shared.i >= a0) & (shared.i < a1) & (shared.j >= p0) & (shared.j < p1)
    i, j = shared.pairs_within(a0, a1, p0, p1)
    assert (i.tolist(), j.tolist()) == (shared.i[inside].tolist(), shared.j[inside].tolist())
