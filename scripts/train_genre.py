"""Train the shipped opinion-vs-news style classifier on the shared news corpus.

Reads ../shared/data/news_corpus/full_26k.jsonl.gz, leaves out every article of the genre dev set (by id
and by text), strips genre cues the way the evaluation does, and writes qa/data/genre_model.json.
Labels come from the publisher's URL section. Needs scikit-learn (the `train` extra).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from genre_data import DATA, read_jsonl, strip_cues  # noqa: E402

from qa.ingest.textclf import FEATURES, style_features  # noqa: E402


def main() -> None:
    """Fit, report cross-validated balanced accuracy, and save the model as JSON."""
    dev = list(read_jsonl(DATA / "genre" / "opinion_vs_news_dev.jsonl"))
    held_ids = {r["id"] for r in dev}
    held_text = {str(r["text"])[:300] for r in dev}
    rows, labels = [], []
    for rec in read_jsonl(DATA / "news_corpus" / "full_26k.jsonl.gz"):
        if rec["id"] in held_ids or str(rec["text"])[:300] in held_text or not rec["text"]:
            continue
        rows.append(style_features(str(strip_cues(rec)["text"])))
        labels.append(1 if rec["genre_from_url_section"] == "opinion" else 0)
    x, y = np.array(rows), np.array(labels)
    print(f"training on {len(y)} articles, {int(y.sum())} opinion")
    scaler = StandardScaler().fit(x)
    xs = scaler.transform(x)
    # Balanced class weights: opinion is ~1% of the corpus, and a missed op-ed costs more than a flagged report.
    clf = LogisticRegression(class_weight="balanced", max_iter=1000)
    score = float(cross_val_score(clf, xs, y, cv=5, scoring="balanced_accuracy").mean())
    print(f"5-fold balanced accuracy: {score:.4f}")
    clf.fit(xs, y)
    meta = {
        "features": list(FEATURES),
        "mean": scaler.mean_.round(6).tolist(),
        "scale": scaler.scale_.round(6).tolist(),
        "coef": clf.coef_[0].round(6).tolist(),
        "bias": round(float(clf.intercept_[0]), 6),
        "trained_on": "news_corpus/full_26k minus genre/opinion_vs_news_dev, genre cues stripped; "
        "label = publisher URL section",
        "examples": len(y),
        "opinion_examples": int(y.sum()),
        "cv_balanced_accuracy": round(score, 4),
    }
    out = ROOT / "qa" / "data" / "genre_model.json"
    out.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
