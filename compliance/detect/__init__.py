"""Detection: normalize → shingle → fingerprint → passage index → align → score. Pure numpy, no I/O
outside the index's own segment files."""
