"""Search: Articles -> Chunks -> an Index on disk -> Hits for a question (dense, BM25, fusion, rerank)."""
