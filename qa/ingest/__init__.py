"""Ingest: corpus files -> Articles, with their genre (readers per format, page splitting, dedup)."""
