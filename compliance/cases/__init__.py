"""The legal workflow around findings: cases, notices, evidence packs, re-checks, who may do what.

    states.py       the state machine, as one table: (from, to) ─► action
    permissions.py  who may do what, as one table: action ─► roles
    workflow.py     cases opened, moved, assigned, annotated (`Cases`)
    notices.py      notices drafted from templates/, approved, sent (`Notices`)
    packs.py        one ZIP of evidence per case, and its check without a database
    report.py       the pack's report: HTML, and PDF through WeasyPrint
    recheck.py      the pages behind cases checked again after 2, 7 and 30 days
    journal.py      the audit log for callers (`AuditLog`); the chain itself is compliance/audit.py

Every call names an `Actor`; every change is written with its audit entry in one transaction.
"""
