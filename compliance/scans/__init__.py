"""Watched sites and their scans: polite, incremental, resumable, with alerts.

    sites.py       a site's settings checked (URLs, domains, schedule) and when it is due
    discovery.py   seeds (feeds, sitemaps, section pages) to the site's page URLs, normalised
    politeness.py  robots.txt, crawl delay, one request at a time per host, back-off
    page.py        ONE page, start to end: conditional fetch, hash, extract, check, store
    run.py         a scan: sites side by side, each page once, a lease per site, resumed when killed
    alerts.py      new findings at or above a severity: an e-mail digest and a signed webhook
    schedule.py    `compliance scheduler`: the sites' schedules, in-process (APScheduler)

`compliance.pipeline.Archive` is the facade over them: the CLI never imports this package.
"""
