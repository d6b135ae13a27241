"""Genre accuracy on the shared genre sets, through the same reader and labeller the assistant uses.

Prints, for each set, the share labelled correctly (the opinion family counts as opinion):
- opinion_vs_news_dev as published (minus its `genre` answer key) and with every genre cue stripped;
- editorials_dev (expected: opinion family) and news_reports_dev (expected: news), minus their genre fields;
- squad2 paragraphs (Wikipedia, neither reporting nor argument): the share labelled opinion family and unknown, on
  the titles the shipped model never saw (scripts/genre_data.squad_split) and on all of them;
- the speed of labelling cue-less articles (articles per second, opinion_vs_news_dev stripped, after warm-up): on
  their own (the text embedded here, as `qa articles` does) and in a build (the read's check of which articles wait
  for their vectors, then the label from the chunk vectors the build has made anyway: those are made before the
  clock starts, as the build's embedding pass makes them). The style rates kept from earlier sets are forgotten
  before each clock starts, and in a build between the read and the labelling too, as in a corpus of more
  articles than the cache keeps.
`--classifier` picks what labels cue-less text: cascade (the default: the style-only model, and the embedding model
where the style is ambiguous), style-only, embedding (each model alone), baseline (the earlier two-class style
classifier, qa/data/genre_model.json).
Usage: python scripts/eval_genre.py [--errors N] [--classifier cascade|cascade-chunks|style-only|embedding|baseline]
       [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from genre_data import DATA, read_jsonl, squad_split, strip_cues, without_label  # noqa: E402

from qa.ingest.genre import classify, needs_text_vector  # noqa: E402
from qa.ingest.genre_model import CASCADE_CONFIDENCE, STYLE_MODEL_FILE, TextReader, load_text_model, text_reader  # noqa: E402
from qa.ingest.readers.base import Sink  # noqa: E402
from qa.ingest.readers.fields import record_to_draft  # noqa: E402
from qa.ingest.textclf import clear_style_cache, load_classifier  # noqa: E402
from qa.models import OPINION_FAMILY, GenreDecision, GenreSignals  # noqa: E402

Record = dict[str, object]
# classify() with the labeller chosen for cue-less text
Labeller = Callable[[GenreSignals], GenreDecision]


def family(genre: str) -> str:
    """Collapse the opinion family to 'opinion'."""
    return "opinion" if genre in OPINION_FAMILY else genre


def score(name: str, prepare: Callable[[Record], Record], expected: str | None, show: int, how: Labeller) -> float:
    """Label every record of one set; print and return the accuracy."""
    right, total, seen = 0, 0, Counter[str]()
    for rec in read_jsonl(DATA / "genre" / name):
        gold = expected or str(rec["genre"])
        draft = record_to_draft(prepare(rec), name, None, Sink())
        if draft is None:
            continue
        decision = how(draft.signals)
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


def squad(how: Labeller, titles: set[str] | None) -> dict[str, float | int]:
    """Shares of squad2 paragraphs (of `titles`, all without) labelled opinion family and unknown."""
    seen = Counter[str]()
    for rec in read_jsonl(DATA / "squad2" / "paragraphs.jsonl"):
        if titles is not None and rec["title"] not in titles:
            continue
        draft = record_to_draft({"id": rec["id"], "title": rec["title"], "text": rec["text"]}, "squad2", None, Sink())
        if draft is not None:
            seen[family(how(draft.signals).genre)] += 1
    total = sum(seen.values())
    return {
        "paragraphs": total,
        "opinion": round(seen["opinion"] / total, 3),
        "unknown": round(seen["unknown"] / total, 3),
    }


def speed(how: Labeller, reader: TextReader | None = None) -> float:
    """Cue-less articles labelled per second (opinion_vs_news_dev with its cues stripped). With `reader` (one
    whose embedding model reads first chunks): as in a build, from each text's first chunk vectors made before
    the clock starts, each article first checked as a build's read checks it."""
    drafts = [
        d
        for rec in read_jsonl(DATA / "genre" / "opinion_vs_news_dev.jsonl")
        if (d := record_to_draft(strip_cues(rec), "speed", None, Sink())) is not None
    ]
    how(drafts[0].signals)  # warm-up: loads the encoder
    vectors: list[np.ndarray | None] = [None] * len(drafts)
    if reader is not None and reader.second is not None and reader.chunk_view:
        vectors = list(reader.second.embeds([d.signals.text for d in drafts], reader.embed))
    in_build = reader is not None and reader.chunk_view > 0
    clear_style_cache()
    t0 = time.perf_counter()
    if in_build:  # a build reads every article first, then labels those left pending once they are embedded
        assert reader is not None
        for d in drafts:
            needs_text_vector(d.signals, reader)
        clear_style_cache()  # as in a corpus larger than the cache: the rates read are gone by then
    for d, v in zip(drafts, vectors, strict=True):
        how(d.signals, vector=v)  # type: ignore[call-arg]
    return len(drafts) / (time.perf_counter() - t0)


