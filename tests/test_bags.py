"""The order-insensitive retrieval channel: bag keys (compliance/detect/bags.py), their place in the
passage index beside the window minima, and a check that finds a word-shuffled copy through them."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from compliance.detect.bags import bag_keys, text_bag_keys
from compliance.detect.fingerprint import encode, fingerprint
from compliance.detect.index import Decoded, PassageIndex
from compliance.detect.normalize import token_hashes, token_words
from compliance.detect.segments import short
from compliance.pipeline import Archive
from compliance.records import Article, ArticleInput, StoredFingerprint
from compliance.settings import Settings

SETTINGS = Settings()
BAGS = SETTINGS.bag_params()

ARTICLE = (
    "La municipalité de Villeneuve-sur-Lot a présenté mardi soir son projet de rénovation du marché "
    "couvert, fermé depuis l'effondrement partiel de sa toiture pendant la tempête de février. "
    "Les commerçants installés provisoirement sur le parking de la gare réclament un calendrier "
    "précis, car leurs recettes hivernales ont chuté de moitié selon leur association. "
    "L'architecte retenue propose de conserver la charpente métallique d'origine, restaurée par un "
    "atelier de ferronnerie régional, et d'ajouter des verrières orientées vers le nord pour "
    "limiter la chaleur estivale. Le chantier coûterait quatre millions d'euros, financés pour "
    "moitié par la région, le reste par un emprunt que l'opposition juge imprudent. "
    "Une réunion publique se tiendra le quinze mars dans la salle des fêtes, où les habitants "
    "pourront consulter les maquettes et déposer leurs remarques dans un registre."
)
# Another article on the same subject, written independently: same names and facts, other wording.
SAME_TOPIC = (
    "À Villeneuve-sur-Lot, le marché couvert restera fermé plusieurs mois encore. Sa toiture avait "
    "cédé en février sous les rafales, et la mairie a dévoilé mardi les plans de sa reconstruction. "
    "Pour les marchands, exilés près de la gare, l'attente pèse lourd : plusieurs envisagent de "
    "cesser leur activité. L'opposition municipale critique le recours à l'emprunt pour boucler un "
    "budget évalué à quatre millions d'euros. Les maquettes seront exposées lors d'une réunion "
    "publique prévue à la mi-mars."
)
FILLER = (
    "Le club de handball local a remporté samedi son quatrième match consécutif devant un public "
    "enthousiaste, grâce notamment à la performance remarquable de son gardien, auteur de seize "
    "arrêts décisifs. L'entraîneur se félicite de la cohésion retrouvée du groupe après un début "
    "de saison difficile marqué par plusieurs blessures. La prochaine rencontre opposera l'équipe "
    "au leader du championnat, dans une salle déjà presque complète."
)

# Text around the copy on the page, in no article of the archive.
AROUND = (
    "Revue de presse du jour : la météo annonce des averses orageuses sur tout le sud-ouest, "
    "tandis que les vendanges tardives se terminent dans les coteaux voisins."
)


def shuffled_words(text: str, seed: int = 3) -> str:
    """Every sentence of `text` with its words in another order (a spun copy)."""
    rng = random.Random(seed)
    sentences = []
    for sentence in text.split(". "):
        words = sentence.rstrip(".").split()
        rng.shuffle(words)
        sentences.append(" ".join(words))
    return ". ".join(sentences) + "."


def keys(text: str, **changes: int) -> np.ndarray:
    return text_bag_keys(text, {**BAGS, **changes})


# --- bags.py: the keys themselves ------------------------------------------------------------------


def test_the_order_of_words_inside_a_window_does_not_change_its_key() -> None:
    assert len(keys("maison jardin voiture")) == 1
    assert np.array_equal(keys("maison jardin voiture"), keys("voiture maison jardin"))


def test_a_shuffled_copy_keeps_many_keys_and_its_shingles_do_not() -> None:
    copy = shuffled_words(ARTICLE)
    kept = len(np.intersect1d(keys(ARTICLE), keys(copy))) / len(keys(ARTICLE))
    minima = fingerprint(ARTICLE, SETTINGS).windows
    kept_minima = len(np.intersect1d(minima, fingerprint(copy, SETTINGS).windows)) / len(minima)
    assert kept >= 0.15 and kept_minima <= 0.05, (kept, kept_minima)


def test_unrelated_texts_share_no_key() -> None:
    assert not len(np.intersect1d(keys(ARTICLE), keys(FILLER)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("le la de un et ou il", 0),  # short words only: no content word
        ("gouvernement", 0),  # one content word: no pair
        ("gouvernement le la de parlement", 1),  # the short words between are skipped
        ("L’Assemblée a voté", 0),  # "assemblee" only: "vote" has four letters
    ],
)
def test_only_words_of_enough_letters_count(text: str, expected: int) -> None:
    assert len(keys(text)) == expected


def test_lengths_are_those_of_the_folded_words() -> None:
    text = "L’œuvre d’Éloïse, qu’il jugeait « très réussie »"
    words = token_words(text)
    assert words.lengths.tolist() == [6, 6, 2, 7, 4, 7]  # oeuvre eloise il jugeait tres reussie
    assert words.hashes.tolist() == token_hashes(text).tolist()


def test_bag_keys_of_stems_are_sorted_and_distinct() -> None:
    stems, lengths = token_words(ARTICLE)[1:]
    found = bag_keys(stems, lengths, 6, 5)
    assert found.dtype == np.uint64 and np.all(found[1:] > found[:-1])
    assert len(bag_keys(stems, lengths, 4, 5)) > len(bag_keys(stems, lengths, 10, 5))


# --- the index's second channel --------------------------------------------------------------------


class TextStore:
    """Stored fingerprints and article texts, as `Decoded` reads them from storage."""

    def __init__(self, texts: dict[int, str]) -> None:
        self.texts = texts
        self.rows = [
            StoredFingerprint(n, n, _encoded(text)) for n, text in sorted(texts.items(), key=lambda kv: kv[0])
        ]
        self.removals: list[int] = []  # fingerprint ids; a removal's id is its position + 1

    def delete(self, article_id: int) -> None:
        self.removals += [row.id for row in self.rows if row.article_id == article_id]
        self.rows = [row for row in self.rows if row.article_id != article_id]

    def fingerprint_state(self) -> tuple[int, int]:
        return max((r.id for r in self.rows), default=0), len(self.removals)

    def fingerprint_removals_after(self, last_removal: int) -> list[tuple[int, int]]:
        return [(n + 1, fid) for n, fid in enumerate(self.removals) if n + 1 > last_removal]

    def fingerprints_after(self, last_id: int, batch: int = 1000) -> list[StoredFingerprint]:
        return [row for row in self.rows if row.id > last_id]

    def live_fingerprint_ids(self) -> list[int]:
        return [row.id for row in self.rows]

    def get_articles(self, ids: list[int]) -> dict[int, Article]:
        return {i: Article(i, f"https://example.fr/{i}", self.texts[i]) for i in ids if i in self.texts}


def _encoded(text: str) -> object:
    return encode(fingerprint(text, SETTINGS))


def test_the_index_finds_a_shuffled_copy_by_its_bag_keys_only(tmp_path: Path) -> None:
    store = TextStore({1: ARTICLE, 2: FILLER, 3: SAME_TOPIC})
    index = PassageIndex(tmp_path / "ix", SETTINGS.index_params())
    index.sync(Decoded(store, index.params))
    page = AROUND + " " + shuffled_words(ARTICLE)
    assert [c.article_id for c in index.query_bags(keys(page), max_df=5, limit=5, min_shared=2)] == [1]
    reopened = PassageIndex.open(tmp_path / "ix", SETTINGS.index_params())
    assert [c.article_id for c in reopened.query_bags(keys(page), 5, 5, 2)] == [1]
    written = {p.name for p in (tmp_path / "ix" / reopened.segments[0].name).iterdir()}
    assert written >= {"bags_suffixes.npy", "bags_starts.npy"}


def test_bag_keys_follow_deletions_and_merges(tmp_path: Path) -> None:
    store = TextStore({1: ARTICLE, 2: FILLER})
    index = PassageIndex(tmp_path / "ix", SETTINGS.index_params())
    index.sync(Decoded(store, index.params))
    store.delete(1)
    index.sync(Decoded(store, index.params))
    assert index.query_bags(keys(ARTICLE), 5, 5) == []
    index.compact()
    assert len(index.segments) == 1 and index.query_bags(keys(ARTICLE), 5, 5) == []
    assert [c.article_id for c in index.query_bags(keys(FILLER), 5, 5)] == [2]


def test_common_bag_keys_and_single_shared_keys_are_not_searched() -> None:
    texts = {n: f"{ARTICLE} numero{n}" for n in range(1, 5)}
    index = PassageIndex(None, SETTINGS.index_params())
    index.sync(Decoded(TextStore(texts), index.params))
    assert index.query_bags(keys(ARTICLE), max_df=3, limit=10) == []
    assert len(index.query_bags(keys(ARTICLE), max_df=4, limit=10)) == 4
    one_key = keys(ARTICLE)[:1]
    assert index.query_bags(one_key, max_df=4, limit=10, min_shared=2) == []


def test_an_index_without_bag_params_keeps_no_bags() -> None:
    index = PassageIndex(None, SETTINGS.fingerprint_params())
    index.sync(Decoded(TextStore({1: ARTICLE}), index.params))
    assert len(index.segments[0].minima.keys) and not len(index.segments[0].bags.keys)


def test_an_index_made_before_bags_is_rebuilt_with_them(tmp_path: Path) -> None:
    old = PassageIndex(tmp_path / "ix", SETTINGS.fingerprint_params())  # an index of the last version
    store = TextStore({1: ARTICLE})
    old.sync(Decoded(store, old.params))
    new = PassageIndex.open(tmp_path / "ix", SETTINGS.index_params())
    assert new.segments == [] and new.last_id == 0
    new.sync(Decoded(store, new.params))
    assert [c.article_id for c in new.query_bags(keys(ARTICLE), 5, 5)] == [1]


# --- a check through a real archive ----------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path) -> Archive:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", index_dir=str(tmp_path / "ix"))
    archive = Archive(settings)
    archive.ingest(
        [
            ArticleInput(url="https://journal.example/marche", body=ARTICLE),
            ArticleInput(url="https://journal.example/handball", body=FILLER),
        ]
    )
    return archive


def urls(archive: Archive, text: str, retrieval: str, **changes: int) -> list[str]:
    from compliance.matching import check_page

    settings = replace(archive.settings, retrieval=retrieval, **changes)
    return [m.article.url for m in check_page(text, archive.index, archive.store, settings)]


def test_a_word_shuffled_copy_is_found_through_the_bag_channel(archive: Archive) -> None:
    page = AROUND + " " + shuffled_words(ARTICLE) + " " + AROUND
    assert urls(archive, page, "minima") == []  # the window minima cannot see it
    assert urls(archive, page, "bags") == ["https://journal.example/marche"]
    assert [m.article.url for m in archive.check_text(page)] == ["https://journal.example/marche"]


def test_an_independent_article_on_the_same_event_is_still_not_flagged(archive: Archive) -> None:
    assert archive.check_text(SAME_TOPIC) == []
    assert urls(archive, SAME_TOPIC, "bags") == []


def test_a_verbatim_copy_is_found_by_every_channel(archive: Archive) -> None:
    for retrieval in ("minima", "bags", "both"):
        assert urls(archive, ARTICLE, retrieval) == ["https://journal.example/marche"], retrieval


def test_an_unknown_retrieval_setting_is_refused() -> None:
    from compliance.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="retrieval must be one of minima, bags, both"):
        Settings(retrieval="bm25")


def test_ingest_stores_the_bag_keys_and_the_index_reads_them(settings: Settings) -> None:
    with Archive(settings) as archive:
        archive.ingest([ArticleInput(url="https://journal.example/marche", body=ARTICLE)])
        [stored] = archive.store.fingerprints_after(0)
        assert stored.fingerprint.bag_params == settings.bag_params()
        assert np.array_equal(np.frombuffer(stored.fingerprint.bags or b"", "<u8"), keys(ARTICLE))
        [segment] = archive.index.segments
        assert np.array_equal(np.sort(segment.bags.keys), np.unique(short(keys(ARTICLE))))
        assert segment.sizes[:, 1].tolist() == [len(np.unique(short(keys(ARTICLE))))]


def test_a_fingerprint_stored_without_bag_keys_gets_them_from_its_text(settings: Settings) -> None:
    """As a fingerprint stored before revision 0013: the index makes its keys from the stored text."""
    item = ArticleInput(url="https://journal.example/marche", body=ARTICLE)
    with Archive(settings) as archive:
        archive.store.upsert_articles([(item, lambda: encode(fingerprint(ARTICLE, settings), item.url))])
        [stored] = archive.store.fingerprints_after(0)
        assert stored.fingerprint.bags is None
        archive.sync_index()
        [segment] = archive.index.segments
        assert np.array_equal(np.sort(segment.bags.keys), np.unique(short(keys(ARTICLE))))


def test_an_index_with_other_bag_parameters_makes_the_keys_from_the_text(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}", index_dir=str(tmp_path / "ix"))
    with Archive(settings) as archive:
        archive.ingest([ArticleInput(url="https://journal.example/marche", body=ARTICLE)])
    other = settings.replace(bag_words=4)
    with Archive(other) as archive:
        [segment] = archive.index.segments  # rebuilt on opening: its manifest params differ
        expected = np.unique(short(text_bag_keys(ARTICLE, other.index_params())))
        assert np.array_equal(np.sort(segment.bags.keys), expected)
        assert not np.array_equal(expected, np.unique(short(keys(ARTICLE))))


def reworded(text: str, replaced: tuple[int, ...] = (1, 3, 7, 11)) -> str:
    """`text` with the words at these places of every 12 replaced by a filler word (a spun copy that
    keeps its order): by default 2 shingles of every 12 words are left, 4 within 24."""
    fillers = ("certes", "ainsi", "vraiment", "notamment", "justement", "pourtant")
    words = text.split()
    return " ".join(fillers[i % 6] if i % 12 in replaced else word for i, word in enumerate(words))


def test_a_reworded_copy_both_channels_find_needs_fewer_shared_shingles(archive: Archive) -> None:
    # A third of the words replaced leaves 4 shingles within 24 words, under the 6 a 12-word
    # quotation with a small edit keeps. The bag channel confirms the candidate (with too few keys
    # to be aligned on them alone: bag_min_shared 100 here), so it is aligned.
    page = AROUND + " " + reworded(ARTICLE) + " " + AROUND
    few_keys = {"bag_min_shared": 100}
    assert urls(archive, page, "both", **few_keys) == ["https://journal.example/marche"]
    assert urls(archive, page, "minima") == []  # unconfirmed, it would need 6
    # Its content words are still close together in both texts: that alone vouches for it too.
    assert urls(archive, page, "both", agreed_min_shingles=7, **few_keys) == [
        "https://journal.example/marche"
    ]
    assert urls(archive, page, "both", agreed_min_shingles=7, agreed_min_words=100, **few_keys) == []


def test_a_bag_candidate_sharing_few_keys_is_aligned_when_it_shares_shingles_or_words_densely(
    archive: Archive,
) -> None:
    # With too few keys to be aligned on the bag channel's word alone (bag_min_shared 100 here), a
    # reworded copy still keeps a few shingles close together: that evidence vouches for it.
    page = AROUND + " " + reworded(ARTICLE) + " " + AROUND
    assert urls(archive, page, "bags", bag_min_shared=100) == ["https://journal.example/marche"]
    assert urls(archive, page, "bags", bag_min_shared=100, agreed_min_shingles=7, agreed_min_words=100) == []
    # A shuffled copy keeps no shingle, only its content words close together in both texts.
    shuffled = AROUND + " " + shuffled_words(ARTICLE) + " " + AROUND
    assert urls(archive, shuffled, "bags", bag_min_shared=100) == ["https://journal.example/marche"]
    assert urls(archive, shuffled, "bags", bag_min_shared=100, agreed_min_words=100) == []
    assert urls(archive, shuffled, "bags") == ["https://journal.example/marche"]


@pytest.mark.parametrize("name", ["agreed_min_shingles", "agreed_min_words"])
def test_the_agreement_thresholds_must_be_positive(name: str) -> None:
    from compliance.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match=f"{name} must be a positive integer"):
        Settings(**{name: 0})
    env = {f"COMPLIANCE_{name.upper()}": "-1"}
    with pytest.raises(ConfigurationError, match=f"{name} must be a positive integer"):
        Settings.from_env(env)
