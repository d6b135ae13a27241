"""Fit the reader's stack: a logistic model over the reader's logit and the hand-set score of each candidate.

    python scripts/fit_reader_stack.py --index DIR [--reader FOLDER] [--data ../shared/data] [--write]

The reader (qa/data/reader) ranks sentences well where the hand-set score is weak and the other way round; three
numbers combine them into the probability that a quote answers. They are fitted on the squad2 questions of two of
the four squad2 titles held out from the reader's training (STACK_TITLES); the other two (REPORT_TITLES) are
never fitted on and are what the closing figures report. `--index` is a squad2 index (qa eval --corpus
../shared/data/squad2/paragraphs.jsonl builds one in .qa-cache/). Seeded by construction (no sampling); prints
counts and figures; with --write, stores the weights under "stack" in the reader folder's manifest.json
(qa/data/reader/ unless --reader).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from qa.answers.reader import DEFAULT_READER, OnnxReader  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation.gold import GoldQuestion, read_gold  # noqa: E402
from qa.evaluation.metrics import answer_in_quotes  # noqa: E402

STACK_TITLES = ("Huguenot", "Immune_system")
REPORT_TITLES = ("Scottish_Parliament", "Harvard_University")


def questions(data: Path, titles: tuple[str, ...]) -> list[GoldQuestion]:
    ids = set()
    for line in (data / "squad2/paragraphs.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if r["title"] in titles:
            ids.add(r["id"])
    return [g for g in read_gold(data / "squad2/questions_dev.jsonl") if set(g.doc_ids) & ids]


def rows(assistant: Assistant, gold: list[GoldQuestion]) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """Features (reader logit, hand-set score) and labels (holds a gold answer) of every candidate quote, and
    the question each belongs to."""
    x, y, group = [], [], []
    for n, g in enumerate(gold):
        answer = assistant.ask(g.question)
        for q in answer.quotes or answer.nearby:
            p = min(max(q.probability or 0.0, 1e-6), 1 - 1e-6)
            x.append((float(np.log(p / (1 - p))), q.score))
            y.append(int(not g.unanswerable and answer_in_quotes(g.answers, [q.text], 1)))
            group.append(n)
    return np.asarray(x), np.asarray(y), group


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/data")
    ap.add_argument("--reader", type=Path, default=DEFAULT_READER, help="an exported reader folder")
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression

    reader = OnnxReader(args.reader)
    reader.stack = None  # the raw probabilities are the feature
    settings = Settings(quote_threshold=0.0, max_quotes=Settings().reader_depth)
    assistant = Assistant.load(args.index, settings).with_reader(reader)
    gold = questions(args.data, STACK_TITLES)
    x, y, _ = rows(assistant, gold)
    model = LogisticRegression(C=1.0).fit(x, y)
    stack = {
        "reader_logit": round(float(model.coef_[0][0]), 4),
        "hand_set": round(float(model.coef_[0][1]), 4),
        "bias": round(float(model.intercept_[0]), 4),
        "fitted_on": f"squad2 dev questions of {', '.join(STACK_TITLES)} (held out from the reader's training)",
        "questions": len(gold),
        "candidates": len(y),
        "positives": int(y.sum()),
    }
    print(json.dumps(stack, indent=1))
    if args.write:
        path = args.reader / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        manifest["stack"] = stack
        path.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        print(f"wrote the stack to {path}")


if __name__ == "__main__":
    main()
