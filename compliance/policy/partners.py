"""A partner's licence and one match → in scope (licensed) or the reasons it is not (breach).

Scope: the licence's validity dates, our article's section and publication date, the delay after
our publication, the largest excerpt (words, share of the article), and the credit required.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from compliance.errors import InputError
from compliance.policy.domains import on_domains, valid_domain
from compliance.records import Article, Attribution, Match, Partner


def checked_partner(partner: Partner) -> Partner:
    """`partner` with its domains normalised; InputError naming the first thing wrong with it."""
    if not partner.name.strip():
        raise InputError("a partner needs a name")
    if not partner.domains:
        raise InputError(f"partner {partner.name!r}: give at least one --domain")
    try:
        domains = tuple(dict.fromkeys(valid_domain(d) for d in partner.domains))
    except ValueError as exc:
        raise InputError(f"partner {partner.name!r}: {exc}") from None
    _check_ranges(partner)
    return replace(partner, name=partner.name.strip(), domains=domains)


def _check_ranges(partner: Partner) -> None:
    for start, end in (("valid_from", "valid_until"), ("published_from", "published_until")):
        first, last = getattr(partner, start), getattr(partner, end)
        if first and last and first > last:
            raise InputError(f"partner {partner.name!r}: {start} {first} is after {end} {last}")
    if partner.max_words is not None and partner.max_words < 1:
        raise InputError(f"partner {partner.name!r}: max_words must be a positive integer")
    if partner.max_share is not None and not 0 < partner.max_share <= 1:
        raise InputError(f"partner {partner.name!r}: max_share must lie in (0, 1], got {partner.max_share}")
    if partner.min_delay_hours < 0:
        raise InputError(f"partner {partner.name!r}: min_delay_hours must be >= 0")


def partner_for(host: str | None, partners: list[Partner]) -> Partner | None:
    """The partner whose domains cover `host` (partners never share a domain)."""
    return next((p for p in partners if on_domains(host, p.domains)), None)


def licence_breaches(
    partner: Partner, article: Article, match: Match, coverage: float, credit: Attribution, seen_at: datetime
) -> list[str]:
    """Why this copy falls outside `partner`'s licence; empty when it is within it."""
    checks = (
        _validity(partner, seen_at),
        _section(partner, article),
        _publication(partner, article),
        _delay(partner, article, seen_at),
        _extent(partner, match, coverage),
        _credit(partner, credit),
    )
    return [reason for found in checks for reason in found]


def _validity(partner: Partner, seen_at: datetime) -> list[str]:
    day = seen_at.date()
    if partner.valid_until and day > partner.valid_until:
        return [f"licence of {partner.name} expired on {partner.valid_until.isoformat()}"]
    if partner.valid_from and day < partner.valid_from:
        return [f"licence of {partner.name} starts on {partner.valid_from.isoformat()}"]
    return []


def _section(partner: Partner, article: Article) -> list[str]:
    if not partner.sections:
        return []
    wanted = {s.casefold() for s in partner.sections}
    if (article.section or "").casefold() in wanted:
        return []
    return [f"section {article.section or '(none)'!r} is outside the licence ({', '.join(partner.sections)})"]


def _publication(partner: Partner, article: Article) -> list[str]:
    published = article.published_at.date() if article.published_at else None
    if published is None or not (partner.published_from or partner.published_until):
        return []
    if partner.published_from and published < partner.published_from:
        return [f"article published {published.isoformat()}, before the licence's range"]
    if partner.published_until and published > partner.published_until:
        return [f"article published {published.isoformat()}, after the licence's range"]
    return []


def _delay(partner: Partner, article: Article, seen_at: datetime) -> list[str]:
    if not partner.min_delay_hours or article.published_at is None:
        return []
    hours = (seen_at - article.published_at).total_seconds() / 3600
    if hours >= partner.min_delay_hours:
        return []
    return [f"copied {hours:.1f} h after publication, the licence requires {partner.min_delay_hours:g} h"]


def _extent(partner: Partner, match: Match, coverage: float) -> list[str]:
    reasons = []
    longest = match.scores.longest_passage_words
    if partner.max_words is not None and longest > partner.max_words:
        reasons.append(f"excerpt of {longest} words, the licence allows {partner.max_words}")
    if partner.max_share is not None and coverage > partner.max_share:
        reasons.append(f"{coverage:.0%} of the article taken, the licence allows {partner.max_share:.0%}")
    return reasons


def _credit(partner: Partner, credit: Attribution) -> list[str]:
    reasons = []
    if partner.require_name and not credit.credited:
        reasons.append("the licence requires our name as source; none found")
    if partner.require_link and not credit.linked:
        reasons.append("the licence requires a link to our site; none found")
    return reasons
