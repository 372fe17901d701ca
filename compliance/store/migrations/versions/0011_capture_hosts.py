"""Captures: the page's host and the keys of its rest-of-page lines, for boilerplate.

A web page's capture now holds its main text and the rest of its visible text; lines of the rest
already seen on other pages of the same host are boilerplate (compliance/capture/boilerplate.py).
`ix_captures_host_fetched` finds a host's latest captures (before a time) without reading the
others. Captures taken before this revision have no keys: they are not compared with (nothing to
backfill).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    op.add_column("captures", sa.Column("host", sa.String(length=255), nullable=True))
    op.add_column("captures", sa.Column("line_keys", sa.LargeBinary(), nullable=True))
    op.create_index("ix_captures_host_fetched", "captures", ["host", "fetched_at"])


def downgrade() -> None:
    op.drop_index("ix_captures_host_fetched", table_name="captures")
    with op.batch_alter_table("captures") as batch:
        batch.drop_column("line_keys")
        batch.drop_column("host")
