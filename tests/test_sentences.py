import pytest

from compliance.detect.normalize import tokenize
from compliance.detect.sentences import sentence_bounds, sentence_ids


def first_words(text: str, max_words: int = 40) -> list[str]:
    """The first kept word of every sentence (elided particles such as l’ are not words)."""
    tokens = tokenize(text)
    return [text[tokens.starts[k] : tokens.ends[k]] for k in sentence_bounds(tokens, max_words)[:-1]]


@pytest.mark.parametrize(
    ("text", "firsts"),
    [
        ("Le maire a voté. L’opposition dénonce un projet coûteux.", ["Le", "opposition"]),
        ("« Un choix courageux. » Le conseil a suivi.", ["Un", "Le"]),
        ("Qui paiera ? Personne ! Pas même l’État…  Fin", ["Qui", "Personne", "Pas", "Fin"]),
        ("هل تنطلق الدورة؟ نعم، يوم الجمعة.", ["هل", "نعم"]),
        ("Titre sans point\n\nPremier paragraphe", ["Titre", "Premier"]),
        ("Une ligne\ncoupée en deux reste une phrase.", ["Une"]),
        ("Il a 3.5 millions et 2,9 dinars.", ["Il"]),
    ],
)
def test_sentences_start_where_expected(text: str, firsts: list[str]) -> None:
    assert first_words(text) == firsts


def test_long_sentences_and_unpunctuated_text_are_cut_in_even_pieces() -> None:
    tokens = tokenize(" ".join(f"mot{i}" for i in range(100)))
    bounds = sentence_bounds(tokens, 40)
    assert bounds.tolist() == [0, 33, 66, 100]
    assert sentence_ids(bounds).tolist() == [0] * 33 + [1] * 33 + [2] * 34


def test_empty_text_has_no_sentence() -> None:
    bounds = sentence_bounds(tokenize(""), 40)
    assert bounds.tolist() == [0] and sentence_ids(bounds).tolist() == []
