"""Abstention calibration: sweep the threshold on a gold set and print abstention P/R/F1 beside answer_in_quote@3.

Usage: python scripts/calibrate_abstention.py --index DIR --gold FILE.jsonl [--min-aiq3 0.80]
Each question is asked once with abstention off; its confidence (Answer.confidence) then decides at every
threshold, except that an answer with names or numbers no passage mentions (Answer.unmatched), or that the best
passages' articles don't (Answer.absent_from_best), abstains at all of them. A gold question with a `date` is
asked as of it, as `qa eval` asks it.
An abstained answerable question counts as a miss for answer_in_quote@3. Prints figures only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from qa.assistant import Assistant  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation.gold import read_gold  # noqa: E402
from qa.evaluation.metrics import answer_in_quotes, prf  # noqa: E402


def main() -> None:
    """Ask, sweep, print."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--min-aiq3", type=float, default=0.80, help="answer_in_quote@3 the threshold must keep")
    args = ap.parse_args()
    gold = read_gold(args.gold)
    assistant = Assistant.load(args.index, Settings(abstain_below=-1.0))
    rows = []
    for g in gold:
        answer = assistant.ask(g.question, as_of=g.date)
        hit = answer_in_quotes(g.answers, [q.text for q in answer.quotes], 3) if not g.unanswerable else False
        # an answer abstains whatever the threshold when a name or number of the question is nowhere (unmatched)
        # or not in the best passages' articles
        names_missing = answer.unmatched or answer.absent_from_best
        confidence = -1.0 if answer.confidence is None or names_missing else answer.confidence
        rows.append((confidence, g.unanswerable, hit))
    answerable = [r for r in rows if not r[1]]
    sweep = []
    for step in range(0, 81):
        t = round(0.10 + step * 0.01, 2)
        p, r, f = prf([c < t for c, _, _ in rows], [u for _, u, _ in rows])
        aiq3 = sum(hit and c >= t for c, _, hit in answerable) / max(len(answerable), 1)
        sweep.append({"threshold": t, "precision": p, "recall": r, "f1": f, "answer_in_quote@3": round(aiq3, 4)})
    ok = [s for s in sweep if s["answer_in_quote@3"] >= args.min_aiq3 and s["f1"] is not None]
    best = max(ok, key=lambda s: s["f1"] or 0.0) if ok else None
    best_any = max((s for s in sweep if s["f1"] is not None), key=lambda s: s["f1"] or 0.0)
    for s in sweep[::5]:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()}))
    print(json.dumps({"questions": len(rows), "best_keeping_aiq3": best, "best_f1_at_any_aiq3": best_any}, indent=2))


if __name__ == "__main__":
    main()
