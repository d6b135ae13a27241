"""Train the fine-tuned genre encoder: the shipped all-MiniLM-L6-v2 weights fine-tuned to read a window of text as
reporting (news), argument (opinion) or neither (unknown).

    python scripts/train_genre_encoder.py [--minutes 30] [--work .qa-cache/genre_encoder] [--resume]
    python scripts/train_genre_encoder.py --export-only [--out .qa-cache/genre_encoder/export]
    python scripts/eval_genre.py --classifier encoder|cascade-encoder [--encoder-folder DIR]   # measure it

An experiment, not shipped: it measured worse than the shipped models on editorials (docs/ingest.md).

Data, read by path from ../shared/data and never copied (the same sources and exclusions as scripts/train_genre.py):
- opinion and news: news_corpus/full_26k.jsonl.gz labelled by the publisher's URL section (opinion; news and
  other_non_opinion are reporting; with --columns-as-opinion also a URL that names a column,
  scripts/genre_data.training_label), every genre cue stripped (scripts/genre_data.strip_cues). Left out by id, URL
  and normalised text: every article of
  genre/opinion_vs_news_dev, editorials_dev and news_reports_dev, of news_qa/articles.jsonl and the first 1,000
  lines of news_corpus/sample_5k.jsonl. Every opinion article left is used, with a seeded sample of --news
  reporting articles drawn from the same outlets in the same proportion (so the outlet is no clue to the genre).
- unknown: squad2/paragraphs.jsonl, the paragraphs of the seeded half of the titles that scripts/train_genre.py
  trains on (scripts/genre_data.squad_split); the other half stays held out for scripts/eval_genre.py.
A seeded --val-share of every class is held out of training and chooses the checkpoint (balanced accuracy over its
articles, read as the labeller reads them); the genre dev sets are never used here.

Model: MiniLM -> mean pooling -> LayerNorm -> linear (3 logits), over windows of --window-words words
(qa/ingest/genre_model.windows: start, end, middle); an article's probabilities are the mean of its windows'. Each
epoch trains on one window per article at a random position (augmentation) with class-balanced cross-entropy; the
new head trains at a higher learning rate than the encoder. Checkpoints (safetensors) go to the work folder after
every epoch, so a stopped run resumes with --resume (the learning rate warms up over the first 6% of the planned
steps and falls linearly to 0 at the last epoch; a resumed run restarts the optimiser's moments). Export: ONNX
fp32, int8 dynamic quantization (per channel), the tokenizer and manifest.json (data counts, exclusions, time,
validation figures, sha256 of every file).
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "scripts")]
from genre_data import DATA, read_jsonl, squad_split  # noqa: E402
from train_genre import news_training_articles  # noqa: E402
from train_reader import base_model_path, export_int8, sha256  # noqa: E402

from qa.ingest.genre_model import windows  # noqa: E402

OUT = ROOT / ".qa-cache" / "genre_encoder" / "export"
CLASSES = ("news", "opinion", "unknown")


class GenreNet(nn.Module):
    """MiniLM encoder, mean pooling, LayerNorm, one logit per class."""

    def __init__(self, encoder: nn.Module, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.norm = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, len(CLASSES))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
        mask = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.out(self.norm(pooled))


def load(layers: int, checkpoint: Path | None) -> tuple[GenreNet, object]:
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    path = base_model_path()
    encoder = AutoModel.from_pretrained(path, num_hidden_layers=layers, add_pooling_layer=False)
    model = GenreNet(encoder, encoder.config.hidden_size)
    if checkpoint is not None:
        model.load_state_dict(load_file(str(checkpoint)))
    return model, AutoTokenizer.from_pretrained(path)


def articles(
    news_count: int, seed: int, columns_as_opinion: bool = False
) -> tuple[list[tuple[str, str]], dict[str, object]]:
    """[(text, class)]: every usable opinion article, outlet-matched reporting, half of the squad2 titles."""
    usable, skipped = news_training_articles(columns_as_opinion)
    opinion = [(text, str(r["outlet"])) for r, text, label in usable if label == "opinion"]
    news: dict[str, list[str]] = {}
    for r, text, label in usable:
        if label == "news":
            news.setdefault(str(r["outlet"]), []).append(text)
    rng = random.Random(seed)
    outlets = {o: sum(1 for _, x in opinion if x == o) for o in {x for _, x in opinion}}
    chosen: list[str] = []
    for outlet in sorted(outlets):
        pool = sorted(news.get(outlet, []))
        rng.shuffle(pool)
        chosen += pool[: round(news_count * outlets[outlet] / len(opinion))]
    train_titles, _ = squad_split(0)
    unknown = [str(r["text"]) for r in read_jsonl(DATA / "squad2" / "paragraphs.jsonl") if r["title"] in train_titles]
    data = [(t, "opinion") for t, _ in opinion] + [(t, "news") for t in chosen] + [(t, "unknown") for t in unknown]
    counts: dict[str, object] = {
        "opinion": len(opinion),
        "opinion_by_outlet": outlets,
        "news": len(chosen),
        "unknown": len(unknown),
        "left_out_as_held_out": skipped,
        "squad2_titles_trained": len(train_titles),
    }
    return data, counts


def split(data: list[tuple[str, str]], share: float, seed: int) -> tuple[list, list]:
    """A seeded, per-class share held out for validation."""
    rng = random.Random(seed + 1)
    train, val = [], []
    for c in CLASSES:
        items = [d for d in data if d[1] == c]
        rng.shuffle(items)
        k = round(len(items) * share)
        val += items[:k]
        train += items[k:]
    rng.shuffle(train)
    return train, val


def random_window(text: str, words: int, rng: random.Random) -> str:
    tokens = text.split()
    if len(tokens) <= words:
        return " ".join(tokens)
    start = rng.randrange(0, len(tokens) - words + 1)
    return " ".join(tokens[start : start + words])


def encode(tokenizer, texts: list[str], max_length: int) -> dict[str, torch.Tensor]:
    enc = tokenizer(texts, truncation=True, max_length=max_length, padding=True, return_tensors="pt")
    return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


@torch.no_grad()
def article_probabilities(model: GenreNet, tokenizer, texts: list[str], args: argparse.Namespace) -> np.ndarray:
    """Each article's class probabilities: the mean over its windows, as the labeller reads it."""
    model.eval()
    pieces = [windows(t, args.window_words, args.windows) for t in texts]
    flat = [p for ps in pieces for p in ps]
    probs = []
    for at in range(0, len(flat), 32):
        logits = model(**encode(tokenizer, flat[at : at + 32], args.max_length))
        probs.append(torch.softmax(logits.float(), dim=-1).numpy())
    model.train()
    allp = np.concatenate(probs) if probs else np.zeros((0, len(CLASSES)))
    bounds = np.cumsum([0] + [len(ps) for ps in pieces])
    return np.array([allp[a:b].mean(axis=0) for a, b in itertools.pairwise(bounds)])


