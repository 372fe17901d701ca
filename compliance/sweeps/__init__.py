"""Bulk sweeps: WARC and WET files (a web-archive crawl, a Common Crawl segment, our own crawl)
checked record by record against the archive, findings stored as a scan stores them, resumable.

    plan.py   files vetted and known by path, size and first bytes; each cut into parts (ranges of
              records by byte offset); the unfinished sweep over the same files found again
    part.py   ONE part, start to end: `sweep_part(archive, part_id)`, what a worker's task calls;
              each record extracted, checked, judged, and its outcome stored (with its findings
              and its capture, the record's own bytes, when it matched)
    run.py    a sweep: its parts across a process pool on one machine, progress, a summary

`compliance.pipeline.Archive` is the facade over them: the CLI never imports this package.
"""
