"""Ingest: reading our articles from files and from our own site's pages."""
