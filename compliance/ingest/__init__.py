"""Ingest: our articles in, `ArticleInput` records out: from files (readers; a JSON object's fields
in objects), from our pages (our_pages); every input limit a record keeps, in one place (limits)."""
