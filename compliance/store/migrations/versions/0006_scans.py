"""Scans: watched sites (with the lease of a running scan), scans, each page's outcome, and what
the last fetch of each watched page said (for conditional requests).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("seeds", sa.JSON(), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.Column("page_limit", sa.Integer(), nullable=False),
        sa.Column("delay", sa.Double(), nullable=False),
        sa.Column("schedule", sa.String(length=32), nullable=False),
        sa.Column("fresh_days", sa.Integer(), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", UTC_DATETIME, nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("modified_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sites"),
        sa.UniqueConstraint("name", name="uq_sites_name"),
    )
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("discovered", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["site_id"], ["sites.id"], ondelete="CASCADE", name="fk_scans_site_id_sites"),
        sa.PrimaryKeyConstraint("id", name="pk_scans"),
    )
    op.create_index("ix_scans_site_id", "scans", ["site_id"])
    op.create_table(
        "scan_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scan_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("new_findings", sa.JSON(), nullable=False),
        sa.Column("seen_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["scan_id"], ["scans.id"], ondelete="CASCADE", name="fk_scan_pages_scan_id_scans"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_scan_pages"),
        sa.UniqueConstraint("scan_id", "url", name="uq_scan_pages_scan_url"),
    )
    op.create_index("ix_scan_pages_scan_id", "scan_pages", ["scan_id"])
    op.create_table(
        "watched_pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.Text(), nullable=True),
        sa.Column("last_modified", sa.Text(), nullable=True),
        sa.Column("content_hash", sa.String(length=64), nullable=True),
        sa.Column("checked_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], ondelete="CASCADE", name="fk_watched_pages_site_id_sites"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_watched_pages"),
        sa.UniqueConstraint("site_id", "url", name="uq_watched_pages_site_url"),
    )


def downgrade() -> None:
    op.drop_table("watched_pages")
    op.drop_index("ix_scan_pages_scan_id", table_name="scan_pages")
    op.drop_table("scan_pages")
    op.drop_index("ix_scans_site_id", table_name="scans")
    op.drop_table("scans")
    op.drop_table("sites")
