"""Open a built index (manifest, store, vectors, FAISS, BM25) and search it. Building lives in build.py."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Literal, NamedTuple

import numpy as np
from pydantic import Field, ValidationError

from ..errors import IndexCorrupt, IndexMismatch, IndexNotBuilt
from ..models import Article, Chunk, Filters, Record
from .sparse import SparseIndex
from .store import Store

# Bump when the files of an index change shape; an index of another version must be rebuilt, not guessed at.
FORMAT_VERSION = 1
# Bump when reading the corpus gives other articles from the same files (an index of an older version still loads;
# `qa build` reads its files again and keeps the vectors of unchanged text). 2: dates taken from URL paths. 3: the
# cue-less genre model reads an article's first chunk vectors.
INGEST_VERSION = 3
CURRENT = "CURRENT"
MANIFEST = "manifest.json"
STORE = "store.sqlite"
VECTORS = "vectors.npy"
DENSE = "dense.faiss"
SPARSE = "bm25"


class Looked(NamedTuple):
    """One chunk row as retrieval needs it: the chunk, its similarity to the query vector, its article's day."""

    chunk: Chunk
    similarity: float | None
    day: int  # date.toordinal() of its article, -1 when undated


class FileStamp(Record):
    """A corpus file as it was when indexed."""

    path: str
    size: int
    mtime_ns: int
    sha256: str


class Manifest(Record):
    """What an index was built from and with; checked on every load."""

    format_version: int
    ingest_version: int = 1
    package_version: str
    model: str
    dim: int
    chunking: dict[str, int]
    # The settings that decide a cue-less article's genre (build.labelling): a change relabels on the next build.
    labelling: dict[str, str | float] = Field(default_factory=dict)
    ann: Literal["flat", "hnsw"]
    corpus_fingerprint: str
    files: tuple[FileStamp, ...]
    articles: int
    chunks: int
    built_at: str
    build_seconds: float
    checksums: dict[str, str]


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in blocks."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def current_version(index_dir: Path) -> Path | None:
    """The version folder that index_dir/CURRENT points at, or None when there is none."""
    pointer = index_dir / CURRENT
    if not pointer.is_file():
        return None
    name = pointer.read_text(encoding="utf-8").strip()
    if not name or "/" in name or name.startswith("."):
        raise IndexCorrupt(f"{pointer}: does not name a version folder; rebuild with `qa build --index {index_dir}`")
    return index_dir / name


def read_manifest(version: Path) -> Manifest:
    """The manifest of a version folder, validated."""
    path = version / MANIFEST
    try:
        return Manifest.model_validate(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"{path}: missing; rebuild with `qa build`") from exc
    except (ValueError, ValidationError) as exc:
        data = _loose_json(path)
        if isinstance(data, dict) and data.get("format_version") not in (None, FORMAT_VERSION):
            raise IndexMismatch(
                f"{path}: index format version {data['format_version']}, this qa reads version {FORMAT_VERSION}; "
                "rebuild it with `qa build`"
            ) from exc
        raise IndexCorrupt(
            f"{path}: not a valid manifest ({str(exc).splitlines()[0]}); rebuild with `qa build`"
        ) from exc


def _loose_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


