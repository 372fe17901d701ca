"""Tests of compliance.policy: each rule on both sides of its boundary, then whole decisions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from compliance.policy.attribution import attribution, notice_holder
from compliance.policy.decide import judge
from compliance.policy.domains import amp_cache_origin, registrable_domain, valid_domain
from compliance.policy.notice import notice_status
from compliance.policy.severity import severity
from compliance.policy.third_party import third_party_spans
from compliance.records import (
    Article,
    Match,
    NoticeStatus,
    PageContext,
    Partner,
    Passage,
    Scores,
    SeverityLevel,
    Verdict,
)
from compliance.settings import Settings

NOTICE = "© La Gazette du Littoral. Tous droits réservés. Reproduction interdite sans autorisation écrite."
URL = "https://www.gazette-littoral.example/societe/2024/05/02/marche-couvert"
PUBLISHED = datetime(2024, 5, 2, 8, 0, tzinfo=UTC)
WORDS = 500  # the article's length in words: every passage below is a share of it


def article(**changes: object) -> Article:
    body = " ".join(f"mot{i}" for i in range(WORDS))
    base = Article(
        id=1,
        url=URL,
        body=body,
        title="Le marché couvert",
        published_at=PUBLISHED,
        section="Société",
        rights_notice=NOTICE,
        paywalled=True,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def match(*passage_words: int, of: Article | None = None) -> Match:
    """A match whose passages have these lengths in words (5 characters a word: `motNN `)."""
    art = of or article()
    passages, at = [], 0
    for words in passage_words:
        passages.append(Passage(at, at + 6 * words, at, at + 6 * words, words))
        at += 6 * words + 60
    total = sum(passage_words)
    scores = Scores(total / WORDS, total / WORDS, 0.5, total, max(passage_words))
    return Match(art, tuple(passages), scores, Verdict.SUBSTANTIAL_EXCERPT)


def page(
    text: str = "", url: str | None = "https://copies.example/a", links: tuple[str, ...] = (), **kw: object
):
    return PageContext(
        text=text, url=url, links=links, seen_at=kw.pop("seen_at", PUBLISHED + timedelta(days=30)), **kw
    )  # type: ignore[arg-type]


SETTINGS = Settings(database_url="sqlite://")
CREDIT = "Selon La Gazette du Littoral, le marché rouvrira."
LINK = (URL,)


@pytest.mark.parametrize(
    ("passages", "text", "links", "verdict"),
    [
        ((45,), CREDIT, LINK, Verdict.SHORT_QUOTATION),  # attributed 45-word quotation
        ((40,), CREDIT, (), Verdict.SHORT_QUOTATION),  # a name is credit enough by default
        ((45,), "", LINK, Verdict.SHORT_QUOTATION),  # so is a link
        ((40,), "", (), Verdict.SUBSTANTIAL_EXCERPT),  # no credit: not a quotation
        ((59,), CREDIT, LINK, Verdict.SHORT_QUOTATION),  # under 60 words (share limit raised)
        ((60,), CREDIT, LINK, Verdict.SUBSTANTIAL_EXCERPT),  # 60 words is not under 60
        ((30, 30), CREDIT, LINK, Verdict.SHORT_QUOTATION),  # each passage counts, not the sum
        ((49,), CREDIT, LINK, Verdict.SHORT_QUOTATION),  # 9.8% of the article
        ((400,), CREDIT, LINK, Verdict.FULL_REPRODUCTION),  # credit never excuses a full copy
        ((40,), "", LINK, Verdict.SNIPPET),  # one passage of at most 40 words, linked: a snippet
        ((41,), "", LINK, Verdict.SHORT_QUOTATION),  # over the snippet's 40 words
        ((5, 4, 4), "", (), Verdict.SNIPPET),  # scattered fragments under 12 words each
    ],
)
def test_quotation_rules(
    passages: tuple[int, ...], text: str, links: tuple[str, ...], verdict: Verdict
) -> None:
    settings = SETTINGS.replace(quotation_max_share=0.12) if passages == (59,) else SETTINGS
    assert judge(match(*passages), page(text, links=links), settings, []).verdict == verdict


def test_share_boundary_of_a_quotation() -> None:
    """Under 10% of the article: 49 of 500 words is a quotation, 50 is not."""
    assert judge(match(49), page(CREDIT), SETTINGS, []).verdict == Verdict.SHORT_QUOTATION
    assert judge(match(50), page(CREDIT), SETTINGS, []).verdict == Verdict.SUBSTANTIAL_EXCERPT


@pytest.mark.parametrize(
    ("rule", "text", "links", "verdict"),
    [
        ("name_and_link", CREDIT, LINK, Verdict.SHORT_QUOTATION),
        ("name_and_link", CREDIT, (), Verdict.SUBSTANTIAL_EXCERPT),
        ("none", "", (), Verdict.SHORT_QUOTATION),
    ],
)
def test_quotation_credit_is_configurable(
    rule: str, text: str, links: tuple[str, ...], verdict: Verdict
) -> None:
    settings = SETTINGS.replace(quotation_credit=rule)
    assert judge(match(45), page(text, links=links), settings, []).verdict == verdict


PARTNER = Partner(name="Revue", domains=("revue.example",), valid_until=date(2024, 12, 31))


@pytest.mark.parametrize(
    ("partner", "seen", "reason"),
    [
        (PARTNER, datetime(2024, 6, 1, tzinfo=UTC), None),
        (PARTNER, datetime(2025, 1, 1, tzinfo=UTC), "expired on 2024-12-31"),
        (
            replace(PARTNER, valid_from=date(2024, 6, 2)),
            datetime(2024, 6, 1, tzinfo=UTC),
            "starts on 2024-06-02",
        ),
        (replace(PARTNER, sections=("Sports",)), datetime(2024, 6, 1, tzinfo=UTC), "section 'Société'"),
        (replace(PARTNER, min_delay_hours=48), PUBLISHED + timedelta(hours=47), "requires 48 h"),
        (replace(PARTNER, min_delay_hours=48), PUBLISHED + timedelta(hours=48), None),
        (replace(PARTNER, max_words=100), datetime(2024, 6, 1, tzinfo=UTC), "allows 100"),
        (replace(PARTNER, max_share=0.5), datetime(2024, 6, 1, tzinfo=UTC), "allows 50%"),
        (replace(PARTNER, require_link=True), datetime(2024, 6, 1, tzinfo=UTC), "requires a link"),
        (
            replace(PARTNER, published_until=date(2024, 5, 1)),
            datetime(2024, 6, 1, tzinfo=UTC),
            "after the licence",
        ),
    ],
)
def test_partner_licence(partner: Partner, seen: datetime, reason: str | None) -> None:
    found = judge(
        match(101, 200), page("", url="https://www.revue.example/x", seen_at=seen), SETTINGS, [partner]
    )
    if reason is None:
        assert found.verdict == Verdict.LICENSED and found.rules["partner"]["name"] == "Revue"
    else:
        assert found.verdict == Verdict.LICENCE_BREACH
        assert any(reason in r for r in found.reasons), found.reasons


@pytest.mark.parametrize(
    "url",
    [
        "https://www.gazette-littoral.example/amp/x",
        "https://amp.gazette-littoral.example/x",
        "https://www-gazette--littoral-example.cdn.ampproject.org/c/s/x",
        "https://miroir.example/x",
    ],
)
def test_our_own_sites(url: str) -> None:
    settings = SETTINGS.replace(own_domains=("miroir.example",))
    found = judge(match(400), page(url=url), settings, [PARTNER])
    assert found.verdict == Verdict.OWN_SITE and found.severity.level == SeverityLevel.NONE


def test_a_site_that_is_not_ours() -> None:
    assert judge(
        match(400), page(url="https://gazette-littoral.example.copies.example/x"), SETTINGS, []
    ).verdict == (Verdict.FULL_REPRODUCTION)


WIRE = "Paragraphe à nous sur le marché couvert et ses commerçants du centre-ville, rédigé par la rédaction."
AGENCY = (
    "PORT-AZOUR, 2 mai (MAP) - Le ministère a annoncé la réouverture du marché couvert pour le mois prochain."
)


def test_wire_copy_alone_is_third_party() -> None:
    body = f"{WIRE}\n\n{AGENCY}\n\n{WIRE}"
    art = article(body=body)
    start = body.index(AGENCY)
    passage = Passage(start, start + len(AGENCY), 0, len(AGENCY), 18)
    only_wire = Match(art, (passage,), Scores(0.3, 0.3, 1.0, 18, 18), Verdict.SUBSTANTIAL_EXCERPT)
    found = judge(only_wire, page(AGENCY), SETTINGS, [])
    assert found.verdict == Verdict.THIRD_PARTY and found.severity.score == 0
    everything = Match(
        art,
        (Passage(0, len(body), 0, len(body), 52),),
        Scores(1.0, 1.0, 1.0, 52, 52),
        Verdict.FULL_REPRODUCTION,
    )
    assert judge(everything, page(body), SETTINGS, []).verdict == Verdict.FULL_REPRODUCTION


@pytest.mark.parametrize(
    ("paragraph", "third_party"),
    [
        ("RABAT, 3 mai (MAP) - Le texte de la dépêche.", True),
        ("Le texte de la dépêche, a indiqué l'agence (AFP).", True),
        ("Le bilan est lourd, selon l'AFP.", True),
        ("Source : APS", True),
        ("Avec Reuters", True),
        ("Le texte d'une correspondante de la Gazette à Rabat.", False),
        ("Un mapping des rues (carte) a été publié.", False),  # MAP inside a word is not a credit
        ("Dans un communiqué, le ministère indique : « " + "le marché rouvrira bientôt " * 8 + "».", True),
        ("Le communiqué du ministère est bref.", False),  # names a statement but does not quote one
    ],
)
def test_third_party_paragraphs(paragraph: str, third_party: bool) -> None:
    body = f"Premier paragraphe de la rédaction.\n\n{paragraph}\n\nDernier paragraphe."
    spans = third_party_spans(body, SETTINGS.wire_agencies)
    assert ((body.index(paragraph), body.index(paragraph) + len(paragraph)) in spans) is third_party


def test_an_article_sourced_from_an_agency_is_third_party_as_a_whole() -> None:
    assert third_party_spans("Tout le texte.\n\nEncore.", ("AFP",), source="AFP") == [(0, 23)]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        (f"Le texte copié. {NOTICE}", NoticeStatus.KEPT),
        ("Le texte copié. © LA GAZETTE DU LITTORAL – tous droits réservés", NoticeStatus.KEPT),
        ("Le texte copié. © Copies.example, tous droits réservés", NoticeStatus.STRIPPED),
        ("Le texte copié, sans rien d'autre.", NoticeStatus.STRIPPED),
    ],
)
def test_rights_notice_kept_or_stripped(text: str, status: NoticeStatus) -> None:
    assert notice_status(NOTICE, text, notice_holder(NOTICE)) == status


def test_no_notice_to_keep() -> None:
    assert notice_status(None, "anything") == NoticeStatus.NONE


def test_attribution_records_its_proof() -> None:
    found = attribution(
        "Article repris. Source : gazette-littoral.example",
        ["https://www.gazette-littoral.example/", "https://ailleurs.example/"],
        ["La Gazette du Littoral"],
        ("gazette-littoral.example",),
        article_url=URL,
    )
    assert found.credited and "gazette-littoral.example" in (found.credit or "")
    assert (
        found.linked and found.link == "https://www.gazette-littoral.example/" and not found.links_to_article
    )
    to_article = attribution("", [URL + "?utm=x"], [], ("gazette-littoral.example",), article_url=URL)
    assert to_article.links_to_article
    assert not attribution(
        "Rien.", ["https://ailleurs.example/"], ["La Gazette"], ("gazette-littoral.example",)
    ).credited


def test_credit_patterns_from_settings() -> None:
    found = attribution("(avec notre partenaire GDL)", [], [], (), patterns=[r"avec notre partenaire GDL"])
    assert found.credited


def test_notice_holder() -> None:
    assert notice_holder(NOTICE) == "La Gazette du Littoral"
    assert notice_holder("Tous droits réservés") is None


def test_severity_levels_are_ordered() -> None:
    worst = severity(Verdict.FULL_REPRODUCTION, 1.0, True, NoticeStatus.STRIPPED, PUBLISHED, PUBLISHED, True)
    mild = severity(Verdict.SHORT_QUOTATION, 0.05, True, NoticeStatus.STRIPPED, PUBLISHED, PUBLISHED, False)
    assert worst.level == SeverityLevel.CRITICAL and worst.score == 100
    assert worst.parts == {
        "verdict": 45,
        "share": 20,
        "paywall": 10,
        "notice_stripped": 10,
        "delay": 10,
        "repeat_offender": 10,
    }
    assert mild.level == SeverityLevel.LOW and mild.parts["paywall"] == 0  # a quotation is a lawful use
    assert (
        SeverityLevel.CRITICAL.rank
        > SeverityLevel.HIGH.rank
        > SeverityLevel.LOW.rank
        > SeverityLevel.NONE.rank
    )


def test_repeat_offenders_weigh_more() -> None:
    first = judge(match(100), page(site_articles=0), SETTINGS, [])
    repeat = judge(match(100), page(site_articles=3), SETTINGS, [])
    assert (
        repeat.severity.score == first.severity.score + 10 and repeat.severity.parts["repeat_offender"] == 10
    )


def test_decision_snapshots_the_rules_in_force() -> None:
    found = judge(match(100), page(), SETTINGS.replace(quotation_max_words=80), [])
    assert found.rules["policy"]["quotation_max_words"] == 80
    assert found.rules["thresholds"]["full_coverage"] == SETTINGS.full_coverage


@pytest.mark.parametrize(
    ("host", "domain"),
    [
        ("news.bbc.co.uk", "bbc.co.uk"),
        ("amp.gazette-littoral.example", "gazette-littoral.example"),
        ("127.0.0.1", "127.0.0.1"),
    ],
)
def test_registrable_domain(host: str, domain: str) -> None:
    assert registrable_domain(host) == domain


@pytest.mark.parametrize("value", ["", "not a domain", "exa mple.fr", "-bad.fr", "a..b"])
def test_invalid_domains_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match="not a domain"):
        valid_domain(value)


def test_amp_cache_origin() -> None:
    assert (
        amp_cache_origin("www-gazette--littoral-example.cdn.ampproject.org") == "www.gazette-littoral.example"
    )
    assert amp_cache_origin("example.org") is None
