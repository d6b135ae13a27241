"""Precision and recall of corroboration on a gold set: `agrees`, `differs` (and their figures), `single_source`
and near-copies. Prints one JSON object.

Usage: python scripts/eval_corroboration.py [CORPUS_DIR ...] [--index DIR|URI] [--model NAME] [--legs dense,bm25]
       [--failures]

A corpus folder holds `articles.jsonl` and `gold.jsonl` (tests/data/corroboration/README.md describes the format):
each gold line is a span (an exact sentence of an article) with the sentences of other articles that agree with
it, those that give another figure, whether it has a single source, and any near-copies. The folder's articles are
indexed (in .qa-cache, or --index), `Assistant.corroborate` is asked for each span, and a found support is right
when it is in the gold article and overlaps the gold sentence.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from qa.answers.corroborate import LEGS, Leg  # noqa: E402
from qa.assistant import Assistant  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation.gold import cache_dir_for  # noqa: E402
from qa.search.backend import location  # noqa: E402
from qa.search.build import build_index  # noqa: E402


def _prf(tp: int, predicted: int, gold: int) -> dict[str, Any]:
    p = tp / predicted if predicted else None
    r = tp / gold if gold else None
    f = 2 * p * r / (p + r) if p and r else None
    return {
        "precision": None if p is None else round(p, 3),
        "recall": None if r is None else round(r, 3),
        "f1": None if f is None else round(f, 3),
        "true": tp,
        "predicted": predicted,
        "gold": gold,
    }


def evaluate(
    assistant: Assistant, gold: list[dict[str, Any]], legs: tuple[Leg, ...] = LEGS, span_vectors: str = "chunk"
) -> dict[str, Any]:
    """Score every gold span, with candidates from `legs` only, each span's meaning from its chunk's stored vector
    (`span_vectors` "chunk", as answers do) or from embedding its text ("text")."""
    counts = {k: [0, 0, 0] for k in ("agrees", "differs", "single_source", "copies")}
    figures_right = figures_total = 0
    failures = []
    for g in gold:
        article = assistant.article(g["article_id"])
        if article is None:
            raise SystemExit(f"gold span of unknown article {g['article_id']!r}")
        start = article.text.find(g["span"])
        if start < 0:
            raise SystemExit(f"gold span not in article {g['article_id']}: {g['span'][:60]!r}")
        spans = [(article, start, start + len(g["span"]))]
        vectors = assistant.corroborator.embedder.embed([g["span"]]) if span_vectors == "text" else None
        found = assistant.corroborator.corroborate(spans, vectors=vectors, legs=legs)[0]
        wrong = False
        for relation in ("agrees", "differs"):
            want = []
            for item in g.get(relation, []):
                other = assistant.article(item["article_id"])
                at = other.text.find(item["sentence"]) if other else -1
                want.append((item["article_id"], at, at + len(item["sentence"]), item))
            got = [s for s in found.supports if s.relation == relation]
            right = [s for s in got if any(_match(s, w) for w in want)]
            hit = [w for w in want if any(_match(s, w) for s in got)]
            counts[relation][0] += len(right)
            counts[relation][1] += len(got)
            counts[relation][2] += len(want)
            if relation == "differs":
                for s in right:
                    w = next(w for w in want if _match(s, w))
                    figures_total += 1
                    figures_right += bool(s.figures) and _same_figures(s.figures, w[3].get("figures"))
            if len(right) != len(got) or len(hit) != len(want):
                wrong = True
        single = bool(g["single_source"])
        counts["single_source"][0] += single and found.single_source
        counts["single_source"][1] += found.single_source
        counts["single_source"][2] += single
        copies = set(g.get("copies", []))
        counts["copies"][0] += len(copies & set(found.copies))
        counts["copies"][1] += len(found.copies)
        counts["copies"][2] += len(copies)
        if wrong or single != found.single_source or copies != set(found.copies):
            failures.append(
                {
                    "article_id": g["article_id"],
                    "kind": g.get("kind"),
                    "span": g["span"],
                    "gold": {k: [i["article_id"] for i in g.get(k, [])] for k in ("agrees", "differs")},
                    "got": [(s.relation, s.article_id, s.text[:80], s.figures) for s in found.supports],
                    "single_source": [single, found.single_source],
                    "copies": [sorted(copies), list(found.copies)],
                }
            )
    out: dict[str, Any] = {"spans": len(gold)}
    for key, (tp, predicted, total) in counts.items():
        out[key] = _prf(tp, predicted, total)
    # single_source as a yes/no for every span: its accuracy beside precision/recall of the "yes".
    out["single_source"]["accuracy"] = round(
        1 - sum(f["single_source"][0] != f["single_source"][1] for f in failures) / len(gold), 3
    )
    out["differs_figures_right"] = f"{figures_right}/{figures_total}"
    out["failures"] = failures
    return out


def _match(support: Any, want: tuple[str, int, int, Any]) -> bool:
    aid, start, end, _ = want
    return support.article_id == aid and start >= 0 and support.start < end and start < support.end


def _same_figures(got: tuple[str, str], want: list[str] | None) -> bool:
    if not want:
        return False
    digits = [("".join(c for c in x if c.isdigit() or c == ".")) for x in (*got, *want)]
    return digits[0] == digits[2] and digits[1] == digits[3]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("corpora", nargs="*", type=Path, default=[ROOT / "tests" / "data" / "corroboration"])
    ap.add_argument("--index", type=location, default=None)
    ap.add_argument("--model", default=None, help="embedding model (default: the shipped one)")
    ap.add_argument("--failures", action="store_true", help="list the spans judged wrongly")
    ap.add_argument(
        "--legs",
        default="dense,bm25",
        help="candidate sources, comma-separated: dense (the span's embedding), bm25 (its words); default both",
    )
    ap.add_argument(
        "--span-vectors",
        choices=("chunk", "text"),
        default="chunk",
        help="a span's meaning: its chunk's stored vector or its own embedding",
    )
    args = ap.parse_args()
    legs = tuple(x.strip() for x in args.legs.split(",") if x.strip())
    if not legs or set(legs) - {"dense", "bm25"}:
        ap.error(f"--legs takes dense and/or bm25, got {args.legs!r}")
    settings = Settings(**({"model": args.model} if args.model else {}))
    results = {}
    for corpus in args.corpora:
        paths = [corpus / "articles.jsonl"]
        where = args.index or cache_dir_for(paths, settings)
        build_index(paths, where, settings)
        assistant = Assistant.load(where, settings)
        gold = [json.loads(x) for x in (corpus / "gold.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
        result = {"legs": list(legs), "span_vectors": args.span_vectors} | evaluate(
            assistant,
            gold,
            legs,  # type: ignore[arg-type]
            args.span_vectors,
        )
        if not args.failures:
            result.pop("failures")
        shown = corpus.resolve()
        results[str(shown.relative_to(ROOT) if shown.is_relative_to(ROOT) else shown)] = result
    print(json.dumps(results, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
