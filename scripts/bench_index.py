"""Index benchmark: build throughput against raw encode, unchanged rebuild, memory, disk, HNSW recall.

Usage: python scripts/bench_index.py [--corpus FILE.jsonl] [--limit N] [--queries N] [--encoder NAME] [--json]
Default corpus: ../shared/data/news_corpus/sample_5k.jsonl. Prints figures; asserts nothing.
`build_chunks_per_s` is the whole `qa build` (reading, chunking, embedding with the default encoder or --encoder,
writing); `reference_chunks_per_s` is plain torch fp32 `SentenceTransformer.encode` of the same chunk texts in the
same run; `speedup` is their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from qa.search.embed import default_model_path  # noqa: E402
from qa.search.index import Index  # noqa: E402
from qa.search.layout import hnsw_index  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "news_corpus" / "sample_5k.jsonl"


def run_build(corpus: Path, index_dir: Path, encoder: str | None) -> tuple[float, float]:
    """Seconds and peak RSS (MiB) of one `qa build` in a child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    extra = ["--encoder", encoder] if encoder else []
    subprocess.run(
        [sys.executable, "-m", "qa", "build", str(corpus), "--index", str(index_dir), "--quiet", *extra],
        check=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
        cwd=ROOT,
    )
    seconds = time.perf_counter() - start
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return seconds, peak


def raw_encode_rate(texts: list[str]) -> float:
    """Chunks per second of plain SentenceTransformer.encode on the same texts."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(default_model_path()), device="cpu", local_files_only=True)
    start = time.perf_counter()
    model.encode(texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False)
    return len(texts) / (time.perf_counter() - start)


def recall_at_10(index: Index, queries: np.ndarray) -> float:
    """Share of the exact top 10 that HNSW also returns."""
    exact = np.argsort(-(queries @ index.vectors.T), axis=1)[:, :10]
    _, approx = hnsw_index(index.vectors).search(queries, 10)  # type: ignore[attr-defined]
    return float(np.mean([len(set(e) & set(a)) / 10 for e, a in zip(exact, approx, strict=True)]))


def main() -> None:
    """Run every measurement and print them."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT)
    ap.add_argument("--limit", type=int, default=0, help="use only the first N records (0: all)")
    ap.add_argument("--queries", type=int, default=1000, help="queries for the HNSW recall measurement")
    ap.add_argument("--encoder", default=None, help="encoder of the build (default: Settings' default)")
    ap.add_argument("--json", action="store_true", help="print one JSON object (the default output is the same)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        lines = args.corpus.read_text(encoding="utf-8").splitlines()
        corpus.write_text("\n".join(lines[: args.limit] if args.limit else lines) + "\n", encoding="utf-8")
        index_dir = Path(tmp) / "index"
        # the encoder's one-off export is made before the timed build (it is cached, as at first use)
        run_build(Path(ROOT / "corpus"), Path(tmp) / "warm", args.encoder)
        full_s, peak = run_build(corpus, index_dir, args.encoder)
        again_s, _ = run_build(corpus, index_dir, args.encoder)
        index = Index.load(index_dir)
        chunks = index.manifest.chunks
        disk = sum(p.stat().st_size for p in index.folder.rglob("*") if p.is_file())
        texts = [c.text for c in index.chunks]
        duplicates = len(texts) - len(set(texts))
        raw = raw_encode_rate(texts)
        titles = [a.title for a in index.store.articles()]
        random.Random(0).shuffle(titles)
        from qa.search.embed import load_embedder, split_name

        model, encoder = split_name(index.manifest.model)
        queries = load_embedder(model, 64, encoder, ROOT / ".qa-cache").embed(titles[: args.queries])
        recall = recall_at_10(index, queries)
    build_rate = chunks / full_s
    print(
        json.dumps(
            {
                "corpus": str(args.corpus.name),
                "articles": index.manifest.articles,
                "chunks": chunks,
                "build_seconds": round(full_s, 1),
                "encoder": index.manifest.model,
                "build_chunks_per_s": round(build_rate, 1),
                "reference_chunks_per_s": round(raw, 1),
                "speedup": round(build_rate / raw, 3),
                "duplicate_chunks": duplicates,
                "unchanged_rebuild_seconds": round(again_s, 2),
                "unchanged_vs_full": round(again_s / full_s, 4),
                "build_peak_rss_mib": round(peak),
                "disk_bytes_per_chunk": round(disk / max(chunks, 1)),
                "hnsw_recall_at_10": round(recall, 4),
                "hnsw_queries": len(queries),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
