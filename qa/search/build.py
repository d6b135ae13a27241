"""Build or update an index directory: read, chunk, embed only what changed, write a new version, swap it in."""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

import numpy as np

from .. import __version__
from ..config import Settings
from ..errors import CorpusError, IndexBusy, QAError
from ..ingest.corpus import is_pending, iter_files, label_pending, read_articles
from ..ingest.genre_model import reader_for
from ..ingest.readers.base import Sink
from ..models import Article, Chunk, ReadWarning, Record
from .backend import is_database
from .chunk import chunk_articles
from .embed import DEFAULT_MODEL, Embedder, load_embedder, model_name, split_name
from .index import (
    FORMAT_VERSION,
    INGEST_VERSION,
    STORE,
    VECTORS,
    FileStamp,
    Manifest,
    current_version,
    read_manifest,
    sha256_file,
)
from .layout import write_version
from .store import Store

# (stage, done, total): how far a build is; the CLI draws it as a progress bar.
Progress = Callable[[str, int, int], None]
# Texts handed to the embedder per call: large enough to keep its batches full, small enough for a live progress bar.
EMBED_SLICE = 1024


class BuildReport(Record):
    """What a build did."""

    index_dir: str
    articles: int
    chunks: int
    embedded: int
    reused: int
    added: int
    changed: int
    removed: int
    up_to_date: bool
    ann: str
    seconds: float
    # Of the chunks to embed, those whose text repeats another's exactly (wire copies, boilerplate): embedded once.
    duplicates: int = 0
    # In a database index: the average chunk length (BM25's avgdl) before and after, and how many chunks had
    # their BM25 weights rewritten because it moved more than pg.schema.REWEIGHT_DRIFT.
    avgdl_before: float | None = None
    avgdl_after: float | None = None
    reweighted: int = 0
    # Articles whose text is unchanged but whose record is not (a new title, date or section, or a genre label
    # that other labelling settings changed): rewritten without embedding anything.
    updated: int = 0
    warnings: tuple[ReadWarning, ...] = ()


