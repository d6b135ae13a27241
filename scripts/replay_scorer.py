"""Replay recorded candidate pools through the answer builder with extra terms in the hand-set sentence score.

A research tool for issue 16 (which sentence answers): `record` asks every gold question once (as of its date,
corroboration off) and keeps what the answer builder was given (the question's hits, their articles and the
question's vector) in a JSON Lines file; `score` rebuilds every answer from those pools with one or more variants of
the sentence score, through the project's own quote choice (joins, reach-back, near-copies, the abstention
threshold and the name check), and prints answer_in_quote@1/@3, quote_precision and abstention P/R/F1 per variant.
Thousands of squad2 questions replay in seconds, so a scoring idea is measured on every gold set before any code is
written for it. Variants are sums of named terms (TERMS) added to the hand-set score, e.g. `novel=0.1`.

Usage:
  python scripts/replay_scorer.py record --index DIR --gold FILE.jsonl --out POOLS.jsonl
  python scripts/replay_scorer.py score POOLS.jsonl [--titles T ...] [--exclude-titles T ...] \
      [--variant NAME=W[,NAME=W...] ...] [--embed] [--abstain-below X] [--json]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]
from qa import Assistant, Settings  # noqa: E402
from qa.answers.choose import AnswerBuilder, Sentences  # noqa: E402
from qa.answers.context import Neighbours, with_context  # noqa: E402
from qa.evaluation.gold import read_gold  # noqa: E402
from qa.evaluation.metrics import answer_in_quotes, mean, prf, quote_precision, rounded  # noqa: E402
from qa.models import Answer, Article, Hit  # noqa: E402
from qa.search.embed import Embedder, HashEmbedder, load_embedder  # noqa: E402
from qa.search.sparse import base_forms, tokenize  # noqa: E402

# A capitalised word that doesn't open a sentence or a quotation: part of a name.
_NAME_WORD = re.compile(r"(?<![.?!:;“\"‘'(] )(?<!^)\b[A-Z][\w’'-]*")
# Questions answered by a name: who, which, where, what country/city/...
_WANTS_NAME = re.compile(r"\b(who|whom|whose|which|where|what (?:country|city|state|company|team|brand|name))\b", re.I)
_SENTENCE_BREAK = re.compile(r"(?<=[.?!])\s+(?=[A-Z“\"])")


def ask_clause(question: str) -> str:
    """The last sentence of a question of several (a quiz question's premise comes first, the ask last)."""
    parts = [p for p in _SENTENCE_BREAK.split(question.strip()) if p.strip()]
    return parts[-1] if parts else question


class Terms:
    """The extra terms of one question's sentences, each a list in pool order."""

    def __init__(self, question: str, pool: Sentences, near: Neighbours, embedder: Embedder | None) -> None:
        unique, texts, toks = pool
        keys = list(unique)
        at = {k: i for i, k in enumerate(keys)}
        q_tokens = set(base_forms(tokenize([question])[0]))
        ask = set(base_forms(tokenize([ask_clause(question)])[0]))
        whole = with_context(at, toks, q_tokens, near)
        asked_names = {w.lower() for w in re.findall(r"\w+", question)}
        wants_name = bool(_WANTS_NAME.search(question))
        chunk_sim = np.array([unique[k].similarity or 0.0 for k in keys])
        self.values: dict[str, list[float]] = {
            # the lexical share counted on the ask clause instead of the whole question (half the score's weight)
            "ask": list(0.5 * (np.array(with_context(at, toks, ask, near)) - np.array(whole))),
            # a name the question doesn't hold, when the question asks who, which or where
            "name": [
                float(wants_name and bool({m.lower() for m in _NAME_WORD.findall(t)} - asked_names)) for t in texts
            ],
            # the share of the sentence's words the question doesn't hold: an answer says something new
            "novel": [len(t - q_tokens) / max(len(t), 1) for t in toks],
            # the sentence opens its article (the lead)
            "lead": [float(k[1] < 400) for k in keys],
        }
        if embedder is not None:  # the sentence's own similarity in place of its chunk's
            own = embedder.embed(texts) @ embedder.embed([question])[0]
            self.values["sentence"] = list(own - chunk_sim)


TERMS = ("ask", "name", "novel", "lead", "sentence")


class VariantBuilder(AnswerBuilder):
    """The answer builder with weighted extra terms added to the hand-set sentence score."""

    def __init__(self, embedder: Embedder, weights: dict[str, float], settings: Settings) -> None:
        super().__init__(embedder, settings)
        self.weights = weights

    def sentence_scores(
        self, question: str, pool: Sentences, near: Neighbours, vector: np.ndarray | None = None
    ) -> list[float]:
        """The hand-set scores plus each weighted term."""
        scores = super().sentence_scores(question, pool, near, vector)
        if not self.weights:
            return scores
        embedder = self.embedder if "sentence" in self.weights else None
        terms = Terms(question, pool, near, embedder).values
        return [s + sum(w * terms[n][i] for n, w in self.weights.items()) for i, s in enumerate(scores)]


class Recorder(AnswerBuilder):
    """The answer builder that keeps what it was last given."""

    last: tuple[str, list[Hit], dict[str, Article], list[str], np.ndarray | None]

    def build(
        self,
        question: str,
        hits: list[Hit],
        articles: dict[str, Article],
        ranked_articles: list[str],
        vector: np.ndarray | None = None,
    ) -> Answer:
        self.last = (question, hits, articles, ranked_articles, vector)
        return super().build(question, hits, articles, ranked_articles, vector)


def record(args: argparse.Namespace) -> None:
    """Ask every gold question once and write each one's pool (what the answer builder was given)."""
    assistant = Assistant.load(args.index, Settings(corroborate=False))
    recorder = Recorder(assistant.retriever.embedder, assistant.settings, assistant.builder.reader)
    assistant.builder = recorder
    with args.out.open("w", encoding="utf-8") as out:
        for g in read_gold(args.gold):
            assistant.ask(g.question, as_of=g.date)
            question, hits, articles, ranked, vector = recorder.last
            gold_titles = [a.title for d in g.doc_ids if (a := assistant.article(d))]
            row = {
                "gold": g.model_dump(mode="json"),
                "gold_titles": gold_titles,
                "question": question,
                "hits": [h.model_dump(mode="json") for h in hits],
                "articles": {k: a.model_dump(mode="json") for k, a in articles.items()},
                "ranked": ranked,
                "vector": None if vector is None else [float(x) for x in vector],
            }
            out.write(json.dumps(row) + "\n")
    print(f"recorded {args.out}")


def pools(path: Path, keep: Callable[[dict], bool]) -> Iterator[dict]:
    """The recorded pools that `keep` accepts."""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if keep(row):
                yield row


def score(rows: list[dict], builder: AnswerBuilder) -> dict[str, float | None]:
    """The gold figures of every recorded question answered again by `builder`."""
    aiq1: list[bool] = []
    aiq3: list[bool] = []
    abstained: list[bool] = []
    unanswerable: list[bool] = []
    answered: list[tuple[tuple[str, ...], list[str]]] = []
    for row in rows:
        gold = row["gold"]
        hits = [Hit.model_validate(h) for h in row["hits"]]
        articles = {k: Article.model_validate(a) for k, a in row["articles"].items()}
        vector = None if row["vector"] is None else np.asarray(row["vector"], dtype=np.float32)
        answer = builder.build(row["question"], hits, articles, row["ranked"], vector)
        texts = [q.text for q in answer.quotes]
        abstained.append(answer.abstained)
        unanswerable.append(bool(gold.get("unanswerable")))
        if not gold.get("unanswerable"):
            aiq1.append(answer_in_quotes(gold["answers"], texts, 1))
            aiq3.append(answer_in_quotes(gold["answers"], texts, 3))
            if not answer.abstained:
                answered.append((tuple(gold["answers"]), texts))
    p, r, f = prf(abstained, unanswerable)
    return {
        "questions": len(rows),
        "answer_in_quote_1": mean(aiq1),
        "answer_in_quote_3": mean(aiq3),
        "quote_precision": quote_precision(answered),
        "abstention_precision": rounded(p),
        "abstention_recall": rounded(r),
        "abstention_f1": rounded(f),
    }


def parse_variant(text: str) -> dict[str, float]:
    """'novel=0.1,name=0.05' -> {'novel': 0.1, 'name': 0.05}; 'base' is no extra term."""
    if text == "base":
        return {}
    weights = {}
    for part in text.split(","):
        name, _, value = part.partition("=")
        if name not in TERMS:
            raise SystemExit(f"unknown term {name!r} in variant {text!r}: use {', '.join(TERMS)}")
        weights[name] = float(value)
    return weights


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    rec = sub.add_parser("record", help="record every gold question's candidate pool")
    rec.add_argument("--index", required=True)
    rec.add_argument("--gold", type=Path, required=True)
    rec.add_argument("--out", type=Path, required=True)
    sc = sub.add_parser("score", help="replay recorded pools with variants of the sentence score")
    sc.add_argument("pools", type=Path)
    sc.add_argument("--titles", nargs="*", help="only questions whose gold article has one of these titles")
    sc.add_argument("--exclude-titles", nargs="*", help="leave out questions whose gold article has these titles")
    sc.add_argument("--variant", action="append", default=None, help="e.g. base, novel=0.1, ask=1,name=0.05")
    sc.add_argument("--embed", action="store_true", help="load the real encoder (for the 'sentence' term)")
    sc.add_argument(
        "--abstain-below", type=float, default=None, help="the confidence threshold (default: Settings' own)"
    )
    sc.add_argument("--json", action="store_true", help="one JSON line of all figures at the end")
    args = ap.parse_args()
    if args.command == "record":
        record(args)
        return
    titles, exclude = set(args.titles or ()), set(args.exclude_titles or ())
    rows = list(
        pools(
            args.pools,
            lambda r: (not titles or bool(titles & set(r["gold_titles"]))) and not exclude & set(r["gold_titles"]),
        )
    )
    embedder = load_embedder(encoder="openvino-int8") if args.embed else HashEmbedder(384)
    variants = args.variant or ["base"]
    if not args.embed and any("sentence" in parse_variant(v) for v in variants):
        raise SystemExit("the 'sentence' term embeds the candidates: add --embed")
    settings = Settings(corroborate=False)
    if args.abstain_below is not None:
        settings = settings.model_copy(update={"abstain_below": args.abstain_below})
    figures = {}
    for text in variants:
        figures[text] = score(rows, VariantBuilder(embedder, parse_variant(text), settings))
        print(f"{text:32} " + "  ".join(f"{k} {v}" for k, v in figures[text].items()), flush=True)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
