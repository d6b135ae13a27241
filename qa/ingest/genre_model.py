"""The cue-less genre classifier: what a text reads as (reporting, argument, or neither) when no cue decides.

A linear model over two views of the text, trained by `scripts/train_genre.py` and shipped as JSON
(`qa/data/genre_text_model.json`, no pickle):

- the 22 style rates of `textclf.style_features` (reported speech, first person, modal verbs, quotations, ...),
  standardised; they also give the evidence a reader sees;
- the mean MiniLM embedding (the shipped all-MiniLM-L6-v2, the index's own encoder) of the text's first few
  chunks (view "chunks": the index's own chunking, so a build reuses the vectors it has just made and labelling
  costs no encoder time), or of windows of some words at its start, middle and end (view "windows").

The classes are "news" (reads as reporting), "opinion" (reads as argument) and "unknown" (neither: reference
text, listings, transcripts). The embedder is loaded on the first cue-less article only.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

from ..config import Settings
from ..errors import GenreModelError, QAError
from .textclf import FEATURES, style_features

MODEL_FILE = "genre_text_model.json"
# What each style rate is, in words a reader knows; "more" when the text has more of it than usual.
_READABLE = {
    "first_singular": "first person ('I', 'my')",
    "first_plural": "'we' and 'our'",
    "second_person": "addressing the reader ('you')",
    "modal": "'should' and 'must'",
    "reporting": "reported speech ('said', 'according to')",
    "weekday": "weekdays",
    "evaluative": "evaluative words",
    "negation": "negations",
    "contrast": "'but' and 'however'",
    "stance_verb": "'think', 'believe', 'argue'",
    "past_aux": "past tense",
    "present_aux": "present tense",
    "honorific": "titles ('Mr', 'Dr')",
    "sources": "officials, police and statements",
    "news_time": "'yesterday', 'this week'",
    "exhortation": "calls to act ('we must', 'it is time')",
    "demonstrative": "'this' and 'these'",
    "questions": "questions",
    "quotations": "quotations",
    "digits": "figures",
    "sentence_length": "long sentences",
    "log_words": "length",
}
_READS_AS = {"news": "reporting", "opinion": "argument", "unknown": "neither reporting nor argument"}

Embed = Callable[[list[str]], np.ndarray]


class Reading(NamedTuple):
    """What a text reads as: the class, its probability, every class's probability, and the style evidence."""

    genre: str
    probability: float
    probabilities: dict[str, float]
    why: tuple[str, ...]

    @classmethod
    def of(cls, classes: Sequence[str], row: np.ndarray, best: int, why: tuple[str, ...]) -> Reading:
        """The reading of one text: class `best` of `classes`, from its probabilities `row`."""
        return cls(
            genre=classes[best],
            probability=float(row[best]),
            probabilities={c: round(float(p), 4) for c, p in zip(classes, row, strict=True)},
            why=why,
        )

    def evidence(self) -> str:
        """One readable line: "no genre cue; the text reads as argument (0.97): first person, ..."."""
        why = f": {', '.join(self.why)}" if self.why else ""
        return f"no genre cue; the text reads as {_READS_AS[self.genre]} ({self.probability:.2f}){why}"


