"""Sweeps: bulk checks of WARC and WET files, their files, their parts (ranges of records by byte
offset) and each record's outcome, unique on (file, offset) so a resumed sweep never duplicates.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

UTC_DATETIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "sweeps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("started_at", UTC_DATETIME, nullable=False),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("part_records", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_sweeps"),
    )
    op.create_table(
        "sweep_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("head_sha256", sa.String(length=64), nullable=False),
        sa.Column("gzipped", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sweep_id"], ["sweeps.id"], ondelete="CASCADE", name="fk_sweep_files_sweep_id_sweeps"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sweep_files"),
        sa.UniqueConstraint("sweep_id", "path", name="uq_sweep_files_sweep_path"),
    )
    op.create_index("ix_sweep_files_sweep_id", "sweep_files", ["sweep_id"])
    op.create_table(
        "sweep_parts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sweep_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("start_offset", sa.BigInteger(), nullable=False),
        sa.Column("end_offset", sa.BigInteger(), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("records_done", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("started_at", UTC_DATETIME, nullable=True),
        sa.Column("finished_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["sweep_id"], ["sweeps.id"], ondelete="CASCADE", name="fk_sweep_parts_sweep_id_sweeps"
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["sweep_files.id"], ondelete="CASCADE", name="fk_sweep_parts_file_id_sweep_files"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sweep_parts"),
        sa.UniqueConstraint("file_id", "number", name="uq_sweep_parts_file_number"),
    )
    op.create_index("ix_sweep_parts_sweep_id", "sweep_parts", ["sweep_id"])
    op.create_table(
        "sweep_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("part_id", sa.Integer(), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("new_findings", sa.JSON(), nullable=False),
        sa.Column("capture_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", UTC_DATETIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["part_id"], ["sweep_parts.id"], ondelete="CASCADE", name="fk_sweep_records_part_id_sweep_parts"
        ),
        sa.ForeignKeyConstraint(
            ["file_id"], ["sweep_files.id"], ondelete="CASCADE", name="fk_sweep_records_file_id_sweep_files"
        ),
        sa.ForeignKeyConstraint(
            ["capture_id"], ["captures.id"], ondelete="SET NULL", name="fk_sweep_records_capture_id_captures"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_sweep_records"),
        sa.UniqueConstraint("file_id", "offset", name="uq_sweep_records_file_offset"),
    )
    op.create_index("ix_sweep_records_part_id", "sweep_records", ["part_id"])


def downgrade() -> None:
    op.drop_index("ix_sweep_records_part_id", table_name="sweep_records")
    op.drop_table("sweep_records")
    op.drop_index("ix_sweep_parts_sweep_id", table_name="sweep_parts")
    op.drop_table("sweep_parts")
    op.drop_index("ix_sweep_files_sweep_id", table_name="sweep_files")
    op.drop_table("sweep_files")
    op.drop_table("sweeps")
