"""Ingest: our articles in, `ArticleInput` records out: from files (readers), from our pages (our_pages)."""
