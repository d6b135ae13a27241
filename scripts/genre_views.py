"""Research for issue 20: do views of the author's own voice tell argument from reporting better across outlets?

Reporting quotes people who argue; an editorial argues in its own voice. So this script measures three views that
leave quoted and attributed text out, each trained as the shipped models are (scripts/train_genre.py's data: every
usable full_26k opinion article, a seeded 6,000 reporting ones, the squad2 paragraphs of the seeded training
titles as `unknown`; the same exclusions) and scored on the genre dev sets as scripts/eval_genre.py strips them:

- `style`: the 22 style rates alone (the shipped style model's view), the baseline;
- `voice`: the style rates plus the same rates over the author's own sentences (outside quotation marks and
  sentences with a reporting verb), the share of the text in quotation marks and the share of own questions;
- `sentences`: the style rates plus the mean all-MiniLM-L6-v2 embedding of up to 24 of the author's own
  sentences (the first 16 and the last 8), in place of the shipped model's three 160-word windows;
- `sentence-votes`: the style rates plus how a sentence-level classifier (own sentences labelled by their
  article) reads the article's sentences: mean, top quarter, share above even, maximum and median log-odds.

A multinomial logistic regression with balanced class weights per view and C (scalar features standardised,
embedding dimensions as they are, as in the shipped models); P(opinion) >= 0.5 is opinion, as the assistant
decides. Measured, not shipped (docs/ingest.md). The sentence embeddings (about 150,000 sentences,
half an hour on 2 cores) are kept in .qa-cache/genre_views/.
Usage: python scripts/genre_views.py [--views style voice sentences sentence-votes] [--c 0.1 1.0] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from genre_data import DATA, read_jsonl, squad_split, strip_cues, without_label  # noqa: E402
from train_genre import training_texts  # noqa: E402

from qa.ingest import genre_model  # noqa: E402
from qa.ingest.readers.base import Sink  # noqa: E402
from qa.ingest.readers.fields import record_to_draft  # noqa: E402
from qa.ingest.textclf import PATTERNS, style_features  # noqa: E402
from qa.search.chunk import sentence_spans  # noqa: E402

_QUOTED = re.compile(r"“[^”]{0,600}”|\"[^\"\n]{0,600}\"")
_REPORTING = re.compile(
    r"\b(said|says|told|according to|stated|added|asked|explained|noted|wrote|tweeted|insisted|claimed)\b", re.I
)
_WORD = re.compile(r"[A-Za-z']+")
# The style rates counted again over the author's own sentences.
VOICE_RATES = ("first_singular", "first_plural", "second_person", "modal", "evaluative", "negation", "contrast",
               "stance_verb", "exhortation", "demonstrative", "present_aux", "past_aux")  # fmt: skip
FIRST, LAST = 16, 8


def own_sentences(text: str) -> list[str]:
    """The author's own sentences: five words or more, no reporting verb, at most half inside quotation marks;
    the first FIRST and last LAST of them."""
    out = []
    for s, e in sentence_spans(text):
        sentence = text[s:e]
        quoted = sum(len(m.group()) for m in _QUOTED.finditer(sentence))
        if len(sentence.split()) >= 5 and not _REPORTING.search(sentence) and quoted <= 0.5 * len(sentence):
            out.append(sentence)
    return out[:FIRST] + out[-LAST:] if len(out) > FIRST + LAST else out or [text[:500]]


def voice_rates(text: str) -> list[float]:
    """The voice view's extra features of one text."""
    text = text.replace("’", "'")
    own = " ".join(own_sentences(_QUOTED.sub(" ", text)))
    words = max(1, len(_WORD.findall(own)))
    rates = [len(PATTERNS[k].findall(own)) / words * 100 for k in VOICE_RATES]
    quoted = sum(len(m.group()) for m in _QUOTED.finditer(text)) / max(1, len(text))
    questions = own.count("?") / max(1, len(own_sentences(own)))
    return [*rates, quoted, questions]


def data(seed: int) -> dict[str, tuple[list[str], list[str]]]:
    """(texts, labels) of the training set and of each dev set, as the shipped models and eval_genre see them."""
    texts, labels, _ = training_texts(6000, seed)
    sets = {"train": (texts, labels)}
    for name, prepare, expected in (
        ("opinion_vs_news_dev", strip_cues, None),
        ("editorials_dev", without_label, "opinion"),
        ("news_reports_dev", without_label, "news"),
    ):
        texts, labels = [], []
        for rec in read_jsonl(DATA / "genre" / f"{name}.jsonl"):
            draft = record_to_draft(prepare(rec), name, None, Sink())
            if draft is not None:
                texts.append(draft.signals.text)
                labels.append(expected or str(rec["genre"]))
        sets[name] = (texts, labels)
    _, held_titles = squad_split(seed)
    held = [str(r["text"]) for r in read_jsonl(DATA / "squad2" / "paragraphs.jsonl") if r["title"] in held_titles]
    sets["squad2_held_out_titles"] = (held, ["unknown"] * len(held))
    return sets


