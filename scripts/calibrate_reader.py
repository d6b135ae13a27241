"""Reader threshold sweep: ask a gold set once and print, for each Settings.quote_threshold, answer_in_quote@1/@3,
quote_precision and abstention P/R/F1, as `qa eval` would measure them.

Usage: python scripts/calibrate_reader.py --index DIR --gold FILE.jsonl [--reader default|PATH] [--no-name-check]
       [--json OUT]
Each question is asked once with quote_threshold 0 (every candidate shown, in the reader's order, with its
probability); at threshold t the quotes shown are those of probability >= t, and none passing, or a name or number
of the question missing from the best passages' articles (unless --no-name-check), is an abstention. A gold
question with a `date` is asked as of it. Prints figures only; the threshold is chosen from them by hand.
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
from qa.evaluation.metrics import answer_in_quotes, mean, prf  # noqa: E402


def sweep(rows: list[dict], thresholds: list[float]) -> list[dict]:
    """The figures at each threshold from the per-question rows."""
    out = []
    for t in thresholds:
        abstained, unanswerable, aiq1, aiq3, precise = [], [], [], [], []
        for r in rows:
            shown = [hold for p, hold in r["quotes"] if p >= t][:3]
            abstains = not shown or r["names_missing"]
            abstained.append(abstains)
            unanswerable.append(r["unanswerable"])
            if not r["unanswerable"]:
                aiq1.append(not abstains and shown[0])
                aiq3.append(not abstains and any(shown))
                if not abstains:
                    precise.extend(shown)
        p, rec, f = prf(abstained, unanswerable)
        out.append(
            {
                "threshold": t,
                "answer_in_quote@1": mean(aiq1),
                "answer_in_quote@3": mean(aiq3),
                "quote_precision": mean(precise),
                "abstention_precision": p,
                "abstention_recall": rec,
                "abstention_f1": f,
            }
        )
    return out


def main() -> None:
    """Ask, sweep, print."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--reader", default="default")
    ap.add_argument("--no-name-check", action="store_true")
    ap.add_argument("--limit", type=int, default=0, help="first N questions only")
    ap.add_argument("--ids", type=Path, default=None, help="a file of doc ids: only questions on these")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    gold = read_gold(args.gold)
    if args.ids:
        keep = set(args.ids.read_text(encoding="utf-8").split())
        gold = [g for g in gold if set(g.doc_ids) & keep]
    if args.limit:
        gold = gold[: args.limit]
    settings = Settings(reader=args.reader, quote_threshold=0.0, name_check=not args.no_name_check)
    assistant = Assistant.load(args.index, settings)
    rows = []
    for g in gold:
        answer = assistant.ask(g.question, as_of=g.date)
        shown = answer.quotes or answer.nearby
        rows.append(
            {
                "id": g.id,
                "unanswerable": g.unanswerable,
                "names_missing": bool(answer.unmatched or answer.absent_from_best),
                "quotes": [
                    (q.probability or 0.0, bool(g.answers) and answer_in_quotes(g.answers, [q.text], 1)) for q in shown
                ],
            }
        )
    table = sweep(rows, [round(0.05 * i, 2) for i in range(20)])
    for s in table:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()}))
    if args.json:
        args.json.write_text(json.dumps({"questions": len(rows), "rows": rows, "sweep": table}, indent=1) + "\n")


if __name__ == "__main__":
    main()
