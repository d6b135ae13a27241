"""Genre accuracy on the shared genre sets, through the same reader and labeller the assistant uses.

Prints, for each set, the share labelled correctly (the opinion family counts as opinion):
- opinion_vs_news_dev as published (minus its `genre` answer key) and with every genre cue stripped;
- editorials_dev (expected: opinion family) and news_reports_dev (expected: news), minus their genre fields.
Usage: python scripts/eval_genre.py [--errors N]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from genre_data import DATA, read_jsonl, strip_cues, without_label  # noqa: E402

from qa.ingest.genre import classify  # noqa: E402
from qa.ingest.readers.base import Sink  # noqa: E402
from qa.ingest.readers.fields import record_to_draft  # noqa: E402
from qa.models import OPINION_FAMILY  # noqa: E402

Record = dict[str, object]


def family(genre: str) -> str:
    """Collapse the opinion family to 'opinion'."""
    return "opinion" if genre in OPINION_FAMILY else genre


def score(name: str, prepare: Callable[[Record], Record], expected: str | None, show: int) -> float:
    """Label every record of one set; print and return the accuracy."""
    right, total, seen = 0, 0, Counter[str]()
    for rec in read_jsonl(DATA / "genre" / name):
        gold = expected or str(rec["genre"])
        draft = record_to_draft(prepare(rec), name, None, Sink())
        if draft is None:
            continue
        decision = classify(draft.signals)
        got = family(decision.genre)
        seen[got] += 1
        total += 1
        right += got == gold
        if got != gold and show > 0:
            show -= 1
            print(f"  miss {rec['id']}: gold {gold}, got {decision.genre}: {decision.evidence[0]}")
    acc = right / total
    print(f"{name:32} {prepare.__name__:12} {right:4}/{total:<4} = {acc:.3f}   labels {dict(seen)}")
    return acc


def main() -> None:
    """Run the four measurements."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", type=int, default=0, help="print up to N misses per set")
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    score("opinion_vs_news_dev.jsonl", without_label, None, args.errors)
    score("opinion_vs_news_dev.jsonl", strip_cues, None, args.errors)
    score("editorials_dev.jsonl", without_label, "opinion", args.errors)
    score("news_reports_dev.jsonl", without_label, "news", args.errors)


if __name__ == "__main__":
    main()
