"""Encoder benchmark: the shipped all-MiniLM-L6-v2 as torch fp32, torch bf16, ONNX Runtime fp32 and int8, side by
side on the same news chunk texts: chunks/s at 1 and 2 threads and mean cosine to the torch fp32 vectors.

Usage: python scripts/bench_encoders.py [--corpus FILE.jsonl] [--chunks 2000] [--threads 1 2] [--json]
Default corpus: ../shared/data/news_corpus/sample_5k.jsonl (its chunks, from line 1,001 on). Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from qa.config import Settings  # noqa: E402
from qa.ingest.corpus import read_articles  # noqa: E402
from qa.search.chunk import chunk_articles  # noqa: E402
from qa.search.embed import ENCODERS, default_model_path, load_embedder  # noqa: E402
from qa.search.onnx_embed import OpenVinoEmbedder  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "data" / "news_corpus" / "sample_5k.jsonl"


def chunk_texts(corpus: Path, n: int) -> list[str]:
    """The first `n` chunk texts of the corpus's articles after its first 1,000 lines."""
    lines = corpus.read_text(encoding="utf-8").splitlines()[1000:1400]
    with tempfile.TemporaryDirectory() as tmp:
        part = Path(tmp) / "part.jsonl"
        part.write_text("\n".join(lines) + "\n", encoding="utf-8")
        articles = read_articles([part], Settings()).articles
    return [c.text for c in chunk_articles(articles, Settings())][:n]


def set_threads(n: int) -> None:
    import torch

    torch.set_num_threads(n)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT)
    ap.add_argument("--chunks", type=int, default=2000)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--encoders", nargs="+", default=list(ENCODERS))
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    texts = chunk_texts(args.corpus, args.chunks)
    texts_sorted = sorted(texts, key=len)  # as the build embeds them
    rows = []
    reference: np.ndarray | None = None
    with tempfile.TemporaryDirectory() as cache:
        for encoder in args.encoders:
            for threads in args.threads:
                set_threads(threads)
                if encoder == "openvino-int8":
                    embedder = OpenVinoEmbedder(default_model_path(), encoder, Path(cache), threads=threads)
                else:
                    embedder = load_embedder("default", 64, encoder, Path(cache))
                if hasattr(embedder, "_session"):  # ONNX Runtime: its own thread pool, rebuilt per setting
                    import onnxruntime as ort

                    options = ort.SessionOptions()
                    options.intra_op_num_threads = threads
                    options.inter_op_num_threads = 1
                    embedder._session = ort.InferenceSession(  # type: ignore[attr-defined]
                        str(embedder.path),
                        options,
                        providers=["CPUExecutionProvider"],  # type: ignore[attr-defined]
                    )
                embedder.embed(texts_sorted[:64])  # warm up
                start = time.perf_counter()
                vectors = embedder.embed(texts_sorted)
                seconds = time.perf_counter() - start
                if reference is None:
                    reference = vectors
                cosine = np.sum(vectors * reference, axis=1)
                rows.append(
                    {
                        "encoder": encoder,
                        "threads": threads,
                        "chunks": len(texts),
                        "chunks_per_s": round(len(texts) / seconds, 1),
                        "mean_cosine_to_torch_fp32": round(float(cosine.mean()), 5),
                        "min_cosine_to_torch_fp32": round(float(cosine.min()), 5),
                    }
                )
                if not args.json:
                    print(json.dumps(rows[-1]), flush=True)
    if args.json:
        print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
