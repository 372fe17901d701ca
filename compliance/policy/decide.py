"""One match, the page it was found in, the settings and the partners → a `Decision`.

The order is the order a lawyer reasons in: is the page ours? is what it took ours (not wire copy)?
is the site licensed, and within its licence? then, by the quotation rules, how much was taken and
how was it credited. Attribution and the rights notice are recorded whatever the verdict.
"""

from __future__ import annotations

from dataclasses import replace

from compliance import shapes
from compliance.detect.normalize import tokenize
from compliance.detect.score import verdict as size_verdict
from compliance.detect.score import words_within
from compliance.policy.attribution import attribution, notice_holder
from compliance.policy.domains import amp_cache_origin, host_of, on_domains, registrable_domain
from compliance.policy.notice import notice_status
from compliance.policy.partners import licence_breaches, partner_for
from compliance.policy.severity import severity
from compliance.policy.third_party import own_passages, third_party_spans
from compliance.records import (
    Article,
    Attribution,
    Decision,
    Match,
    PageContext,
    Partner,
    Passage,
    Scores,
    Verdict,
)
from compliance.settings import Settings


def our_domains(article: Article, settings: Settings) -> tuple[str, ...]:
    """Our own domains: the article's own site and the configured ones (AMP, mirrors, syndication)."""
    host = host_of(article.url)
    own = (registrable_domain(host),) if host else ()
    return tuple(dict.fromkeys((*own, *settings.own_domains)))


def judge(
    match: Match, page: PageContext, settings: Settings, partners: list[Partner], source: str | None = None
) -> Decision:
    """The verdict on `match` with its reasons, attribution, notice status and severity."""
    article = match.article
    domains = our_domains(article, settings)
    holder = notice_holder(article.rights_notice)
    names = tuple(dict.fromkeys((*settings.publisher_names, *([holder] if holder else []))))
    credit = attribution(page.text, page.links, names, domains, settings.credit_patterns, article.url)
    notice = notice_status(article.rights_notice, page.text, holder)
    host = host_of(page.url) if page.url else None
    partner = partner_for(host, partners)
    rules = {
        "thresholds": settings.thresholds(),
        "policy": settings.policy_rules(),
        "partner": shapes.partner(partner) if partner else None,
    }
    own = _own_part(match, settings, source)
    verdict, reasons = _verdict(match, own, host, domains, partner, credit, page, settings)
    scores = own[0] if own else None
    level = severity(
        verdict,
        scores.coverage if scores else 0.0,
        bool(article.paywalled),
        notice,
        article.published_at,
        page.seen_at,
        page.site_articles >= settings.repeat_offender_articles,
    )
    coverage = scores.coverage if scores else 0.0
    return Decision(verdict, tuple(reasons), credit, notice, level, round(coverage, 4), rules)


def _verdict(
    match: Match,
    own: tuple[Scores, tuple[Passage, ...]] | None,
    host: str | None,
    domains: tuple[str, ...],
    partner: Partner | None,
    credit: Attribution,
    page: PageContext,
    settings: Settings,
) -> tuple[Verdict, list[str]]:
    if on_domains(host, domains) or on_domains(amp_cache_origin(host), domains):
        return Verdict.OWN_SITE, [f"the page is on our own site ({host})"]
    if own is None:
        return Verdict.THIRD_PARTY, [
            "only third-party text of the article was reproduced (wire copy, statements)"
        ]
    scores, passages = own
    if partner is not None:
        breaches = licence_breaches(partner, match.article, match, scores.coverage, credit, page.seen_at)
        if breaches:
            return Verdict.LICENCE_BREACH, breaches
        return Verdict.LICENSED, [f"within the licence of partner {partner.name}"]
    return _by_quotation_rules(scores, passages, credit, settings)


def _by_quotation_rules(
    scores: Scores, passages: tuple[Passage, ...], credit: Attribution, settings: Settings
) -> tuple[Verdict, list[str]]:
    """Full copy, snippet, short quotation or substantial excerpt (the table in the README)."""
    size = size_verdict(scores, settings)
    article_words = max(1, round(scores.reproduced_words / scores.coverage)) if scores.coverage else 1
    if size is Verdict.FULL_REPRODUCTION:
        note = (
            ["a credit or a link does not make a full copy a quotation"]
            if credit.credited or credit.linked
            else []
        )
        return size, [
            f"{scores.coverage:.0%} of the article reproduced (≥ {settings.full_coverage:.0%})",
            *note,
        ]
    if len(passages) == 1 and scores.reproduced_words <= settings.snippet_max_words and credit.linked:
        return Verdict.SNIPPET, [f"one passage of {scores.reproduced_words} words with a link to us"]
    short = all(
        p.words < settings.quotation_max_words and p.words / article_words < settings.quotation_max_share
        for p in passages
    )
    if short and _credited(credit, settings.quotation_credit):
        return Verdict.SHORT_QUOTATION, [
            f"every passage under {settings.quotation_max_words} words and "
            f"{settings.quotation_max_share:.0%} of the article, {_credit_words(credit)}"
        ]
    if size is Verdict.SNIPPET:
        return size, [f"scattered fragments, none of {settings.quotation_words} words or more"]
    if short:
        return Verdict.SUBSTANTIAL_EXCERPT, [
            f"quotation-sized passages without the credit required ({settings.quotation_credit})"
        ]
    return Verdict.SUBSTANTIAL_EXCERPT, [
        f"{scores.coverage:.0%} of the article, longest passage {scores.longest_passage_words} words: "
        "more than a short quotation"
    ]


def _credited(credit: Attribution, rule: str) -> bool:
    if rule == "none":
        return True
    if rule == "name_and_link":
        return credit.credited and credit.linked
    return credit.credited or credit.linked


def _credit_words(credit: Attribution) -> str:
    said = [w for w, ok in (("credited by name", credit.credited), ("linked", credit.linked)) if ok]
    return " and ".join(said) or "no credit required"


def _own_part(
    match: Match, settings: Settings, source: str | None
) -> tuple[Scores, tuple[Passage, ...]] | None:
    """The match's scores and passages counting only our own text; None when nothing of ours is left."""
    spans = third_party_spans(match.article.body, settings.wire_agencies, source)
    if not spans:
        return match.scores, match.passages
    kept = own_passages(match.passages, spans)
    tokens = tokenize(match.article.body)
    everything = [(0, len(match.article.body))]
    reproduced = words_within(tokens, [(p.article_start, p.article_end) for p in kept], spans)
    if not kept or reproduced < settings.min_match_words:
        return None
    scores = replace(
        match.scores,
        coverage=reproduced / max(1, words_within(tokens, everything, spans)),
        reproduced_words=reproduced,
        longest_passage_words=max(p.words for p in kept),
    )
    return scores, kept
