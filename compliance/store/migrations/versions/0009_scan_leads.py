"""Scan leads: the page URLs a scan must visit, claimed one at a time by the workers.

A lead is claimed with a conditional UPDATE and completed in the transaction that stores its
page's outcome, so no page is visited twice by two workers and a restarted broker loses nothing:
the database says what remains. `scans.leads_ready` marks a scan whose discovery is stored;
`scans.fetched` counts its fetched pages for the page limit. A scan left running by the older
runner has no leads: its discovery runs again, and the pages it has an outcome for are done.
`host_paces` holds when each host may next be asked, so workers on many processes keep one pace.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("leads_ready", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column("fetched", sa.Integer(), server_default=sa.text("0"), nullable=False))
    op.execute(
        "UPDATE scans SET fetched = (SELECT COUNT(*) FROM scan_pages p WHERE p.scan_id = scans.id"
        " AND p.status NOT IN ('stale', 'blocked_by_robots'))"
    )
    op.create_table(
        "scan_leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("published", UTC_DATETIME, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("claimed_by", sa.String(length=255), nullable=True),
        sa.Column("claimed_until", UTC_DATETIME, nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], ondelete="CASCADE", name="fk_scan_leads_scan_id_scans"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scan_leads"),
        sa.UniqueConstraint("scan_id", "url", name="uq_scan_leads_scan_url"),
    )
    op.create_index("ix_scan_leads_open", "scan_leads", ["scan_id", "state", "depth", "id"])
    op.create_table(
        "host_paces",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("next_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("host", name="pk_host_paces"),
    )


def downgrade() -> None:
    op.drop_table("host_paces")
    op.drop_index("ix_scan_leads_open", table_name="scan_leads")
    op.drop_table("scan_leads")
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("fetched")
        batch.drop_column("leads_ready")
