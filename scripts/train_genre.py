"""Train the shipped cue-less genre model (qa/ingest/genre_model.py) from ../shared/data.

Data, all read by path and never copied:
- news (reporting) and opinion (argument): news_corpus/full_26k.jsonl.gz labelled by the publisher's URL section
  (opinion; news and other_non_opinion both count as reporting; with --columns-as-opinion, also as opinion where the
  URL names a column filed under another desk, scripts/genre_data.training_label: '/sports/columnist/' is a column
  as the assistant's own URL cue reads it; measured and not shipped, docs/ingest.md), with every genre cue stripped
  as the evaluation strips them (scripts/genre_data.strip_cues). Left out, by id, URL and normalised text: every
  article of the genre dev sets (opinion_vs_news_dev, editorials_dev, news_reports_dev), of news_qa/articles.jsonl
  and the first 1,000 lines of news_corpus/sample_5k.jsonl (the evaluation corpus). All opinion articles left are
  used and a seeded sample of --negatives reporting articles.
- unknown (neither: reference text): squad2/paragraphs.jsonl, the paragraphs of a seeded half of the titles; the
  other half is held out and is what scripts/eval_genre.py reports.

Features: the 22 style rates (standardised) and the mean all-MiniLM-L6-v2 embedding (the default encoder) of the
text's first --windows chunks as an index chunks it (--view chunks: a build labels from the vectors it has just
made) or of up to --windows windows of --window-words words (--view windows, the default). A multinomial logistic
regression with balanced class weights; C is chosen by 5-fold cross-validation on the training data only (balanced
accuracy), never on the dev sets.

Writes qa/data/genre_text_model.json (the weights, JSON, no pickle) and qa/data/genre_text_model.manifest.json
(data counts, exclusions, time, cross-validation figures, sha256 of the model file). Needs scikit-learn (the
`train` extra). Seeded: the same data gives the same model.
The two shipped models (the cue-less labeller is a cascade of them, qa/ingest/genre_model.py):
  python scripts/train_genre.py --grid 0.003 0.01 0.03 0.1         # qa/data/genre_text_model.json (style + windows)
  python scripts/train_genre.py --view chunks --out qa/data/genre_chunk_model.json   # style + first three chunks
  python scripts/train_genre.py --windows 0 --negatives 100000 --grid 0.003 0.01 0.03 0.1 \
      --out qa/data/genre_style_model.json                        # style only
Usage: python scripts/train_genre.py [--negatives 6000] [--seed 0] [--view chunks|windows] [--windows 3]
       [--window-words 160] [--out FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from genre_data import DATA, read_jsonl, squad_split, strip_cues, training_label  # noqa: E402

from qa.ingest.genre_model import MODEL_FILE, default_embed, mean_chunk_vectors, mean_window_vectors  # noqa: E402
from qa.ingest.textclf import FEATURES, style_features  # noqa: E402

OUT = ROOT / "qa" / "data" / MODEL_FILE
GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def _norm(text: object) -> str:
    return re.sub(r"\W+", " ", str(text or "")).strip().lower()[:400]


def held_out() -> tuple[set[str], set[str], set[str]]:
    """Ids, URLs and normalised texts that no training set may hold."""
    ids, urls, texts = set(), set(), set()
    sources = [DATA / "genre" / f"{n}.jsonl" for n in ("opinion_vs_news_dev", "editorials_dev", "news_reports_dev")]
    records = [r for p in sources for r in read_jsonl(p)] + list(read_jsonl(DATA / "news_qa" / "articles.jsonl"))
    for i, r in enumerate(read_jsonl(DATA / "news_corpus" / "sample_5k.jsonl")):
        if i >= 1000:
            break
        records.append(r)
    for r in records:
        ids.add(str(r.get("id")))
        if r.get("url"):
            urls.add(str(r["url"]))
        if _norm(r.get("text")):
            texts.add(_norm(r.get("text")))
    return ids, urls, texts


def news_training_articles(columns_as_opinion: bool = False) -> tuple[list[tuple[dict, str, str]], int]:
    """([(record, cue-free text, label)], how many records were left out as evaluation articles): the usable
    full_26k articles (at least 40 words, a label from genre_data.training_label), shared by both genre trainers."""
    ids, urls, texts = held_out()
    usable, skipped = [], 0
    for r in read_jsonl(DATA / "news_corpus" / "full_26k.jsonl.gz"):
        if str(r["id"]) in ids or str(r.get("url")) in urls or _norm(r.get("text")) in texts:
            skipped += 1
            continue
        text = str(strip_cues(r)["text"])
        label = training_label(r, columns_as_opinion)
        if len(text.split()) >= 40 and label is not None:
            usable.append((r, text, label))
    return usable, skipped


def training_texts(
    negatives: int, seed: int, columns_as_opinion: bool = False
) -> tuple[list[str], list[str], dict[str, int]]:
    """(texts, labels, counts): every usable opinion article, a seeded sample of reporting, half of squad2."""
    usable, skipped = news_training_articles(columns_as_opinion)
    opinion = [text for _, text, label in usable if label == "opinion"]
    news = [text for _, text, label in usable if label == "news"]
    random.Random(seed).shuffle(news)
    news = news[:negatives]
    train_titles, _ = squad_split(seed)
    unknown = [str(r["text"]) for r in read_jsonl(DATA / "squad2" / "paragraphs.jsonl") if r["title"] in train_titles]
    counts = {
        "opinion": len(opinion),
        "news": len(news),
        "unknown": len(unknown),
        "left_out_as_held_out": skipped,
        "squad2_titles_trained": len(train_titles),
    }
    return (
        opinion + news + unknown,
        ["opinion"] * len(opinion) + ["news"] * len(news) + ["unknown"] * len(unknown),
        counts,
    )


def features(texts: list[str], args: argparse.Namespace) -> tuple[np.ndarray, np.ndarray]:
    """(style rates, mean embeddings) of every text, kept in .qa-cache/genre_features/ for a rerun on the same
    texts (keyed by their sha256 and the view)."""
    key = hashlib.sha256(json.dumps([args.view, args.windows, args.window_words, *texts]).encode("utf-8")).hexdigest()[
        :16
    ]
    cache = ROOT / ".qa-cache" / "genre_features" / f"{key}.npz"
    if cache.is_file():
        saved = np.load(cache)
        return saved["style"], saved["embedded"]
    style = np.array([style_features(t) for t in texts])
    # --windows 0: a style-only model (no encoder at labelling time)
    embed = default_embed("openvino-int8", ROOT / ".qa-cache") if args.windows else None
    if embed is None:
        embedded = np.zeros((len(texts), 0))
    elif args.view == "chunks":
        embedded = mean_chunk_vectors(texts, embed, args.windows)
    else:
        embedded = mean_window_vectors(texts, embed, args.window_words, args.windows)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, style=style, embedded=embedded)
    return style, embedded


def topic_matched(embedded: np.ndarray, labels: list[str], k: int, extra: int, seed: int) -> np.ndarray:
    """Which texts to train on when the reporting class is matched to the opinion class's topics: every opinion
    and unknown text, the `k` reporting texts nearest each opinion text (cosine of the mean embeddings), and a
    seeded sample of `extra` other reporting texts. So topic stops telling argument from reporting, and the model
    learns the genre."""
    y = np.array(labels)
    unit = embedded / np.linalg.norm(embedded, axis=1, keepdims=True).clip(min=1e-9)
    news = np.flatnonzero(y == "news")
    sims = unit[y == "opinion"] @ unit[news].T
    chosen = set(news[np.argsort(-sims, axis=1)[:, :k]].ravel().tolist())
    rest = sorted(set(news.tolist()) - chosen)
    random.Random(seed).shuffle(rest)
    keep = (y != "news").copy()
    keep[sorted(chosen | set(rest[:extra]))] = True
    return keep


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--negatives", type=int, default=6000, help="reporting articles sampled for training")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--view", choices=("chunks", "windows"), default="windows", help="what of the text is embedded")
    ap.add_argument("--windows", type=int, default=3, help="embedded chunks or windows per text; 0: style rates only")
    ap.add_argument("--out", type=Path, default=OUT, help="the model file (its manifest is written beside it)")
    ap.add_argument("--window-words", type=int, default=160)
    ap.add_argument(
        "--columns-as-opinion",
        action="store_true",
        help="also train as opinion the columns filed under other desks ('/sports/columnist/'): measured, not shipped",
    )
    ap.add_argument(
        "--match-topic",
        type=int,
        default=0,
        help="train on the K reporting texts nearest each opinion text (plus --extra-news others); 0: all",
    )
    ap.add_argument("--extra-news", type=int, default=1500, help="with --match-topic: other reporting texts kept")
    ap.add_argument("--grid", type=float, nargs="+", default=GRID, help="the values of C cross-validated")
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    t0 = time.time()
    texts, labels, counts = training_texts(args.negatives, args.seed, args.columns_as_opinion)
    print(f"training data: {counts}", flush=True)
    style, embedded = features(texts, args)
    print(f"features of {len(texts)} texts in {time.time() - t0:.0f} s", flush=True)
    if args.match_topic:
        keep = topic_matched(embedded, labels, args.match_topic, args.extra_news, args.seed)
        texts = [t for t, k in zip(texts, keep, strict=True) if k]
        labels = [label for label, k in zip(labels, keep, strict=True) if k]
        style, embedded = style[keep], embedded[keep]
        counts["news_topic_matched"] = int(sum(1 for label in labels if label == "news"))
        print(f"topic-matched training data: {counts}", flush=True)
    scaler = StandardScaler().fit(style)
    x = np.hstack([scaler.transform(style), embedded])
    y = np.array(labels)
    folds = StratifiedKFold(5, shuffle=True, random_state=args.seed)
    cv = {}
    grid = tuple(args.grid)
    for c in grid:
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
        cv[c] = float(cross_val_score(clf, x, y, cv=folds, scoring="balanced_accuracy").mean())
        print(f"C={c}: 5-fold balanced accuracy {cv[c]:.4f}", flush=True)
    best = max(grid, key=lambda c: cv[c])
    clf = LogisticRegression(C=best, class_weight="balanced", max_iter=5000).fit(x, y)
    meta = {
        "classes": [str(c) for c in clf.classes_],
        "style_features": list(FEATURES),
        "style_mean": scaler.mean_.round(6).tolist(),
        "style_scale": scaler.scale_.round(6).tolist(),
        "coef": clf.coef_.round(6).tolist(),
        "bias": clf.intercept_.round(6).tolist(),
        "window_words": args.window_words,
        "windows": args.windows,
        "view": args.view,
        "embedding_dim": int(embedded.shape[1]),
        "embedding_model": "sentence-transformers/all-MiniLM-L6-v2@openvino-int8" if args.windows else None,
    }
    out: Path = args.out
    manifest_path = out.with_name(out.stem + ".manifest.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(meta) + "\n", encoding="utf-8")
    seconds = round(time.time() - t0, 1)
    manifest = {
        "model": out.name,
        "trained_by": "scripts/train_genre.py",
        "arguments": {
            **vars(args),
            "out": str(out.resolve().relative_to(ROOT) if out.resolve().is_relative_to(ROOT) else out),
        },
        "data": {
            "opinion and news": "news_corpus/full_26k.jsonl.gz, label = publisher URL section "
            "(news and other_non_opinion = news)"
            + (
                ", and opinion where the URL names a column (genre_data.training_label)"
                if args.columns_as_opinion
                else ""
            )
            + ", genre cues stripped",
            "unknown": "squad2/paragraphs.jsonl, paragraphs of a seeded half of the titles "
            "(scripts/genre_data.squad_split)",
            "left out": "genre/opinion_vs_news_dev, genre/editorials_dev, genre/news_reports_dev, "
            "news_qa/articles.jsonl, the first 1,000 lines of news_corpus/sample_5k.jsonl "
            "(by id, URL and normalised text)",
            "counts": counts,
        },
        "validation": {"cv_balanced_accuracy": {str(c): round(v, 4) for c, v in cv.items()}, "chosen_C": best},
        "seconds": seconds,
        "sha256": {out.name: hashlib.sha256(out.read_bytes()).hexdigest()},
    }
    manifest_path.write_text(json.dumps(manifest, indent=1, default=str) + "\n", encoding="utf-8")
    print(f"C={best}; wrote {out} and {manifest_path.name} in {seconds} s")


if __name__ == "__main__":
    main()
