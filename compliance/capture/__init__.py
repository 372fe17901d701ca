"""Capture: a suspect URL or a submitted file in, the text to check and its WARC evidence out.

    url ─► vet ─► transport ─► fetch ─► content ─► html / documents ─► evidence ─► evidence_folder
    file ─────────────────────────────► content ─► html / documents ─► evidence ─► evidence_folder

`captures` chains the stages for the pipeline.
"""
