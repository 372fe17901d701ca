"""Alembic revisions, oldest first: 0001 creates articles, fingerprints and captures."""
