"""Fingerprint removals: a log the passage index catches up with by id.

An index learnt that fingerprints were removed by comparing their count with its own, then read
every live id (a count cost 115 ms at 1M fingerprints, once per refresh in every process). Each
removal is now logged, so an index's state is (highest fingerprint id, highest removal id): two
primary-key look-ups. Fingerprints removed before this revision were already taken into account
by the indexes of that time.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.create_table(
        "fingerprint_removals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("fingerprint_id", sa.BigInteger(), nullable=False),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("fingerprint_removals")
