"""Findings: checked pages, findings and their sightings, partners; articles gain `source`.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("source", sa.Text(), nullable=True))
    op.create_table(
        "pages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("name", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("first_seen", UTC_DATETIME, nullable=False),
        sa.Column("last_checked", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pages"),
        sa.UniqueConstraint("key", name="uq_pages_key"),
    )
    op.create_index("ix_pages_domain", "pages", ["domain"])
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("page_id", sa.Integer(), nullable=False),
        sa.Column("domain", sa.String(length=255), nullable=True),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("first_seen", UTC_DATETIME, nullable=False),
        sa.Column("last_seen", UTC_DATETIME, nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("verdict", sa.String(length=32), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("coverage", sa.Double(), nullable=False),
        sa.Column("similarity", sa.Double(), nullable=False),
        sa.Column("page_share", sa.Double(), nullable=False),
        sa.Column("reproduced_words", sa.Integer(), nullable=False),
        sa.Column("longest_passage_words", sa.Integer(), nullable=False),
        sa.Column("passages", sa.JSON(), nullable=False),
        sa.Column("attribution", sa.JSON(), nullable=False),
        sa.Column("notice", sa.String(length=16), nullable=False),
        sa.Column("severity_level", sa.String(length=16), nullable=False),
        sa.Column("severity_score", sa.Integer(), nullable=False),
        sa.Column("severity_parts", sa.JSON(), nullable=False),
        sa.Column("rules", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["article_id"], ["articles.id"], ondelete="CASCADE", name="fk_findings_article_id_articles"
        ),
        sa.ForeignKeyConstraint(
            ["page_id"], ["pages.id"], ondelete="CASCADE", name="fk_findings_page_id_pages"
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], ondelete="SET NULL", name="fk_findings_capture_id_captures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_findings"),
        sa.UniqueConstraint("article_id", "page_id", name="uq_findings_article_page"),
    )
    for column in ("article_id", "page_id", "domain", "first_seen", "verdict", "severity_level"):
        op.create_index(f"ix_findings_{column}", "findings", [column])
    op.create_table(
        "sightings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("seen_at", UTC_DATETIME, nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(length=32), nullable=True),
        sa.Column("coverage", sa.Double(), nullable=True),
        sa.Column("reproduced_words", sa.Integer(), nullable=True),
        sa.Column("passages", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["findings.id"], ondelete="CASCADE", name="fk_sightings_finding_id_findings"
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], ondelete="SET NULL", name="fk_sightings_capture_id_captures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sightings"),
    )
    op.create_index("ix_sightings_finding_id", "sightings", ["finding_id"])
    op.create_table(
        "partners",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("domains", sa.JSON(), nullable=False),
        sa.Column("sections", sa.JSON(), nullable=False),
        sa.Column("published_from", sa.Date(), nullable=True),
        sa.Column("published_until", sa.Date(), nullable=True),
        sa.Column("min_delay_hours", sa.Double(), nullable=False),
        sa.Column("max_words", sa.Integer(), nullable=True),
        sa.Column("max_share", sa.Double(), nullable=True),
        sa.Column("require_name", sa.Boolean(), nullable=False),
        sa.Column("require_link", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("modified_at", UTC_DATETIME, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
        sa.UniqueConstraint("name", name="uq_partners_name"),
    )


def downgrade() -> None:
    op.drop_table("partners")
    op.drop_index("ix_sightings_finding_id", table_name="sightings")
    op.drop_table("sightings")
    for column in ("article_id", "page_id", "domain", "first_seen", "verdict", "severity_level"):
        op.drop_index(f"ix_findings_{column}", table_name="findings")
    op.drop_table("findings")
    op.drop_index("ix_pages_domain", table_name="pages")
    op.drop_table("pages")
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("source")
