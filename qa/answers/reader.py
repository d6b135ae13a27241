"""The reader: the probability that a passage answers a question.

The default reader ships in qa/data/reader/: a cross-encoder trained by this project from the shipped
all-MiniLM-L6-v2 weights (scripts/train_reader.py), exported to ONNX with int8 weights and read with onnxruntime
(no pickle, no torch at run time). Any local sentence-transformers CrossEncoder folder can stand in for it.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from threading import Lock
from typing import Protocol

import numpy as np

from ..errors import ReaderModelError
from ..onnx_folder import open_model, read_manifest

DEFAULT_READER = Path(__file__).resolve().parent.parent / "data" / "reader"
# What a reader reads for a sentence: the sentence, then the one before it as context (as trained).
CONTEXT_SEPARATOR = " [SEP] "
# Scores kept per process: a follow-up or a repeated question re-reads the same sentences.
CACHE_PAIRS = 20_000
# A question is read with at most this many tokens fewer than the reader's length (its end kept, where a quiz
# question asks), so that every passage keeps room beside it.
PASSAGE_ROOM = 27


class Reader(Protocol):
    """Scores passages against a question: the probability (0..1) that each passage answers it."""

    name: str

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        """One probability per passage, in order."""
        ...


def stacked(reader: Reader, probs: np.ndarray, hand_set: Sequence[float]) -> np.ndarray:
    """The reader's probabilities combined with the hand-set scores of the same sentences by its `stack`
    (a logistic model over the reader's logit and the hand-set score, fitted by scripts/fit_reader_stack.py and
    kept in the manifest); a reader without a stack gives its own probabilities."""
    stack = getattr(reader, "stack", None)
    if not stack:
        return probs
    p = np.clip(np.asarray(probs, dtype=np.float64), 1e-6, 1 - 1e-6)
    z = stack["reader_logit"] * np.log(p / (1 - p)) + stack["hand_set"] * np.asarray(hand_set) + stack["bias"]
    return _sigmoid(z.astype(np.float32))


def passage_text(sentence: str, before: str | None) -> str:
    """The pair text of a sentence with the sentence before it as context."""
    return f"{sentence}{CONTEXT_SEPARATOR}{before}" if before else sentence


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30.0, 30.0)))


class _Cache:
    """A bounded, thread-safe map from (question, passage) to a probability."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, str], float] = OrderedDict()
        self._lock = Lock()

    def get(self, key: tuple[str, str]) -> float | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[str, str], value: float) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


class _Cached:
    """Scores each (question, passage) pair once; subclasses score the pairs not yet seen."""

    name: str

    def __init__(self) -> None:
        self._cache = _Cache(CACHE_PAIRS)

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        out = np.zeros(len(passages), dtype=np.float32)
        todo: dict[str, list[int]] = {}
        for i, p in enumerate(passages):
            hit = self._cache.get((question, p))
            if hit is None:
                todo.setdefault(p, []).append(i)
            else:
                out[i] = hit
        if todo:
            fresh = list(todo)
            probs = self._score(question, fresh)
            for p, prob in zip(fresh, probs, strict=True):
                self._cache.put((question, p), float(prob))
                out[todo[p]] = prob
        return out

    def _score(self, question: str, passages: list[str]) -> np.ndarray:
        raise NotImplementedError


def _stack(manifest: dict, path: Path) -> dict[str, float] | None:
    """The manifest's stack weights, checked."""
    raw = manifest.get("stack")
    if raw is None:
        return None
    try:
        return {k: float(raw[k]) for k in ("reader_logit", "hand_set", "bias")}
    except (KeyError, TypeError, ValueError) as exc:
        raise ReaderModelError(f"reader manifest {path}: field 'stack' is damaged ({exc})") from exc


class OnnxReader(_Cached):
    """The shipped reader (or any folder exported the same way): model.onnx, tokenizer.json and a manifest.json
    whose sha256 of every file is checked on load."""

    def __init__(self, folder: Path | str = DEFAULT_READER, threads: int | None = None, batch: int = 32) -> None:
        super().__init__()
        folder = Path(folder)
        manifest, manifest_path = read_manifest(folder, "reader", ReaderModelError, "reinstall the package")
        try:
            self.max_length = int(manifest["max_length"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ReaderModelError(f"reader manifest {manifest_path} is damaged: {exc}") from exc
        self._tokenizer, self._session = open_model(folder, "reader", ReaderModelError, threads)
        from tokenizers import Tokenizer

        self._question_tokenizer = Tokenizer.from_str(self._tokenizer.to_str())
        self._question_tokenizer.no_truncation()
        self._question_tokenizer.no_padding()
        self._tokenizer.enable_truncation(self.max_length, strategy="only_second")
        self._tokenizer.enable_padding()
        self._inputs = {i.name for i in self._session.get_inputs()}
        self._batch = batch
        self.manifest = manifest
        self.stack: dict[str, float] | None = _stack(manifest, manifest_path)
        self.name = "default" if folder.resolve() == DEFAULT_READER else str(folder)

    def _fitted(self, question: str) -> str:
        """The question, cut from the front when it is too long to leave a passage PASSAGE_ROOM tokens."""
        enc = self._question_tokenizer.encode(question, add_special_tokens=False)
        keep = max(1, self.max_length - PASSAGE_ROOM)
        return question if len(enc.ids) <= keep else question[enc.offsets[len(enc.ids) - keep][0] :]

    def _score(self, question: str, passages: list[str]) -> np.ndarray:
        out = []
        question = self._fitted(question)
        for at in range(0, len(passages), self._batch):
            part = passages[at : at + self._batch]
            enc = self._tokenizer.encode_batch([(question, p) for p in part])
            feed = {
                "input_ids": np.asarray([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.asarray([e.type_ids for e in enc], dtype=np.int64),
            }
            logits = self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0]
            out.append(_sigmoid(np.asarray(logits, dtype=np.float32).reshape(-1)))
        return np.concatenate(out) if out else np.zeros(0, dtype=np.float32)


class CrossEncoderReader(_Cached):
    """A sentence-transformers CrossEncoder from a local folder; its scores pass through a sigmoid unless the
    model already gives probabilities."""

    def __init__(self, folder: Path | str) -> None:
        super().__init__()
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        try:
            self._model = CrossEncoder(str(folder), device="cpu", local_files_only=True)
        except Exception as exc:  # sentence-transformers raises OSError, ValueError and others for a bad folder
            message = f"reader {folder} is not a sentence-transformers CrossEncoder folder: {exc}"
            raise ReaderModelError(message) from exc
        self.name = str(folder)

    def _score(self, question: str, passages: list[str]) -> np.ndarray:
        raw = np.asarray(
            self._model.predict([(question, p) for p in passages], show_progress_bar=False), dtype=np.float32
        ).reshape(-1)
        return raw if raw.size and raw.min() >= 0.0 and raw.max() <= 1.0 else _sigmoid(raw)


def load_reader(spec: str | Path | None) -> Reader | None:
    """None (the hand-set scorer), "default" (the shipped reader), or a local folder: an ONNX reader exported
    by scripts/train_reader.py (it has a manifest.json) or a sentence-transformers CrossEncoder."""
    if spec is None or str(spec).lower() == "none":
        return None
    if str(spec) == "default":
        return OnnxReader(DEFAULT_READER)
    folder = Path(spec)
    if not folder.is_dir():
        raise ReaderModelError(f"reader {spec!r} is neither 'default', 'none' nor a local model folder")
    if (folder / "model.onnx").is_file() and (folder / "manifest.json").is_file():
        return OnnxReader(folder)
    return CrossEncoderReader(folder)
