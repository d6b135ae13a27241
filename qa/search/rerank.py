"""Optional reranking of the best hits with a cross-encoder; never required (none ships on PyPI that we found)."""

from __future__ import annotations

import os
from typing import Protocol

from ..models import Hit
from .embed import load_local


class Reranker(Protocol):
    """Scores (question, passage) pairs; higher is more relevant."""

    def score(self, question: str, texts: list[str]) -> list[float]:
        """One score per text."""
        ...


class CrossEncoderReranker:
    """A sentence-transformers CrossEncoder from a local folder or the local cache (never downloaded)."""

    def __init__(self, model: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        from sentence_transformers import CrossEncoder

        self._model = load_local(
            lambda: CrossEncoder(model, device="cpu", local_files_only=True),
            f"reranker model {model!r}",
            "give a path to a sentence-transformers cross-encoder folder, or leave Settings.reranker unset",
        )
        self.name = model

    def score(self, question: str, texts: list[str]) -> list[float]:
        """Cross-encoder scores of (question, text) pairs."""
        if not texts:
            return []
        return [float(s) for s in self._model.predict([(question, t) for t in texts], show_progress_bar=False)]


def rerank(question: str, hits: list[Hit], reranker: Reranker, depth: int) -> list[Hit]:
    """The first `depth` hits in the reranker's order (ties keep the fused order), the rest after them."""
    head, tail = hits[:depth], hits[depth:]
    scores = reranker.score(question, [h.chunk.text for h in head])
    order = sorted(range(len(head)), key=lambda i: -scores[i])
    return [head[i] for i in order] + tail
