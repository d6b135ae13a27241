"""Tables of the PostgreSQL index, the metadata row checked on open, connections, and BM25 weights.

Tables (all named qa_*, so the index can share a database):
- qa_meta: one row, the manifest of the index (format version, model and encoder, dimension, chunk settings,
  the files of the last completed build) and the running BM25 statistics (chunks, total length, and the average
  length the stored weights were computed with).
- qa_articles: metadata columns for filtering and the whole article as JSON.
- qa_chunks: offsets into their article, the text, the embedding (vector(dim), HNSW by inner product) and the
  article's filter columns, so the dense leg filters on this table alone.
- qa_bm25: one narrow row per chunk (same id) for the BM25 leg: its terms (lex: term ids, GIN-indexed; tf: their
  counts; length), `bm`, its BM25 document weights as a sparsevec, and the filter columns again. Narrow, so a
  question whose words are in a third of the chunks reads a few thousand pages, not every chunk's vector.
- qa_terms: each term's id and document frequency (chunks holding it).

BM25 splits as bm25s's "lucene" variant does: a chunk stores tf / (tf + k1 (1 - b + b dl / avgdl)) per term; a
query's sparsevec holds each term's IDF log(1 + (N - df + 0.5) / (df + 0.5)) times its count in the question, read
from qa_terms at query time, so the inner product is the BM25 score and IDF never goes stale.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...errors import DatabaseError, IndexMismatch, IndexNotBuilt
from ..backend import redact
from ..index import Manifest

# Bump when the tables change shape; a database index of another version must be rebuilt.
PG_FORMAT_VERSION = 1
K1, B = 1.5, 0.75
# Term ids are sparsevec dimensions (1-based); pgvector allows up to 1e9.
TERM_DIM = 1_000_000_000
# The build re-weights every chunk when the average chunk length has moved more than this share since the
# weights were written (a corpus that grows changes it slowly; 2% moves a BM25 score by well under 1%).
REWEIGHT_DRIFT = 0.02
# Advisory lock key of builds: one build at a time per database.
BUILD_LOCK = 0x71612D6275696C64  # "qa-build"

SCHEMA = """
CREATE TABLE IF NOT EXISTS qa_meta (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    format_version integer NOT NULL,
    model text NOT NULL,
    dim integer NOT NULL,
    chunking jsonb NOT NULL,
    manifest jsonb NOT NULL,
    n_chunks bigint NOT NULL DEFAULT 0,
    total_length bigint NOT NULL DEFAULT 0,
    weighted_avgdl double precision NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS qa_articles (
    id text PRIMARY KEY,
    ord bigint NOT NULL,
    text_hash text NOT NULL,
    genre text NOT NULL,
    outlet text,
    outlet_key text,
    authors text[] NOT NULL,
    authors_key text NOT NULL,
    published date,
    data jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS qa_chunks (
    id bigserial PRIMARY KEY,
    article_id text NOT NULL REFERENCES qa_articles(id) ON DELETE CASCADE,
    chunk_id text NOT NULL,
    start integer NOT NULL,
    stop integer NOT NULL,
    sentences jsonb NOT NULL,
    text text NOT NULL,
    genre text NOT NULL,
    outlet_key text,
    authors_key text NOT NULL,
    published date,
    embedding vector({dim}) NOT NULL
);
CREATE TABLE IF NOT EXISTS qa_bm25 (
    id bigint PRIMARY KEY REFERENCES qa_chunks(id) ON DELETE CASCADE,
    article_id text NOT NULL,
    genre text NOT NULL,
    outlet_key text,
    authors_key text NOT NULL,
    published date,
    lex integer[] NOT NULL,
    tf integer[] NOT NULL,
    length integer NOT NULL,
    avgdl double precision NOT NULL,
    bm sparsevec NOT NULL
);
CREATE TABLE IF NOT EXISTS qa_terms (
    id serial PRIMARY KEY,
    term text NOT NULL UNIQUE,
    df integer NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS qa_bm25_lex ON qa_bm25 USING gin (lex);
CREATE INDEX IF NOT EXISTS qa_bm25_article ON qa_bm25 (article_id);
CREATE INDEX IF NOT EXISTS qa_chunks_article ON qa_chunks (article_id);
CREATE INDEX IF NOT EXISTS qa_chunks_genre ON qa_chunks (genre);
CREATE INDEX IF NOT EXISTS qa_chunks_outlet ON qa_chunks (outlet_key);
CREATE INDEX IF NOT EXISTS qa_chunks_published ON qa_chunks (published);
CREATE INDEX IF NOT EXISTS qa_articles_ord ON qa_articles (ord);
"""


def connect(uri: str, autocommit: bool = False) -> Any:
    """A psycopg connection to `uri`; a failure is a DatabaseError that names the server without its password."""
    import psycopg

    try:
        return psycopg.connect(uri, autocommit=autocommit)
    except (psycopg.Error, ValueError) as exc:
        raise DatabaseError(f"cannot connect to {redact(uri)}: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def failure(uri: str, exc: BaseException) -> DatabaseError:
    """A database error from psycopg, named by the server (no password)."""
    return DatabaseError(f"{redact(uri)}: {_first_line(exc)}")


# The HNSW index is made by the end of every build (ensure_hnsw): after the first bulk load, which is several times
# faster than inserting into the graph row by row; later builds insert into it. Until it exists, dense searches
# are exact scans: slower, never wrong.
HNSW = (
    "CREATE INDEX IF NOT EXISTS qa_chunks_embedding ON qa_chunks USING hnsw (embedding vector_ip_ops) "
    "WITH (m = 16, ef_construction = 64)"
)
# Memory for that index build: the graph of a few hundred thousand chunks fits, so it is not built on disk.
HNSW_BUILD_MEMORY = "1GB"


def ensure_hnsw(con: Any) -> None:
    """Create the HNSW index when it is missing (a first build, or one killed before its end)."""
    if con.execute("SELECT to_regclass('qa_chunks_embedding') IS NULL").fetchone()[0]:
        con.execute("SELECT set_config('maintenance_work_mem', %s, false)", (HNSW_BUILD_MEMORY,))
        con.execute(HNSW)


def create_schema(con: Any, dim: int) -> None:
    """Create the extension and the tables (idempotent); `dim` is the embedding dimension."""
    if not isinstance(dim, int) or not 0 < dim <= 16000:
        raise ValueError(f"embedding dimension must be 1..16000, got {dim!r}")
    with con.transaction():
        con.execute("CREATE EXTENSION IF NOT EXISTS vector")
        for statement in SCHEMA.replace("{dim}", str(int(dim))).split(";"):
            if statement.strip():
                con.execute(statement)


class Meta:
    """The metadata row as read."""

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.format_version, self.model, self.dim, self.chunking, manifest, n, total, weighted = row
        self.manifest = Manifest.model_validate(manifest)
        self.n_chunks, self.total_length, self.weighted_avgdl = int(n), int(total), float(weighted)


META_COLUMNS = "format_version, model, dim, chunking, manifest, n_chunks, total_length, weighted_avgdl"


def read_meta(con: Any, uri: str) -> Meta | None:
    """The metadata row, or None when the database holds no index yet."""
    import psycopg

    found = con.execute("SELECT to_regclass('qa_meta') IS NOT NULL").fetchone()[0]
    if not found:
        return None
    try:
        row = con.execute(f"SELECT {META_COLUMNS} FROM qa_meta").fetchone()
    except psycopg.Error as exc:
        raise failure(uri, exc) from exc
    return Meta(row) if row else None


def check_meta(meta: Meta | None, uri: str, model: str | None = None) -> Meta:
    """The metadata row checked as a folder's manifest is: it exists, has this format version and, when `model`
    is given, that model."""
    where = redact(uri)
    if meta is None:
        raise IndexNotBuilt(f"no index in {where}; build one with `qa build [PATH ...] --index {where}`")
    if meta.format_version != PG_FORMAT_VERSION:
        raise IndexMismatch(
            f"{where}: index format version {meta.format_version}, this qa reads version {PG_FORMAT_VERSION}; "
            "rebuild it into an empty database"
        )
    if model is not None and model != meta.model:
        raise IndexMismatch(
            f"{where} was built with model {meta.model!r} (dimension {meta.dim}), not {model!r}; "
            "build with that model or into an empty database"
        )
    return meta


# Query terms in more than this share of the chunks ("new", "year") are left out of the GIN match that finds the
# candidates (they still count in every score). Exact: a chunk holding only such terms scores less than the sum of
# their IDFs (a document weight is below 1), so when the k-th candidate scores at least that, none is missed;
# otherwise the search is run again with every term.
COMMON_TERM_SHARE = 0.05


def idf(df: int, n: int) -> float:
    """BM25 inverse document frequency (bm25s "lucene")."""
    return math.log(1.0 + (n - df + 0.5) / (df + 0.5))


def doc_weight(tf: int, length: int, avgdl: float) -> float:
    """BM25 term-frequency part of a chunk's weight for one term."""
    return tf / (tf + K1 * (1.0 - B + B * length / max(avgdl, 1e-9)))


def sparse_literal(weights: dict[int, float]) -> str:
    """A sparsevec in pgvector's text form: {id:weight,...}/dim, ids ascending."""
    body = ",".join(f"{i}:{w:.7g}" for i, w in sorted(weights.items()) if w)
    return f"{{{body}}}/{TERM_DIM}"


def vector_literal(vector: Any) -> str:
    """A vector in pgvector's text form."""
    return "[" + ",".join(f"{float(x):.7g}" for x in vector) + "]"


def vector_from_text(text: str) -> np.ndarray:
    """A vector from pgvector's text form (`embedding::text`)."""
    return np.array(text.strip("[]").split(","), dtype=np.float32)