class Index:
    """A loaded index: articles and chunks, dense vectors in FAISS, and BM25 over the same chunks."""

    def __init__(
        self, folder: Path, manifest: Manifest, store: Store, vectors: np.ndarray, dense: object, sparse: SparseIndex
    ) -> None:
        self.folder = folder
        self.manifest = manifest
        self.store = store
        self.vectors = vectors
        self._dense = dense
        self.sparse = sparse
        self.chunks: list[Chunk] = store.chunks()
        self._meta: list[tuple[str, str, str | None, tuple[str, ...], str | None]] | None = None
        self._rows_of: dict[str, list[int]] | None = None
        self._row_days: np.ndarray | None = None
        # The masks of recent filters: both legs of one search, and a conversation's turns, share theirs.
        self._masks: dict[Filters, np.ndarray] = {}

    @property
    def where(self) -> str:
        """The index folder."""
        return str(self.folder.parent)

    @classmethod
    def load(cls, index_dir: Path | str, model: str | None = None, verify: bool = True) -> Index:
        """Open the index at `index_dir`; `model`, when given, must be the model it was built with."""
        index_dir = Path(index_dir)
        version = current_version(index_dir)
        if version is None:
            raise IndexNotBuilt(f"no index at {index_dir}; build one with `qa build [PATH ...] --index {index_dir}`")
        manifest = read_manifest(version)
        if manifest.format_version != FORMAT_VERSION:
            raise IndexMismatch(
                f"{version / MANIFEST}: index format version {manifest.format_version}, this qa "
                f"reads version {FORMAT_VERSION}; rebuild it with `qa build --index {index_dir}`"
            )
        if model is not None and model != manifest.model:
            raise IndexMismatch(
                f"{index_dir} was built with model {manifest.model!r} (dimension {manifest.dim}), "
                f"not {model!r}; rebuild with `qa build --index {index_dir} --model {model}`"
            )
        if verify:
            for name, digest in manifest.checksums.items():
                path = version / name
                if not path.is_file() or sha256_file(path) != digest:
                    raise IndexCorrupt(f"{path}: missing or damaged (checksum differs); rebuild with `qa build`")
        vectors = _load_vectors(version / VECTORS, manifest)
        dense = _load_dense(version, manifest, vectors)
        try:
            sparse = SparseIndex.load(version / SPARSE, manifest.chunks)
        except (OSError, ValueError, KeyError) as exc:
            raise IndexCorrupt(
                f"{version / SPARSE}: cannot load the BM25 index ({exc}); rebuild with `qa build`"
            ) from exc
        index = cls(version, manifest, Store(version / STORE), vectors, dense, sparse)
        if len(index.chunks) != manifest.chunks:
            raise IndexCorrupt(f"{version / STORE}: {len(index.chunks)} chunks, manifest says {manifest.chunks}")
        return index

    def allowed_rows(self, filters: Filters | None) -> np.ndarray | None:
        """A mask of the chunk rows whose article passes `filters`, or None when nothing is filtered."""
        if filters is None or not filters.active:
            return None
        mask = self._masks.get(filters)
        if mask is None:
            passing = set(self.article_ids(filters))
            mask = np.fromiter((c.article_id in passing for c in self.chunks), dtype=bool, count=len(self.chunks))
            if len(self._masks) >= 16:
                self._masks.pop(next(iter(self._masks)))
            self._masks[filters] = mask
        return mask

    def article(self, article_id: str) -> Article | None:
        """One article by id."""
        return self.store.article(article_id)

    def articles(self, limit: int | None = None) -> list[Article]:
        """Articles in build order, the first `limit` of them when given."""
        return self.store.articles(limit)

    def lookup(self, rows: list[int], vector: np.ndarray | None = None) -> dict[int, Looked]:
        """The chunks of `rows` with their similarity to `vector` and their article's day number."""
        days = self.row_days()
        n = len(self.chunks)
        return {
            r: Looked(self.chunks[r], None if vector is None else float(self.vectors[r] @ vector), int(days[r]))
            for r in rows
            if 0 <= r < n
        }

    def stored_vectors(self, rows: list[int]) -> dict[int, np.ndarray]:
        """The stored embeddings of `rows`."""
        return {r: self.vectors[r] for r in rows if 0 <= r < len(self.chunks)}

    def article_meta(self) -> list[tuple[str, str, str | None, tuple[str, ...], str | None]]:
        """(id, genre, outlet, authors, ISO date) of every article, read once: an index never changes once written."""
        if self._meta is None:
            self._meta = self.store.article_meta()
        return self._meta

    def article_ids(self, filters: Filters | None = None) -> list[str]:
        """Ids of the articles that pass `filters` (all of them without)."""
        return [
            aid
            for aid, genre, outlet, authors, published in self.article_meta()
            if filters is None
            or (
                (not filters.articles or aid in filters.articles)
                and filters.allows(genre, outlet, authors, dt.date.fromisoformat(published) if published else None)
            )
        ]

    def row_days(self) -> np.ndarray:
        """Each chunk row's article date as a day number (date.toordinal()), -1 for an undated article."""
        if self._row_days is None:
            days = {aid: dt.date.fromisoformat(p).toordinal() for aid, _, _, _, p in self.article_meta() if p}
            self._row_days = np.fromiter((days.get(c.article_id, -1) for c in self.chunks), np.int64, len(self.chunks))
        return self._row_days

    def chunks_of(self, article_id: str) -> list[tuple[int, Chunk]]:
        """(row, chunk) of one article, in text order."""
        if self._rows_of is None:
            rows: dict[str, list[int]] = {}
            for i, c in enumerate(self.chunks):
                rows.setdefault(c.article_id, []).append(i)
            self._rows_of = rows
        return [(i, self.chunks[i]) for i in self._rows_of.get(article_id, [])]

    def dense_search(
        self, queries: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[list[tuple[int, float]]]:
        """The best `k` chunk rows by inner product for each query vector, among those passing `filters`."""
        allowed = self.allowed_rows(filters)
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.manifest.dim)
        if not self.chunks:
            return [[] for _ in range(len(queries))]
        if allowed is not None:
            return _subset_search(self.vectors, queries, k, np.flatnonzero(allowed))
        scores, rows = self._dense.search(queries, min(k, len(self.chunks)))  # type: ignore[attr-defined]
        return [
            [(int(r), float(s)) for r, s in zip(rr, ss, strict=True) if r >= 0]
            for rr, ss in zip(rows, scores, strict=True)
        ]

    def bm25_search(self, queries: list[str], k: int, filters: Filters | None = None) -> list[list[tuple[int, float]]]:
        """The best `k` chunk rows by BM25 for each query, among those passing `filters`."""
        return self.sparse.search(queries, k, self.allowed_rows(filters))

    def snapshot(self) -> AbstractContextManager[None]:
        """Nothing to pin: a loaded version never changes (a build writes a new one beside it)."""
        return nullcontext()

    def close(self) -> None:
        """Release the store."""
        self.store.close()


