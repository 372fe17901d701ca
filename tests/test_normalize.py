import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.detect.normalize import (
    STEM_LETTERS,
    fold,
    normalize,
    normalize_with_map,
    token_hashes,
    token_words,
    tokenize,
)


@pytest.mark.parametrize(
    ("original", "folded"),
    [
        ("L’État", "etat"),
        ("l'État", "etat"),
        ("d’affaires", "affaires"),
        ("qu’il", "il"),
        ("jusqu’à", "a"),
        ("lorsqu’on", "on"),
        ("« Cœur »", "coeur"),
        ("“ex aequo”", "ex aequo"),
        ("ÆSOPE", "aesope"),
        ("déjà vu", "deja vu"),
        ("e\u0301te\u0301", "ete"),  # decomposed accents
        ("repro\u00adduction", "reproduction"),  # soft hyphen
        ("zéro\u200blargeur", "zerolargeur"),  # zero-width space
        ("mot\u00a0:\u202fmot", "mot mot"),  # no-break and thin spaces
        ("12,5 millions", "12 5 millions"),
    ],
)
def test_french_folding(original: str, folded: str) -> None:
    assert normalize(original) == folded


@pytest.mark.parametrize(
    ("original", "folded"),
    [
        ("مُحَمَّدٌ", "محمد"),  # tashkeel
        ("العـــربية", "عربيه"),  # tatweel, ta marbuta (and the article, see test_arabic.py)
        ("أحمد إبراهيم آمنة", "احمد ابراهيم امنه"),  # hamza-bearing alefs
        ("على", "علي"),  # alef maqsura
        ("٢٠٢١ ۲۰۲۱", "2021 2021"),  # Arabic-Indic and extended digits
    ],
)
def test_arabic_folding(original: str, folded: str) -> None:
    assert normalize(original) == folded


def test_elided_particles_are_dropped_not_glued() -> None:
    assert fold("l") == "" and fold("L") == "" and fold("homme") == "homme"
    assert normalize("l’homme") == normalize("l homme") == normalize("L'Homme") == "homme"


def test_tokens_keep_spans_into_the_original() -> None:
    text = "Le «\u00a0Cœur\u00a0» d’Alger"
    tokens = tokenize(text)
    words = [text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)]
    assert words == ["Le", "Cœur", "Alger"]


def test_map_points_back_into_the_original() -> None:
    text = "L’Œuvre  est\u00a0là"
    normalized, offsets = normalize_with_map(text)
    assert normalized == "oeuvre est la"
    assert len(offsets) == len(normalized)
    assert text[offsets[0]] == "Œ" and text[offsets[normalized.index("est")]] == "e"


@given(st.text())
def test_normalization_is_idempotent(text: str) -> None:
    assert normalize(normalize(text)) == normalize(text)


@given(st.text())
def test_fast_and_spanned_tokenizers_agree(text: str) -> None:
    tokens = tokenize(text)
    assert np.array_equal(token_hashes(text), tokens.hashes)
    assert all(0 <= s < e <= len(text) for s, e in zip(tokens.starts, tokens.ends, strict=True))
    assert list(tokens.starts) == sorted(tokens.starts)


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=200))
def test_invisible_characters_never_split_words(text: str) -> None:
    assert normalize(text.replace("a", "a\u00ad")) == normalize(text)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("gouvernement", "Gouvernements"),
        ("gouvernement", "gouvernemental"),
        ("reported", "reports"),
        ("réformes", "reforme"),
        ("والمدارس", "مدارسنا"),  # proclitics stripped first, then the suffix cut
    ],
)
def test_inflected_forms_share_a_stem(one: str, other: str) -> None:
    assert token_words(one).stems.tolist() == token_words(other).stems.tolist()
    assert token_words(one).hashes.tolist() != token_words(other).hashes.tolist()


def test_a_short_word_is_its_own_stem_and_older_versions_have_no_stems() -> None:
    words = token_words("la réforme des retraites", normalization=2)
    assert words.stems.tolist() == words.hashes.tolist()
    assert token_words("la des").stems.tolist() == token_words("la des").hashes.tolist()
    assert STEM_LETTERS == 5


@given(st.text())
def test_words_stems_and_lengths_line_up(text: str) -> None:
    words = token_words(text)
    assert np.array_equal(words.hashes, token_hashes(text))
    assert len(words.stems) == len(words.lengths) == len(words.hashes)
    assert all(
        length == len(word) for length, word in zip(words.lengths, normalize(text).split(), strict=True)
    )
