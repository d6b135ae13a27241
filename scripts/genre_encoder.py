"""Read with the fine-tuned genre encoder that scripts/train_genre_encoder.py exports: all-MiniLM-L6-v2 fine-tuned
to read a window of text as reporting ("news"), argument ("opinion") or neither ("unknown").

An experiment, not shipped (it measured worse than the shipped models on editorials, docs/ingest.md): the exported
folder holds ONNX with int8 weights, read with onnxruntime; its manifest.json holds the training data, the
validation figures and a sha256 of every file, checked on load. scripts/eval_genre.py --encoder-folder DIR measures
it through the assistant's own labeller. An article is read by up to three windows (its start, end and middle,
`genre_model.windows`) and its class probabilities are the mean of theirs. The evidence a reader sees names the
style rates (`textclf`) that lean the same way, from the style model beside it.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from qa.errors import GenreModelError
from qa.ingest.genre_model import Embed, GenreTextModel, Reading, decide, windows
from qa.onnx_folder import open_model, read_manifest

DEFAULT_FOLDER = Path(__file__).resolve().parents[1] / ".qa-cache" / "genre_encoder" / "export"
BATCH = 16


class GenreEncoderModel:
    """The fine-tuned encoder as a cue-less genre model (the same `read` as GenreTextModel)."""

    # TextReader and the build ask these of a model: it reads its own windows, never an index's vectors.
    view = "windows"

    def __init__(
        self, folder: Path | str = DEFAULT_FOLDER, style: GenreTextModel | None = None, threads: int | None = None
    ) -> None:
        folder = Path(folder)
        manifest, manifest_path = read_manifest(folder, "genre encoder", GenreModelError, "export it again")
        try:
            self.classes = tuple(str(c) for c in manifest["classes"])
            self.max_length = int(manifest["max_length"])
            self.window_words = int(manifest["window_words"])
            self.window_count = int(manifest["windows"])
        except (ValueError, KeyError, TypeError) as exc:
            raise GenreModelError(f"genre encoder manifest {manifest_path} is damaged: {exc}") from exc
        if "opinion" not in self.classes or not set(self.classes) <= {"news", "opinion", "unknown"}:
            raise GenreModelError(f"{manifest_path}: classes {self.classes} must be among news, opinion, unknown")
        self._tokenizer, self._session = open_model(folder, "genre encoder", GenreModelError, threads)
        self._tokenizer.enable_truncation(self.max_length)
        self._tokenizer.enable_padding()
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.style = style
        self.manifest = manifest
        self.dim = 1  # not 0: this model reads more than the style rates

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """Each text's class probabilities (rows in `classes` order): the mean over its windows."""
        pieces = [windows(t, self.window_words, self.window_count) for t in texts]
        flat = [p for ps in pieces for p in ps]
        rows = []
        for at in range(0, len(flat), BATCH):
            enc = self._tokenizer.encode_batch(flat[at : at + BATCH])
            feed = {
                "input_ids": np.asarray([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.asarray([e.attention_mask for e in enc], dtype=np.int64),
            }
            logits = np.asarray(self._session.run(None, {k: v for k, v in feed.items() if k in self._inputs})[0])
            logits = logits - logits.max(axis=1, keepdims=True)
            p = np.exp(logits)
            rows.append(p / p.sum(axis=1, keepdims=True))
        probs = np.concatenate(rows) if rows else np.zeros((0, len(self.classes)))
        bounds = np.cumsum([0] + [len(ps) for ps in pieces])
        return np.array([probs[a:b].mean(axis=0) for a, b in itertools.pairwise(bounds)]).reshape(
            len(texts), len(self.classes)
        )

    def read(
        self, texts: Sequence[str], embed: Embed, threshold: float | None = None, vectors: np.ndarray | None = None
    ) -> list[Reading]:
        """What each text reads as (see GenreTextModel.read); `embed` and `vectors` are not used: the model reads
        its own windows."""
        if not texts:
            return []
        probs = self.probabilities(texts)
        out = []
        for text, row in zip(texts, probs, strict=True):
            best = decide(row, self.classes, threshold)
            out.append(Reading.of(self.classes, row, best, self._why(self.classes[best], text, embed)))
        return out

    def _why(self, genre: str, text: str, embed: Embed) -> tuple[str, ...]:
        """The style rates that lean toward `genre`, as the style model weighs them (none without a style model)."""
        if self.style is None or genre not in self.style.classes:
            return ()
        z, _ = self.style.features([text], embed)
        return self.style.why(self.style.classes.index(genre), z[0])
