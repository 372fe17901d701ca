"""Celery workers: scans fanned out per site and per page, re-checks and alerts as tasks.

    app.py       the Celery app, configured from `Settings` (broker, late acks, time limit,
                 visibility timeout), and `compliance worker`
    tasks.py     the tasks: a site's discovery, one page (a lead), a scan's alerts, re-checks,
                 resuming what the database says remains; each calls the steps the in-process
                 scan calls (compliance/scans/steps.py)
    dispatch.py  the sending side: scans and re-checks enqueued, `scan --resume`, waiting for a
                 scan's end in the database

The database decides who visits a page (scan leads claimed with a conditional UPDATE), so a task
delivered twice, a worker killed mid-task or a broker that lost its queue never lose a page nor
visit one twice. Without a broker (the embedded default) nothing here runs: `compliance scan`
runs the same steps in its own process. This package is the only one that imports celery.
"""
