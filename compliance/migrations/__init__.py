"""Alembic migrations of the storage schema; `compliance.storage` runs them when a Store opens."""
