"""Alembic migrations of the storage schema; `compliance.store` runs them when a Store opens."""

HEAD_REVISION = "0013"  # the newest file in versions/; a test keeps them in step
