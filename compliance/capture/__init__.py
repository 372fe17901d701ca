"""Capture: a suspect URL or a submitted file in, the text to check and its WARC evidence out.

    url ─► vet ─► transport ─► fetch ─► content ─► html / documents ─► evidence ─► evidence_folder
    file ─────────────────────────────► content ─► html / documents ─► evidence ─► evidence_folder

`deadline` bounds a whole fetch in time (transport's sockets, fetch's redirects and retry).
`page_text` composes a web page's stored text (main text, then the rest of the visible page) and
`boilerplate` finds the lines its host repeats. `captures` chains the stages for the pipeline.
"""
