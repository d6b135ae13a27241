"""How often the quotes an archive shows are corroborated: ask every question of a gold file, count the shown
quotes with at least one support (and with an agreeing source, a differing figure, a single source), and write
a seeded sample of supports and every `differs` to a JSON file for checking by hand. Prints one JSON object.

Without arguments: news_qa's dev questions over its gold articles with the first 1,000 articles of sample_5k as
distractors (the evaluation corpus), each asked as of its date.
Usage: python scripts/corroboration_share.py [--gold FILE --corpus FILE ...] [--sample 30] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from qa.assistant import Assistant  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation.gold import cache_dir_for, first_lines, read_gold  # noqa: E402
from qa.search.build import build_index  # noqa: E402

DATA = ROOT.parent / "shared" / "data"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--gold", type=Path, default=DATA / "news_qa" / "questions_dev.jsonl")
    ap.add_argument("--corpus", type=Path, nargs="*", default=None)
    ap.add_argument("--sample", type=int, default=30, help="supports sampled for the hand check")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=ROOT / ".qa-cache" / "corroboration-check.json")
    args = ap.parse_args()
    paths = args.corpus or [
        DATA / "news_qa" / "articles.jsonl",
        first_lines(DATA / "news_corpus" / "sample_5k.jsonl", 1000, ROOT / ".qa-cache"),
    ]
    settings = Settings()
    where = cache_dir_for(paths, settings)
    build_index(paths, where, settings)
    assistant = Assistant.load(where, settings)
    quotes = supported = agreeing = differing = single = 0
    supports: list[dict[str, Any]] = []
    for g in read_gold(args.gold):
        answer = assistant.ask(g.question, as_of=g.date)
        for q in answer.quotes:
            c = q.corroboration
            if c is None:
                continue
            quotes += 1
            supported += bool(c.supports)
            agreeing += any(s.relation == "agrees" for s in c.supports)
            differing += any(s.relation == "differs" for s in c.supports)
            single += c.single_source
            for s in c.supports:
                supports.append(
                    {
                        "question": g.question,
                        "quote": q.text,
                        "quote_outlet": q.outlet,
                        "relation": s.relation,
                        "figures": s.figures,
                        "support_outlet": s.outlet,
                        "support_genre": s.genre,
                        "support": s.text,
                        "support_article": s.article_id,
                    }
                )
    rng = random.Random(args.seed)
    agrees = [s for s in supports if s["relation"] == "agrees"]
    check = {
        "agrees_sample": rng.sample(agrees, min(args.sample, len(agrees))),
        "differs_all": [s for s in supports if s["relation"] == "differs"],
    }
    args.out.write_text(json.dumps(check, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    report = {
        "questions": len(read_gold(args.gold)),
        "quotes_shown": quotes,
        "with_a_support": round(supported / quotes, 3) if quotes else None,
        "with_an_agreeing_source": round(agreeing / quotes, 3) if quotes else None,
        "with_a_differing_figure": round(differing / quotes, 3) if quotes else None,
        "single_source": round(single / quotes, 3) if quotes else None,
        "supports": len(supports),
        "differs": len(check["differs_all"]),
        "hand_check_file": str(args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