def validate(model: GenreNet, tokenizer, val: list[tuple[str, str]], args: argparse.Namespace) -> dict[str, object]:
    probs = article_probabilities(model, tokenizer, [t for t, _ in val], args)
    guess = [CLASSES[int(i)] for i in probs.argmax(axis=1)]
    recall = {c: float(np.mean([g == c for g, (_, y) in zip(guess, val, strict=True) if y == c])) for c in CLASSES}
    return {
        "balanced_accuracy": round(float(np.mean(list(recall.values()))), 4),
        "recall": recall,
        "articles": len(val),
    }


def train(args: argparse.Namespace) -> None:
    from safetensors.torch import save_file

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    data, counts = articles(args.news, args.seed, args.columns_as_opinion)
    train_set, val = split(data, args.val_share, args.seed)
    counts |= {"train_articles": len(train_set), "validation_articles": len(val)}
    print("data", json.dumps(counts), f"({time.time() - t0:.0f} s)", flush=True)
    (work / "data.json").write_text(json.dumps({"counts": counts, "arguments": vars(args)}, indent=1, default=str))
    state_path = work / "state.json"
    status: dict = {"epoch": 0, "seconds": 0.0, "history": [], "best": None}
    resume = args.resume and state_path.is_file() and (work / "last.safetensors").is_file()
    if resume:
        status = json.loads(state_path.read_text())
    model, tokenizer = load(args.layers, work / "last.safetensors" if resume else None)
    model.train()
    head = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    optimiser = torch.optim.AdamW(
        [{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01
    )
    freq = np.array([sum(1 for _, y in train_set if y == c) for c in CLASSES], dtype=np.float64)
    weight = torch.tensor(freq.sum() / (len(CLASSES) * freq), dtype=torch.float32)
    loss_fn = nn.CrossEntropyLoss(weight=weight)
    label = {c: i for i, c in enumerate(CLASSES)}
    steps_per_epoch = -(-len(train_set) // args.batch)
    total_steps = steps_per_epoch * args.epochs
    warmup = max(1, round(0.06 * total_steps))
    bases = [g["lr"] for g in optimiser.param_groups]
    deadline = time.time() + args.minutes * 60
    while status["epoch"] < args.epochs and time.time() < deadline:
        epoch = status["epoch"]
        rng = random.Random(args.seed * 1000 + epoch)
        order = list(train_set)
        rng.shuffle(order)
        started, seen, total = time.time(), 0, 0.0
        for at in range(0, len(order), args.batch):
            part = order[at : at + args.batch]
            texts = [random_window(t, args.window_words, rng) for t, _ in part]
            target = torch.tensor([label[y] for _, y in part])
            step = epoch * steps_per_epoch + at // args.batch  # linear warm-up, then linear decay to 0
            factor = min(step / warmup, (total_steps - step) / max(1, total_steps - warmup))
            for group, base in zip(optimiser.param_groups, bases, strict=True):
                group["lr"] = base * max(factor, 0.0)
            loss = loss_fn(model(**encode(tokenizer, texts, args.max_length)), target)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            seen += len(part)
            total += loss.item() * len(part)
            if (at // args.batch) % 20 == 0:
                rate = seen / max(time.time() - started, 1e-9)
                print(
                    f"epoch {epoch + 1} {seen}/{len(order)} loss {total / seen:.4f} ({rate:.1f} windows/s)", flush=True
                )
            if time.time() > deadline:
                break
        status["seconds"] += time.time() - started
        status["epoch"] = epoch + 1
        save_file(model.state_dict(), str(work / "last.safetensors"))
        entry = {
            "epoch": epoch + 1,
            "minutes": round(status["seconds"] / 60, 1),
            "train_loss": round(total / max(seen, 1), 4),
        }
        entry |= validate(model, tokenizer, val, args)
        status["history"].append(entry)
        print("validation", json.dumps(entry), flush=True)
        if status["best"] is None or entry["balanced_accuracy"] > status["best"]["balanced_accuracy"]:
            status["best"] = entry
            shutil.copyfile(work / "last.safetensors", work / "best.safetensors")
        state_path.write_text(json.dumps(status, indent=1))
    print("best", json.dumps(status["best"]), f"total {time.time() - t0:.0f} s", flush=True)


def export(args: argparse.Namespace) -> None:
    """ONNX fp32 from the best checkpoint, int8 dynamic quantization (per channel), tokenizer and manifest."""
    work = Path(args.work)
    status = json.loads((work / "state.json").read_text())
    saved = json.loads((work / "data.json").read_text())
    model, tokenizer = load(args.layers, work / "best.safetensors")
    model.eval()
    enc = encode(tokenizer, ["The minister said on Tuesday that the port would open.", "We must act now."], 64)
    out = Path(args.out)
    export_int8(model, enc, "windows", work / "model-fp32.onnx", out)
    files = sorted(p for p in out.iterdir() if p.name != "manifest.json")
    manifest = {
        "model": "qa genre encoder: all-MiniLM-L6-v2 fine-tuned, mean pooling, LayerNorm, linear; "
        "ONNX int8 per channel",
        "trained_by": "scripts/train_genre_encoder.py",
        "classes": list(CLASSES),
        "layers": args.layers,
        "max_length": args.max_length,
        "window_words": args.window_words,
        "windows": args.windows,
        "seed": args.seed,
        "arguments": saved["arguments"],
        "data": {
            "opinion and news": "news_corpus/full_26k.jsonl.gz, label = publisher URL section "
            "(news and other_non_opinion = news)"
            + ("; columns filed elsewhere = opinion" if saved["arguments"].get("columns_as_opinion") else "")
            + ", genre cues stripped; reporting sampled from the opinion outlets in proportion",
            "unknown": "squad2/paragraphs.jsonl, paragraphs of the seeded half of the titles "
            "(scripts/genre_data.squad_split(0))",
            "left out": "genre/opinion_vs_news_dev, genre/editorials_dev, genre/news_reports_dev, "
            "news_qa/articles.jsonl, the first 1,000 lines of news_corpus/sample_5k.jsonl "
            "(by id, URL and normalised text); the other squad2 titles",
            "counts": saved["counts"],
        },
        "trained_epochs": status["epoch"],
        "trained_minutes": round(status["seconds"] / 60, 1),
        "validation": status["best"],
        "history": status["history"],
        "files": {p.name: sha256(p) for p in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(json.dumps({k: manifest[k] for k in ("trained_epochs", "validation", "files")}, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--work", default=str(ROOT / ".qa-cache" / "genre_encoder"))
    ap.add_argument("--out", default=str(OUT))
    ap.add_argument("--news", type=int, default=1200, help="reporting articles sampled (outlet-matched)")
    ap.add_argument("--columns-as-opinion", action="store_true", help="see scripts/train_genre.py")
    ap.add_argument("--val-share", type=float, default=0.15)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--max-length", type=int, default=160, help="tokens per window")
    ap.add_argument("--window-words", type=int, default=110)
    ap.add_argument("--windows", type=int, default=3, help="windows an article is read by (start, end, middle)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--head-lr", type=float, default=1e-3)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--minutes", type=float, default=40.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--resume", action="store_true")
    ap.add_argument("--export", action="store_true", help="export after training")
    ap.add_argument("--export-only", action="store_true")
    args = ap.parse_args()
    if not args.export_only:
        if not DATA.is_dir():
            sys.exit(f"shared data not found at {DATA}")
        train(args)
    if args.export or args.export_only:
        export(args)


if __name__ == "__main__":
    main()
