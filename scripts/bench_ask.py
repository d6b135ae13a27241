"""Latency benchmark: `Assistant.ask` p50/p95 on an index of sample_5k, beside the floor (query embedding + FAISS).

Usage: python scripts/bench_ask.py [--index DIR|URI] [--corpus FILE.jsonl] [--questions N] [--threads N]
                                  [--as-of YYYY-MM-DD]
Without --index, an index of ../shared/data/news_corpus/sample_5k.jsonl is built (or reused) in .qa-cache/.
Questions: the news_qa dev questions, then article titles of the index, up to N. Each is asked with and without
corroboration (interleaved); `corroboration_ms_p50` is the median of the per-question difference. Prints figures;
asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from qa.assistant import Assistant  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation.gold import cache_dir_for  # noqa: E402
from qa.search.backend import location  # noqa: E402
from qa.search.build import build_index  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of `values`, in the same unit."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def questions(assistant: Assistant, n: int) -> list[str]:
    """news_qa dev questions first, then titles of the index's articles as questions."""
    out = []
    gold = DATA / "news_qa" / "questions_dev.jsonl"
    if gold.exists():
        out = [json.loads(line)["question"] for line in gold.read_text(encoding="utf-8").splitlines() if line.strip()]
    titles = [a.title for a in assistant.index.articles() if a.title]
    out += [f"What happened: {t}?" for t in titles]
    return out[:n]


def main() -> None:
    """Measure and print."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=location, default=None, help="a folder or a postgresql:// database")
    ap.add_argument("--corpus", type=Path, default=DATA / "news_corpus" / "sample_5k.jsonl")
    ap.add_argument("--questions", type=int, default=300)
    ap.add_argument("--threads", type=int, default=1, help="concurrent askers for a throughput figure")
    ap.add_argument("--as-of", type=dt.date.fromisoformat, default=None, help="ask every question as of this day")
    args = ap.parse_args()
    settings = Settings()
    index_dir = args.index or cache_dir_for([args.corpus], settings)
    if not args.index:
        build_index([args.corpus], index_dir, settings)
    assistant = Assistant.load(index_dir, settings)
    qs = questions(assistant, args.questions)
    for q in qs[:5]:  # warm-up: first calls allocate
        assistant.ask(q)
    floor, total, plain, extra = [], [], [], []
    embedder, index = assistant.retriever.embedder, assistant.index
    # The same index and settings with every quote's corroboration left out: what corroboration costs.
    uncorroborated = Assistant(
        index, embedder, settings.model_copy(update={"corroborate": False}), reader=assistant.builder.reader
    )
    for i, q in enumerate(qs):
        start = time.perf_counter()
        index.dense_search(embedder.embed([q]), settings.fusion_depth)
        floor.append((time.perf_counter() - start) * 1000)
        pair = []
        for a in (assistant, uncorroborated) if i % 2 else (uncorroborated, assistant):
            start = time.perf_counter()
            a.ask(q, as_of=args.as_of)
            pair.append(((time.perf_counter() - start) * 1000, a is assistant))
        with_c = next(ms for ms, c in pair if c)
        without = next(ms for ms, c in pair if not c)
        total.append(with_c)
        plain.append(without)
        extra.append(with_c - without)
    report = {
        "index_chunks": index.manifest.chunks,
        "questions": len(qs),
        "ask_ms_p50": round(statistics.median(total), 1),
        "ask_ms_p95": round(pct(total, 95), 1),
        "ask_uncorroborated_ms_p50": round(statistics.median(plain), 1),
        "ask_uncorroborated_ms_p95": round(pct(plain, 95), 1),
        "corroboration_ms_p50": round(statistics.median(extra), 1),
        "floor_ms_p50": round(statistics.median(floor), 1),
        "floor_ms_p95": round(pct(floor, 95), 1),
        "torch_threads": __import__("torch").get_num_threads(),
        "as_of": args.as_of.isoformat() if args.as_of else None,
    }
    if args.threads > 1:
        start = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            list(pool.map(assistant.ask, qs))
        report[f"questions_per_s_{args.threads}_threads"] = round(len(qs) / (time.perf_counter() - start), 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