def sentence_vectors(texts: list[str]) -> list[np.ndarray]:
    """Each text's own sentences embedded (kept in .qa-cache/genre_views/ by the texts' sha256)."""
    key = hashlib.sha256(json.dumps([FIRST, LAST, *texts]).encode()).hexdigest()[:16]
    cache = ROOT / ".qa-cache" / "genre_views" / f"{key}.npz"
    if cache.is_file():
        saved = np.load(cache)
        return np.split(saved["vectors"], saved["bounds"][1:-1])
    from qa.search.embed import load_embedder

    embed = load_embedder(encoder="openvino-int8", cache_dir=ROOT / ".qa-cache")
    sentences = [own_sentences(t) for t in texts]
    vectors = embed.embed([s for group in sentences for s in group])
    bounds = np.cumsum([0] + [len(g) for g in sentences])
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, vectors=vectors, bounds=bounds)
    return np.split(vectors, bounds[1:-1])


def votes(model: LogisticRegression, groups: list[np.ndarray]) -> np.ndarray:
    """How the sentence classifier reads each text: mean, top quarter, share above even, max and median of the
    sentences' log-odds of opinion."""
    o = list(model.classes_).index("opinion")
    rows = []
    for g in groups:
        logp = model.predict_log_proba(g)
        odds = np.sort(logp[:, o] - np.logaddexp.reduce(np.delete(logp, o, axis=1), axis=1))[::-1]
        rows.append([odds.mean(), odds[: max(1, len(odds) // 4)].mean(), (odds > 0).mean(), odds[0], np.median(odds)])
    return np.array(rows)


def decide(model: LogisticRegression, x: np.ndarray) -> list[str]:
    """Opinion at P(opinion) >= 0.5, else the likelier of the other classes, as the assistant decides."""
    classes = list(model.classes_)
    return [classes[genre_model.decide(row, classes, 0.5)] for row in model.predict_proba(x)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--views", nargs="+", default=["style", "voice", "sentences", "sentence-votes"])
    ap.add_argument("--c", type=float, nargs="+", default=[0.1, 1.0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sets = data(args.seed)
    style = {k: np.array([style_features(t) for t in texts]) for k, (texts, _) in sets.items()}
    views: dict[str, dict[str, np.ndarray]] = {"style": style}
    if "voice" in args.views:
        views["voice"] = {k: np.hstack([style[k], [voice_rates(t) for t in texts]]) for k, (texts, _) in sets.items()}
    if {"sentences", "sentence-votes"} & set(args.views):
        groups = {k: sentence_vectors(texts) for k, (texts, _) in sets.items()}
        views["sentences"] = {k: np.hstack([style[k], [g.mean(axis=0) for g in groups[k]]]) for k in sets}
        labels = np.array(sets["train"][1])
        rng = np.random.default_rng(args.seed)
        picks = [i for i in range(len(labels)) if labels[i] != "news" or rng.random() < 0.35]  # about 40,000 news
        x = np.vstack([groups["train"][i] for i in picks])
        y = np.concatenate([[labels[i]] * len(groups["train"][i]) for i in picks])
        per_sentence = LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(x, y)
        views["sentence-votes"] = {k: np.hstack([style[k], votes(per_sentence, groups[k])]) for k in sets}
    figures = {}
    for view in args.views:
        feats = views[view]
        # scalar features standardised, embedding dimensions as they are (as the shipped models do)
        scalar = style["train"].shape[1] if view == "sentences" else feats["train"].shape[1]
        scaler = StandardScaler().fit(feats["train"][:, :scalar])

        def x(
            name: str, feats: dict[str, np.ndarray] = feats, scaler: StandardScaler = scaler, n: int = scalar
        ) -> np.ndarray:
            return np.hstack([scaler.transform(feats[name][:, :n]), feats[name][:, n:]])

        for c in args.c:
            model = LogisticRegression(C=c, class_weight="balanced", max_iter=5000)
            model.fit(x("train"), sets["train"][1])
            row = {}
            for name, (_, gold) in sets.items():
                if name == "train":
                    continue
                got = decide(model, x(name))
                if name.startswith("squad2"):
                    row[f"{name} opinion share"] = round(float(np.mean([g == "opinion" for g in got])), 3)
                else:
                    row[name] = round(float(np.mean([a == b for a, b in zip(got, gold, strict=True)])), 3)
            figures[f"{view} C={c}"] = row
            print(f"{view:15} C={c:<5} " + "  ".join(f"{k} {v}" for k, v in row.items()), flush=True)
    if args.json:
        print(json.dumps(figures))


if __name__ == "__main__":
    main()
