"""The search backend on PostgreSQL + pgvector: dense (HNSW, iterative scan) and BM25 (sparsevec) legs in SQL.

Every statement is fixed text with parameters; questions, filter values and article text never enter SQL text.
Searches use a small connection pool on the replica when one is given, else on the primary; nothing here writes.
Inside `snapshot()` a thread's statements share one read-only REPEATABLE READ transaction, so the searches, the
chunk lookups and the article reads of one question see the same committed state while a build writes.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from ...models import Article, Chunk, Filters
from ..backend import ArticleMeta, redact
from ..index import Looked, Manifest
from ..sparse import tokenize
from .filters import condition
from .schema import (
    COMMON_TERM_SHARE,
    check_meta,
    connect,
    failure,
    idf,
    read_meta,
    sparse_literal,
    vector_from_text,
    vector_literal,
)

POOL_SIZE = 4
_CHUNK_COLUMNS = "id, chunk_id, article_id, start, stop, sentences, text, published"


class PgIndex:
    """An index in a PostgreSQL database, opened for searching; safe to share between threads."""

    def __init__(self, uri: str, manifest: Manifest, pool: Any, ef_search: int = 200) -> None:
        self.uri = uri
        self.manifest = manifest
        self.ef_search = ef_search
        self._pool = pool
        self._pinned = threading.local()  # a thread's connection inside snapshot()

    @property
    def where(self) -> str:
        """The database, without its password."""
        return redact(self.uri)

    @classmethod
    def open(cls, uri: str, model: str | None = None, replica: str | None = None, ef_search: int = 200) -> PgIndex:
        """Open the index in `uri`, checking its metadata row; searches go to `replica` when given."""
        from psycopg_pool import ConnectionPool

        with connect(uri, autocommit=True) as con:
            meta = check_meta(read_meta(con, uri), uri, model)
            articles = con.execute("SELECT count(*) FROM qa_articles").fetchone()[0]
        manifest = meta.manifest.model_copy(
            update={"model": meta.model, "dim": meta.dim, "chunks": meta.n_chunks, "articles": int(articles)}
        )
        search_uri = replica or uri
        connect(search_uri, autocommit=True).close()  # a clear error now rather than at the first question
        pool = ConnectionPool(
            search_uri, min_size=1, max_size=POOL_SIZE, kwargs={"autocommit": True}, open=True, name="qa-search"
        )
        return cls(search_uri, manifest, pool, ef_search)

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """Every statement of this thread inside the block reads one snapshot of the index (a read-only REPEATABLE
        READ transaction on one pooled connection); nested blocks share the outer one."""
        import psycopg

        if getattr(self._pinned, "con", None) is not None:
            yield
            return
        try:
            with self._pool.connection() as con, con.transaction():
                con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                self._scan_settings(con)  # once for every dense search of the block
                self._pinned.con = con
                try:
                    yield
                finally:
                    self._pinned.con = None
        except psycopg.Error as exc:
            raise failure(self.uri, exc) from exc

    def _run(self, sql: str, args: list[object] | tuple[object, ...], ann: bool = False) -> list[tuple[Any, ...]]:
        """Rows of one parameterised statement, on the thread's snapshot connection inside `snapshot()`. A dense
        search (`ann`) runs in a transaction with the HNSW iterative scan turned on (set_config local to the
        transaction, so it also reaches Citus workers); a snapshot's transaction has it from its start."""
        import psycopg

        try:
            pinned = getattr(self._pinned, "con", None)
            if pinned is not None:
                return list(pinned.execute(sql, args).fetchall())
            with self._pool.connection() as con:
                if not ann:
                    return list(con.execute(sql, args).fetchall())
                with con.transaction():
                    self._scan_settings(con)
                    return list(con.execute(sql, args).fetchall())
        except psycopg.Error as exc:
            raise failure(self.uri, exc) from exc

    def _scan_settings(self, con: Any) -> None:
        """Turn on the HNSW iterative scan and set its ef_search for the rest of the current transaction."""
        con.execute("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true)")
        con.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(self.ef_search),))

    def dense_search(
        self, queries: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[list[tuple[int, float]]]:
        """The best `k` chunks by inner product for each query vector, filtered inside the scan."""
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        queries = np.ascontiguousarray(queries, dtype=np.float32).reshape(-1, self.manifest.dim)
        where, args = condition(filters, "chunks")
        sql = (
            "WITH c AS MATERIALIZED (SELECT id, embedding <#> %s::vector AS d FROM qa_chunks WHERE true"
            f"{where} ORDER BY embedding <#> %s::vector LIMIT %s) SELECT id, -d FROM c ORDER BY d"
        )
        out = []
        for q in queries:
            literal = vector_literal(q)
            rows = self._run(sql, [literal, *args, literal, k], ann=True)
            out.append([(int(r), float(s)) for r, s in rows])
        return out

    def bm25_search(self, queries: list[str], k: int, filters: Filters | None = None) -> list[list[tuple[int, float]]]:
        """The best `k` chunks by BM25 for each query: the chunks sharing a term (GIN), by sparse inner product.
        Terms in more than COMMON_TERM_SHARE of the chunks don't choose candidates unless they must (see there)."""
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        where, args = condition(filters, "chunks")
        sql = (
            "SELECT id, -(bm <#> %s::sparsevec) FROM qa_bm25 WHERE lex && %s::integer[]"
            f"{where} ORDER BY bm <#> %s::sparsevec LIMIT %s"
        )
        out: list[list[tuple[int, float]]] = []
        for tokens in tokenize(queries):
            terms = self._query_terms(Counter(tokens))
            if not terms:
                out.append([])
                continue
            weights = {i: w for i, (w, _) in terms.items()}
            literal = sparse_literal(weights)
            rare = sorted(i for i, (_, common) in terms.items() if not common)
            bound = sum(w for w, common in terms.values() if common)
            rows = self._run(sql, [literal, rare, *args, literal, k]) if rare and bound else []
            if not rows or len(rows) < k or float(rows[-1][1]) < bound:
                rows = self._run(sql, [literal, sorted(weights), *args, literal, k])
            out.append([(int(r), float(s)) for r, s in rows if s > 0])
        return out

    def _query_terms(self, counts: Counter[str]) -> dict[int, tuple[float, bool]]:
        """Term id -> (IDF times the term's count in the question, whether the term is common), for the terms the
        index holds."""
        if not counts:
            return {}
        rows = self._run(
            "SELECT t.term, t.id, t.df, m.n_chunks FROM qa_terms t CROSS JOIN qa_meta m "
            "WHERE t.term = ANY(%s) AND t.df > 0",
            [list(counts)],
        )
        return {
            int(i): (idf(int(df), int(n)) * counts[str(term)], int(df) > COMMON_TERM_SHARE * int(n))
            for term, i, df, n in rows
        }

    def lookup(self, rows: list[int], vector: np.ndarray | None = None) -> dict[int, Looked]:
        """The chunks of `rows` still in the index, with their similarity to `vector`."""
        if not rows:
            return {}
        sim = "-(embedding <#> %s::vector)" if vector is not None else "NULL::float8"
        args: list[object] = [vector_literal(vector)] if vector is not None else []
        found = self._run(f"SELECT {_CHUNK_COLUMNS}, {sim} FROM qa_chunks WHERE id = ANY(%s)", [*args, rows])
        out = {}
        for row in found:
            chunk, published = _chunk(row[:8]), row[7]
            out[int(row[0])] = Looked(chunk, None if row[8] is None else float(row[8]), _day(published))
        return out

    def stored_vectors(self, rows: list[int]) -> dict[int, np.ndarray]:
        """The stored embeddings of `rows` still in the index."""
        if not rows:
            return {}
        found = self._run("SELECT id, embedding::text FROM qa_chunks WHERE id = ANY(%s)", [rows])
        return {int(i): vector_from_text(text) for i, text in found}

    def article(self, article_id: str) -> Article | None:
        """One article by id."""
        rows = self._run("SELECT data FROM qa_articles WHERE id = %s", [article_id])
        return Article.model_validate(rows[0][0]) if rows else None

    def articles(self, limit: int | None = None) -> list[Article]:
        """Articles in build order, the first `limit` when given."""
        rows = self._run("SELECT data FROM qa_articles ORDER BY ord, id LIMIT %s", [limit])
        return [Article.model_validate(r[0]) for r in rows]

    def article_ids(self, filters: Filters | None = None) -> list[str]:
        """Ids of the articles passing `filters`, in build order."""
        where, args = condition(filters, "articles")
        return [str(r[0]) for r in self._run(f"SELECT id FROM qa_articles WHERE true{where} ORDER BY ord, id", args)]

    def article_meta(self) -> list[ArticleMeta]:
        """(id, genre, outlet, authors, ISO date) of every article."""
        rows = self._run("SELECT id, genre, outlet, authors, published FROM qa_articles ORDER BY ord, id", [])
        return [(str(i), str(g), o, tuple(a or ()), p.isoformat() if p else None) for i, g, o, a, p in rows]

    def chunks_of(self, article_id: str) -> list[tuple[int, Chunk]]:
        """(row, chunk) of one article, in text order."""
        rows = self._run(f"SELECT {_CHUNK_COLUMNS} FROM qa_chunks WHERE article_id = %s ORDER BY start", [article_id])
        return [(int(r[0]), _chunk(r)) for r in rows]

    def close(self) -> None:
        """Close the pool."""
        self._pool.close()


def _chunk(row: tuple[Any, ...]) -> Chunk:
    _id, cid, aid, start, stop, sentences, text, _published = row
    spans = json.loads(sentences) if isinstance(sentences, str) else sentences
    return Chunk(
        id=str(cid),
        article_id=str(aid),
        start=int(start),
        end=int(stop),
        text=str(text),
        sentences=tuple((int(a), int(b)) for a, b in spans),
    )


def _day(published: dt.date | None) -> int:
    return published.toordinal() if published else -1
