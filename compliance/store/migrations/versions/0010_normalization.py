"""Fingerprints: the normalization version that made each one (1 for every row made before).

Rows made with an older normalization are recomputed from their article's text by
`Archive.refresh_fingerprints`; the index on the column finds them without reading the rows.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    column = sa.Column("normalization", sa.Integer(), nullable=False, server_default=sa.text("1"))
    op.add_column("fingerprints", column)
    op.create_index("ix_fingerprints_normalization", "fingerprints", ["normalization"])


def downgrade() -> None:
    op.drop_index("ix_fingerprints_normalization", table_name="fingerprints")
    with op.batch_alter_table("fingerprints") as batch:
        batch.drop_column("normalization")