def encoder_reader(args: argparse.Namespace) -> TextReader | None:
    """For --classifier encoder or cascade-encoder: the experimental fine-tuned encoder, alone or after the shipped
    style model as the cascade uses it (scripts/genre_encoder.py)."""
    if args.classifier not in ("encoder", "cascade-encoder"):
        return None
    from genre_encoder import DEFAULT_FOLDER, GenreEncoderModel

    style = load_text_model(name=STYLE_MODEL_FILE)
    model = GenreEncoderModel(args.encoder_folder or DEFAULT_FOLDER, style)
    first = style if args.classifier == "cascade-encoder" else None
    return TextReader(first, model, lambda texts: np.zeros((len(texts), 0)), CASCADE_CONFIDENCE)


def main() -> None:
    """Run the measurements."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--errors", type=int, default=0, help="print up to N misses per set")
    ap.add_argument(
        "--classifier",
        choices=("cascade", "cascade-chunks", "cascade-encoder", "style-only", "embedding", "encoder", "baseline"),
        default="cascade",
    )
    ap.add_argument("--json", action="store_true", help="end with one JSON line of the figures")
    ap.add_argument(
        "--encoder-folder",
        type=Path,
        default=None,
        help="for encoder and cascade-encoder: a folder exported by scripts/train_genre_encoder.py (an experiment)",
    )
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"shared data not found at {DATA}")
    modes = {"style-only": "style"}
    reader = (
        None
        if args.classifier == "baseline"
        else encoder_reader(args) or text_reader(mode=modes.get(args.classifier, args.classifier))
    )
    how: Labeller = partial(classify, model=load_classifier()) if reader is None else partial(classify, reader=reader)
    figures: dict[str, object] = {"classifier": args.classifier}
    figures["as_published"] = score("opinion_vs_news_dev.jsonl", without_label, None, args.errors, how)
    figures["stripped"] = score("opinion_vs_news_dev.jsonl", strip_cues, None, args.errors, how)
    figures["editorials"] = score("editorials_dev.jsonl", without_label, "opinion", args.errors, how)
    figures["news_reports"] = score("news_reports_dev.jsonl", without_label, "news", args.errors, how)
    _, held = squad_split()
    figures["squad2_held_out_titles"] = squad(how, held)
    figures["squad2_all"] = squad(how, None)
    print(f"squad2 paragraphs, titles never trained on: {figures['squad2_held_out_titles']}")
    print(f"squad2 paragraphs, all (half seen in training by the text model): {figures['squad2_all']}")
    figures["cueless_articles_per_s"] = round(speed(how), 1)
    print(f"cue-less articles labelled per second: {figures['cueless_articles_per_s']}")
    if reader is not None and reader.chunk_view:
        figures["cueless_articles_per_s_in_build"] = round(speed(how, reader), 1)
        print(f"in a build, from its chunk vectors: {figures['cueless_articles_per_s_in_build']}")
    if args.json:
        print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}))


if __name__ == "__main__":
    main()
