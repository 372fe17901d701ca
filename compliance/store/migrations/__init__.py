"""Alembic migrations of the storage schema; `compliance.store` runs them when a Store opens."""