@contextmanager
def _locked(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with (index_dir / ".lock").open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise IndexBusy(f"{index_dir} is being built by another process; try again when it is done") from exc
        yield


def file_stamps(paths: list[Path], old: Manifest | None) -> tuple[FileStamp, ...]:
    known = {f.path: f for f in old.files} if old else {}
    out = []
    for path in iter_files(paths, Sink()):
        st = path.stat()
        prev = known.get(str(path))
        same = prev is not None and prev.size == st.st_size and prev.mtime_ns == st.st_mtime_ns
        digest = prev.sha256 if same and prev else sha256_file(path)
        out.append(FileStamp(path=str(path), size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=digest))
    return tuple(out)


def _old_manifest(index_dir: Path) -> Manifest | None:
    try:
        version = current_version(index_dir)
        return read_manifest(version) if version else None
    except QAError:
        return None  # an unreadable old index is rebuilt from scratch


def text_hash(article: Article) -> str:
    return hashlib.sha1(article.text.encode("utf-8")).hexdigest()


def _reusable(index_dir: Path, old: Manifest | None, name: str, hashes: dict[str, str]) -> dict[str, np.ndarray]:
    """Old vectors by "text hash:start-end", when the old index used the same model."""
    version = current_version(index_dir) if old else None
    if not old or not version or old.model != name or old.format_version != FORMAT_VERSION:
        return {}
    try:
        store = Store(version / STORE)
        chunks = store.chunks()
        store.close()
        vectors = np.load(version / VECTORS, allow_pickle=False)
    except (QAError, OSError, ValueError, KeyError):
        return {}
    if vectors.shape[0] != len(chunks):
        return {}
    if any(c.article_id not in hashes for c in chunks):
        return {}
    return {f"{hashes[c.article_id]}:{c.start}-{c.end}": vectors[i] for i, c in enumerate(chunks)}


def embed_texts(texts: list[str], embedder: Embedder, progress: Progress | None) -> tuple[np.ndarray, int]:
    """Embed each distinct text once, in length order (less padding per batch): rows in the original order,
    and how many texts repeated one before them."""
    first: dict[str, int] = {}
    where = [first.setdefault(t, len(first)) for t in texts]
    return _embed_unique(list(first), embedder, progress)[where], len(texts) - len(first)


def _embed_unique(texts: list[str], embedder: Embedder, progress: Progress | None) -> np.ndarray:
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    for lo in range(0, len(order), EMBED_SLICE):
        rows = order[lo : lo + EMBED_SLICE]
        out[rows] = embedder.embed([texts[i] for i in rows])
        if progress:
            progress("embed", min(lo + EMBED_SLICE, len(order)), len(order))
    return out


def label_from_vectors(
    articles: list[Article], chunks: list[Chunk], vectors: np.ndarray, name: str, settings: Settings
) -> list[Article]:
    """Settle the genres read_articles left pending (defer_text_genre) from the chunk vectors just made: the text
    model reads the mean of an article's first chunk vectors when the index's model and chunking are the ones it
    was trained with; otherwise (another model, the test embedder, other chunk sizes) it embeds the text itself."""
    if not any(is_pending(a) for a in articles):
        return articles
    count = chunk_view(name, settings)
    rows: dict[str, list[int]] = {}
    if count:
        for i, chunk in enumerate(chunks):
            if len(taken := rows.setdefault(chunk.article_id, [])) < count:
                taken.append(i)

    def first_vectors(article: Article) -> np.ndarray | None:
        picked = rows.get(article.id)
        return vectors[picked].astype(np.float64).mean(axis=0) if picked else None

    return label_pending(articles, first_vectors, settings)


def chunk_view(name: str, settings: Settings) -> int:
    """How many of an article's first chunk vectors the genre text model reads, when an index's vectors (made with
    model `name`, chunked by `settings`) are the ones it was trained on; else 0 (it embeds the text itself)."""
    count = reader_for(settings).chunk_view
    same = split_name(name)[0] == DEFAULT_MODEL and chunking(settings) == chunking(Settings())
    return count if count > 0 and same else 0


def _ann(settings: Settings, chunks: int) -> Literal["flat", "hnsw"]:
    if settings.ann != "auto":
        return settings.ann
    return "hnsw" if chunks >= settings.ann_threshold else "flat"


def up_to_date(old: Manifest | None, stamps: tuple[FileStamp, ...], name: str, settings: Settings) -> bool:
    return bool(
        old
        and old.format_version == FORMAT_VERSION
        and old.ingest_version == INGEST_VERSION
        and old.model == name
        and old.chunking == chunking(settings)
        and old.labelling == labelling(settings)
        and settings.ann in ("auto", old.ann)
        and old.files == stamps
    )


def chunking(settings: Settings) -> dict[str, int]:
    return {
        "sentences": settings.chunk_sentences,
        "overlap": settings.chunk_overlap,
        "max_chars": settings.chunk_max_chars,
    }


def labelling(settings: Settings) -> dict[str, str | float]:
    """The settings besides an article's own text and fields that decide its genre label."""
    return {"genre_labeller": settings.genre_labeller, "opinion_threshold": settings.opinion_threshold}


def fingerprint(stamps: tuple[FileStamp, ...]) -> str:
    return hashlib.sha256(json.dumps([[s.path, s.sha256] for s in stamps]).encode()).hexdigest()


def build_index(
    paths: list[Path | str],
    index_dir: Path | str | None = None,
    settings: Settings | None = None,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build the index of `paths` in `index_dir` (a folder, or a postgresql:// database), embedding only chunks
    of new or changed articles."""
    settings = settings or Settings()
    if is_database(index_dir):
        from .pg.build import build_postgres

        return build_postgres([Path(p) for p in paths], str(index_dir), settings, embedder, progress)
    index_dir = Path(index_dir or settings.index_dir)
    name = embedder.name if embedder else model_name(settings.model, settings.encoder)
    started = time.perf_counter()
    with _locked(index_dir):
        old = _old_manifest(index_dir)
        stamps = file_stamps([Path(p) for p in paths], old)
        if old and up_to_date(old, stamps, name, settings):
            return BuildReport(
                index_dir=str(index_dir),
                articles=old.articles,
                chunks=old.chunks,
                embedded=0,
                reused=old.chunks,
                added=0,
                changed=0,
                removed=0,
                up_to_date=True,
                ann=old.ann,
                seconds=time.perf_counter() - started,
            )
        read = read_articles(paths, settings, defer_text_genre=True)
        if not read.articles:
            shown = ", ".join(str(p) for p in paths) or "(no paths)"
            raise CorpusError(f"no articles found in {shown}; nothing to index (the old index, if any, is kept)")
        if progress:
            progress("read", len(read.articles), len(read.articles))
        articles = [(a, text_hash(a)) for a in read.articles]
        chunks = chunk_articles([a for a, _ in articles], settings)
        old_records = _old_records(index_dir) if old else {}
        old_hashes = {i: text_hash(a) for i, a in old_records.items()}
        reuse = _reusable(index_dir, old, name, old_hashes)
        hashes = {a.id: h for a, h in articles}
        keys = [f"{hashes[c.article_id]}:{c.start}-{c.end}" for c in chunks]
        todo = [i for i, k in enumerate(keys) if k not in reuse]
        embedder = embedder or (
            load_embedder(settings.model, settings.embed_batch_size, settings.encoder, settings.cache_dir)
            if todo
            else None
        )
        dim = embedder.dim if embedder else (old.dim if old else 0)
        vectors = np.zeros((len(chunks), dim), dtype=np.float32)
        for i, key in enumerate(keys):
            if key in reuse:
                vectors[i] = reuse[key]
        duplicates = 0
        if todo and embedder:
            vectors[todo], duplicates = embed_texts([chunks[i].text for i in todo], embedder, progress)
        labelled = label_from_vectors([a for a, _ in articles], chunks, vectors, name, settings)
        articles = [(a, h) for a, (_, h) in zip(labelled, articles, strict=True)]
        ann = _ann(settings, len(chunks))
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            ingest_version=INGEST_VERSION,
            package_version=__version__,
            model=name,
            dim=dim,
            chunking=chunking(settings),
            labelling=labelling(settings),
            ann=ann,
            corpus_fingerprint=fingerprint(stamps),
            files=stamps,
            articles=len(articles),
            chunks=len(chunks),
            built_at=dt.datetime.now(dt.UTC).isoformat(),
            build_seconds=0.0,
            checksums={},
        )
        write_version(
            index_dir,
            manifest.model_copy(update={"build_seconds": round(time.perf_counter() - started, 3)}),
            articles,
            chunks,
            vectors,
        )
        return BuildReport(
            index_dir=str(index_dir),
            articles=len(articles),
            chunks=len(chunks),
            embedded=len(todo),
            reused=len(chunks) - len(todo),
            duplicates=duplicates,
            added=sum(a.id not in old_hashes for a, _ in articles),
            changed=sum(a.id in old_hashes and old_hashes[a.id] != h for a, h in articles),
            removed=len(set(old_hashes) - set(hashes)),
            updated=sum(a.id in old_records and old_hashes[a.id] == h and old_records[a.id] != a for a, h in articles),
            up_to_date=False,
            ann=ann,
            seconds=time.perf_counter() - started,
            warnings=read.warnings,
        )


def _old_records(index_dir: Path) -> dict[str, Article]:
    """The articles of the current version by id (their texts' hashes tell what changed); none when there is no
    readable one."""
    try:
        version = current_version(index_dir)
        if version is None:
            return {}
        store = Store(version / STORE)
        try:
            return {a.id: a for a in store.articles()}
        finally:
            store.close()
    except QAError:
        return {}
