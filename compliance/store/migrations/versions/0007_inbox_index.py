"""Inbox: one index on findings covering the grouping by site, in place of the one on `domain`.

The inbox groups every matching finding by site; `ix_findings_inbox` holds every column that
grouping reads, so it scans the index alone. It starts with `domain`, so `ix_findings_domain`
is redundant and goes.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02
"""

from __future__ import annotations

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

COLUMNS = [
    "domain",
    "article_id",
    "verdict",
    "severity_level",
    "severity_score",
    "present",
    "first_seen",
    "last_seen",
]


def upgrade() -> None:
    op.create_index("ix_findings_inbox", "findings", COLUMNS)
    op.drop_index("ix_findings_domain", table_name="findings")


def downgrade() -> None:
    op.create_index("ix_findings_domain", "findings", ["domain"])
    op.drop_index("ix_findings_inbox", table_name="findings")