def windows(text: str, words: int, count: int) -> list[str]:
    """Up to `count` windows of `words` words: the start, then the end, then the middle of the text."""
    tokens = text.split()
    if len(tokens) <= words:
        return [" ".join(tokens)]
    starts = [0, len(tokens) - words, (len(tokens) - words) // 2][:count]
    return [" ".join(tokens[s : s + words]) for s in sorted(set(starts))]


def decide(row: np.ndarray, classes: Sequence[str], threshold: float | None) -> int:
    """The class read from one text's probabilities (`row`, in `classes` order): the likeliest, or with
    `threshold`, opinion when P(opinion) reaches it and otherwise the likelier of the other classes."""
    if threshold is None:
        return int(row.argmax())
    o = list(classes).index("opinion")
    return o if row[o] >= threshold else max((i for i in range(len(row)) if i != o), key=lambda i: row[i])


def _mean_vectors(spans: Sequence[Sequence[str]], embed: Embed) -> np.ndarray:
    """The mean embedding of each text's pieces (`spans`, one list per text), one batch for all texts."""
    vectors = np.asarray(embed([piece for pieces in spans for piece in pieces]), dtype=np.float64)
    bounds = np.cumsum([0] + [len(pieces) for pieces in spans])
    return np.array([vectors[a:b].mean(axis=0) for a, b in itertools.pairwise(bounds)]).reshape(len(spans), -1)


def mean_window_vectors(texts: Sequence[str], embed: Embed, words: int, count: int) -> np.ndarray:
    """The mean embedding of each text's windows (see windows), one batch for all texts: what the embedding
    model reads, at training and at labelling time alike."""
    return _mean_vectors([windows(t, words, count) for t in texts], embed)


def first_chunks(text: str, count: int) -> list[str]:
    """The texts of the first `count` chunks of `text`, chunked as an index chunks an article by default."""
    from ..models import Article
    from ..search.chunk import chunk_article

    chunks = chunk_article(Article(id="genre", title="", text=text, source_path="genre"))[:count]
    return [c.text for c in chunks] or [text]


def mean_chunk_vectors(texts: Sequence[str], embed: Embed, count: int) -> np.ndarray:
    """The mean embedding of each text's first `count` chunks (see first_chunks), one batch for all texts."""
    return _mean_vectors([first_chunks(t, count) for t in texts], embed)


class GenreTextModel:
    """The shipped head: standardised style rates and a mean embedding into a softmax over the classes."""

    def __init__(self, meta: dict[str, object], source: str = MODEL_FILE) -> None:
        try:
            self.classes = tuple(str(c) for c in meta["classes"])  # type: ignore[attr-defined]
            self.style_mean = np.asarray(meta["style_mean"], dtype=np.float64)
            self.style_scale = np.asarray(meta["style_scale"], dtype=np.float64)
            self.coef = np.asarray(meta["coef"], dtype=np.float64)
            self.bias = np.asarray(meta["bias"], dtype=np.float64)
            self.window_words = int(meta["window_words"])  # type: ignore[call-overload]
            self.window_count = int(meta["windows"])  # type: ignore[call-overload]
            self.dim = int(meta["embedding_dim"])  # type: ignore[call-overload]
            self.view = str(meta.get("view", "windows"))  # type: ignore[attr-defined]
        except (KeyError, TypeError, ValueError) as exc:
            raise GenreModelError(f"{source}: missing or bad field: {exc}") from exc
        n = len(FEATURES)
        if self.style_mean.shape != (n,) or self.style_scale.shape != (n,):
            raise GenreModelError(f"{source}: style statistics must have {n} values")
        if self.coef.shape != (len(self.classes), n + self.dim) or self.bias.shape != (len(self.classes),):
            raise GenreModelError(
                f"{source}: weights are {self.coef.shape}, expected ({len(self.classes)}, {n + self.dim})"
            )
        if self.view not in ("windows", "chunks"):
            raise GenreModelError(f"{source}: view must be 'windows' or 'chunks', got {self.view!r}")
        if not set(self.classes) <= set(_READS_AS) or "opinion" not in self.classes:
            raise GenreModelError(f"{source}: classes {self.classes} must be among {sorted(_READS_AS)}")

    def embeds(self, texts: Sequence[str], embed: Embed) -> np.ndarray:
        """What the model reads of each text beside its style: the mean embedding of its view."""
        if self.view == "chunks":
            return mean_chunk_vectors(texts, embed, self.window_count)
        return mean_window_vectors(texts, embed, self.window_words, self.window_count)

    def features(
        self, texts: Sequence[str], embed: Embed, vectors: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(standardised style rates, mean embeddings) of each text; `vectors`, when given, are the embeddings
        already made (for view "chunks": the mean of each text's first chunk vectors in its index)."""
        style = np.array([style_features(t) for t in texts], dtype=np.float64).reshape(len(texts), len(FEATURES))
        z = (style - self.style_mean) / self.style_scale
        if self.dim == 0:  # a style-only model: no embedding to compute
            return z, np.zeros((len(texts), 0))
        vectors = self.embeds(texts, embed) if vectors is None else np.asarray(vectors, dtype=np.float64)
        vectors = vectors.reshape(len(texts), -1)
        if vectors.shape[1:] != (self.dim,):
            raise GenreModelError(f"the genre model needs {self.dim}-dimensional embeddings, got {vectors.shape[1:]}")
        return z, vectors

    def read(
        self, texts: Sequence[str], embed: Embed, threshold: float | None = None, vectors: np.ndarray | None = None
    ) -> list[Reading]:
        """What each text reads as: the likeliest class, or with `threshold`, opinion when P(opinion) reaches it
        and otherwise the likelier of the other classes. `vectors`: see features."""
        if not texts:
            return []
        z, e = self.features(texts, embed, vectors)
        logits = np.hstack([z, e]) @ self.coef.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        probs /= probs.sum(axis=1, keepdims=True)
        out = []
        for row, zs in zip(probs, z, strict=True):
            best = decide(row, self.classes, threshold)
            out.append(Reading.of(self.classes, row, best, self.why(best, zs)))
        return out

    def why(self, best: int, z: np.ndarray) -> tuple[str, ...]:
        """The style rates that pushed most toward the chosen class against the others (at most three)."""
        n = len(FEATURES)
        style = self.coef[:, :n]
        others = np.delete(style, best, axis=0).mean(axis=0)
        push = (style[best] - others) * z
        top = [i for i in np.argsort(-push)[:3] if push[i] > 0.05]
        return tuple(f"{'more' if z[i] > 0 else 'less'} {_READABLE[FEATURES[i]]} than usual" for i in top)


@lru_cache(maxsize=8)
def load_text_model(path: Path | None = None, name: str = MODEL_FILE) -> GenreTextModel:
    """A shipped cue-less genre model (qa/data/`name`), or the one at `path`."""
    source = str(path) if path else f"qa/data/{name}"
    try:
        raw = (
            path.read_text(encoding="utf-8")
            if path
            else (resources.files("qa") / "data" / name).read_text(encoding="utf-8")
        )
        meta = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise GenreModelError(f"cannot load the genre model {source}: {exc}") from exc
    return GenreTextModel(meta, source)


_EMBEDDERS: dict[tuple[str, str], Embed] = {}
_LOCK = threading.Lock()


def default_embed(encoder: str = "openvino-int8", cache_dir: Path = Path(".qa-cache")) -> Embed:
    """The shipped MiniLM's embed function for an encoder, loaded once per process."""
    key = (encoder, str(cache_dir))
    with _LOCK:
        if key not in _EMBEDDERS:
            from ..search.embed import DEFAULT_MODEL, load_embedder

            try:
                _EMBEDDERS[key] = load_embedder(DEFAULT_MODEL, 16, encoder, cache_dir).embed
            except QAError as exc:
                raise GenreModelError(f"the genre model cannot load its embedding model: {exc}") from exc
        return _EMBEDDERS[key]


class GenreModel(Protocol):
    """What the cascade asks of a cue-less model: a GenreTextModel, or another model read the same way (such as
    scripts/genre_encoder.py's fine-tuned encoder, an experiment)."""

    dim: int
    view: str
    window_count: int

    def read(
        self, texts: Sequence[str], embed: Embed, threshold: float | None = None, vectors: np.ndarray | None = None
    ) -> list[Reading]: ...


class TextReader:
    """A cascade of the shipped models for one cue-less article: the style-only model (`first`, fast) decides when
    its likeliest class reaches `confident`; otherwise the model with the embedding (`second`) reads the text. With
    no `second`, the first always decides; with no `first`, the second always does."""

    def __init__(
        self, first: GenreTextModel | None, second: GenreModel | None, embed: Embed, confident: float = 1.0
    ) -> None:
        if first is None and second is None:
            raise GenreModelError("a genre reader needs at least one model")
        self.first = first
        self.second = second
        self.embed = embed
        self.confident = confident

    def needs_vector(self, text: str, threshold: float | None = None) -> bool:
        """True when reading `text` takes the embedding model (the style model alone is not confident)."""
        if self.second is None or self.second.dim == 0:
            return False
        if self.first is None:
            return True
        reading = self.first.read([text], self.embed, threshold)[0]
        return max(reading.probabilities.values()) < self.confident

    def read(self, text: str, threshold: float | None = None, vector: np.ndarray | None = None) -> Reading:
        """What `text` reads as. `vector`: the embedding the second model reads, when already made (a build's
        first chunk vectors, see GenreTextModel.features); otherwise the text is embedded here."""
        if self.first is not None:
            reading = self.first.read([text], self.embed, threshold)[0]
            if self.second is None or max(reading.probabilities.values()) >= self.confident:
                return reading
        assert self.second is not None
        vectors = None if vector is None else np.asarray(vector).reshape(1, -1)
        return self.second.read([text], self.embed, threshold, vectors)[0]

    @property
    def chunk_view(self) -> int:
        """How many first chunk vectors of an article the embedding model reads (0: it reads its own windows)."""
        second = self.second
        return second.window_count if second is not None and second.view == "chunks" and second.dim else 0


# The style-only model decides alone when its likeliest class is at least this likely; the rest (the articles whose
# style is ambiguous) are read by the embedding model. Set once, a priori, not tuned on the dev sets.
CASCADE_CONFIDENCE = 0.9
STYLE_MODEL_FILE = "genre_style_model.json"
CHUNK_MODEL_FILE = "genre_chunk_model.json"


def text_reader(
    encoder: str = "openvino-int8", cache_dir: Path = Path(".qa-cache"), mode: str = "cascade"
) -> TextReader:
    """The shipped models with the shipped MiniLM (loaded on first use). `mode`: "cascade" (the default),
    "cascade-chunks" (the cascade with the model of first chunk vectors, which a build feeds from its own vectors),
    "style" (the style-only model alone, no encoder), "embedding" (the embedding model alone)."""
    if mode not in ("cascade", "cascade-chunks", "style", "embedding"):
        raise GenreModelError(f"unknown genre reader {mode!r}: use cascade, cascade-chunks, style or embedding")

    def embed(texts: list[str]) -> np.ndarray:  # the encoder loads on the first text that needs it
        return default_embed(encoder, cache_dir)(texts)

    first = load_text_model(name=STYLE_MODEL_FILE) if mode in ("cascade", "cascade-chunks", "style") else None
    second = (
        load_text_model(name=CHUNK_MODEL_FILE)
        if mode == "cascade-chunks"
        else load_text_model()
        if mode in ("cascade", "embedding")
        else None
    )
    return TextReader(first, second, embed, CASCADE_CONFIDENCE)


_READERS: dict[tuple[str, str, str], TextReader] = {}


def reader_for(settings: Settings) -> TextReader:
    """The cue-less labeller `settings` choose (genre_labeller, with their encoder and cache), made once."""
    key = (settings.genre_labeller, settings.encoder, str(settings.cache_dir))
    with _LOCK:
        if key not in _READERS:
            _READERS[key] = text_reader(settings.encoder, settings.cache_dir, settings.genre_labeller)
        return _READERS[key]
