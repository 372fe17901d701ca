"""Capture: vetted fetching of suspect URLs, reading of submitted documents, WARC evidence."""