def _subset_search(vectors: np.ndarray, queries: np.ndarray, k: int, rows: np.ndarray) -> list[list[tuple[int, float]]]:
    """Exact search over some rows only: a filter applied inside retrieval, never after truncation."""
    if rows.size == 0:
        return [[] for _ in range(len(queries))]
    scores = queries @ vectors[rows].T
    top = np.argsort(-scores, axis=1)[:, :k]
    return [[(int(rows[j]), float(scores[q, j])) for j in top[q]] for q in range(len(queries))]


def _load_vectors(path: Path, manifest: Manifest) -> np.ndarray:
    try:
        vectors = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as exc:
        raise IndexCorrupt(f"{path}: cannot read the vectors ({exc}); rebuild with `qa build`") from exc
    if vectors.shape != (manifest.chunks, manifest.dim) or vectors.dtype != np.float32:
        raise IndexCorrupt(
            f"{path}: vectors of shape {vectors.shape} {vectors.dtype}, manifest says "
            f"({manifest.chunks}, {manifest.dim}) float32; rebuild with `qa build`"
        )
    return vectors


def _load_dense(version: Path, manifest: Manifest, vectors: np.ndarray) -> object:
    import faiss

    if manifest.ann == "flat":
        flat = faiss.IndexFlatIP(manifest.dim)
        flat.add(vectors)
        return flat
    try:
        return faiss.read_index(str(version / DENSE))
    except RuntimeError as exc:
        raise IndexCorrupt(f"{version / DENSE}: cannot read the FAISS index; rebuild with `qa build`") from exc
