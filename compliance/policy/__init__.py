"""Policy: a match (how much of an article a page reproduces) → a verdict a lawyer would give.

    match ─► own site? ─► third-party text only? ─► partner licence in scope? ─► quotation rules
          └► attribution (credit, link) and rights notice (kept, stripped), recorded apart
          └► severity (verdict, share, paywall, notice stripped, delay, repeat offender)

Every rule reads `Settings` and the partners in force, and the decision carries its reasons and a
snapshot of both, so a verdict can still be explained after the settings change. No I/O here: the
pipeline hands over the page's text and links and what the store knows of the site.

    domains.py       URLs → hosts, registrable domains; our own sites, AMP cache hosts
    attribution.py   credit by name or pattern, links to us, with the proof
    notice.py        our rights notice kept or stripped
    third_party.py   wire copy and quoted statements inside our articles
    partners.py      a partner's licence scope → licensed, or the breaches
    severity.py      level and score, with the parts
    decide.py        `judge`: the order a lawyer reasons in
"""
