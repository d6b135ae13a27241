"""Build or update an index in PostgreSQL: only new or changed articles are embedded; each batch of articles is
replaced in one transaction, so a search never sees half an article and a killed build leaves every committed
article answering. One build at a time (an advisory lock); searches go on meanwhile."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from ... import __version__
from ...config import Settings
from ...errors import CorpusError, IndexBusy, IndexMismatch, QAError
from ...ingest.corpus import is_pending, label_pending, read_articles
from ...models import Article, Chunk
from ..backend import redact
from ..build import (
    EMBED_SLICE,
    BuildReport,
    Progress,
    chunk_view,
    chunking,
    embed_texts,
    file_stamps,
    fingerprint,
    label_from_vectors,
    labelling,
    text_hash,
    up_to_date,
)
from ..chunk import chunk_articles
from ..embed import Embedder, load_embedder, model_name
from ..index import INGEST_VERSION, Manifest
from ..sparse import tokenize
from .filters import authors_key
from .schema import (
    BUILD_LOCK,
    K1,
    PG_FORMAT_VERSION,
    REWEIGHT_DRIFT,
    TERM_DIM,
    B,
    Meta,
    connect,
    create_schema,
    doc_weight,
    ensure_hnsw,
    failure,
    read_meta,
    sparse_literal,
    vector_from_text,
    vector_literal,
)

_COPY_CHUNKS = (
    "COPY qa_chunks (id, article_id, chunk_id, start, stop, sentences, text, genre, outlet_key, authors_key, "
    "published, embedding) FROM STDIN"
)
_COPY_BM25 = (
    "COPY qa_bm25 (id, article_id, genre, outlet_key, authors_key, published, lex, tf, length, avgdl, bm) FROM STDIN"
)
# The filter columns of an article's chunks, after its record changed but not its text.
_REFILTER_CHUNKS = (
    "UPDATE qa_chunks c SET genre = u.genre, outlet_key = u.outlet_key, authors_key = u.authors_key, "
    "published = u.published FROM unnest(%s::text[], %s::text[], %s::text[], %s::text[], %s::date[]) "
    "AS u(id, genre, outlet_key, authors_key, published) WHERE c.article_id = u.id"
)
_REFILTER_BM25 = _REFILTER_CHUNKS.replace("UPDATE qa_chunks", "UPDATE qa_bm25", 1)
_UPSERT = (
    "INSERT INTO qa_articles (id, ord, text_hash, genre, outlet, outlet_key, authors, authors_key, published, data) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (id) DO UPDATE SET ord = EXCLUDED.ord, "
    "text_hash = EXCLUDED.text_hash, genre = EXCLUDED.genre, outlet = EXCLUDED.outlet, "
    "outlet_key = EXCLUDED.outlet_key, authors = EXCLUDED.authors, authors_key = EXCLUDED.authors_key, "
    "published = EXCLUDED.published, data = EXCLUDED.data"
)
# Every chunk's BM25 weights recomputed from its stored term counts with one average length, in SQL.
_REWEIGHT = (
    "UPDATE qa_bm25 c SET avgdl = %(a)s, bm = coalesce((SELECT '{' || string_agg(u.t::text || ':' || "
    "(u.f / (u.f + %(k1)s * (1 - %(b)s + %(b)s * c.length / %(a)s)))::text, ',' ORDER BY u.t) || '}/' || %(dim)s "
    "FROM unnest(c.lex, c.tf) AS u(t, f)), '{}/' || %(dim)s)::sparsevec WHERE c.avgdl <> %(a)s"
)


def build_postgres(
    paths: list[Path],
    uri: str,
    settings: Settings,
    embedder: Embedder | None = None,
    progress: Progress | None = None,
) -> BuildReport:
    """Build or update the index in the database at `uri` from `paths`."""
    import psycopg

    if settings.ann == "flat":
        raise QAError("--ann flat: a database index searches with pgvector's HNSW; leave --ann at auto")
    started = time.perf_counter()
    with connect(uri, autocommit=True) as con:
        if not con.execute("SELECT pg_try_advisory_lock(%s)", (BUILD_LOCK,)).fetchone()[0]:
            raise IndexBusy(f"{redact(uri)} is being built by another process; try again when it is done")
        try:
            return _Build(con, uri, settings, embedder, progress, started).run(paths)
        except psycopg.Error as exc:
            raise failure(uri, exc) from exc


class _Build:
    """One build against one connection (autocommit; each write batch is an explicit transaction)."""

    def __init__(
        self,
        con: Any,
        uri: str,
        settings: Settings,
        embedder: Embedder | None,
        progress: Progress | None,
        started: float,
    ) -> None:
        self.con, self.uri, self.settings, self.embedder, self.progress = con, uri, settings, embedder, progress
        self.started = started
        self.name = embedder.name if embedder else model_name(settings.model, settings.encoder)
        self.term_ids: dict[str, int] = {}

    def run(self, paths: list[Path]) -> BuildReport:
        meta = read_meta(self.con, self.uri)
        if meta is not None:
            self._check(meta)
        stamps = file_stamps(paths, meta.manifest if meta else None)
        if meta is not None and up_to_date(meta.manifest, stamps, self.name, self.settings):
            return self._report(meta, 0, 0, 0, 0, 0, up=True)
        read = read_articles(paths, self.settings, defer_text_genre=True)
        if not read.articles:
            shown = ", ".join(str(p) for p in paths) or "(no paths)"
            raise CorpusError(f"no articles found in {shown}; nothing to index (the index, if any, is kept)")
        if self.progress:
            self.progress("read", len(read.articles), len(read.articles))
        hashes = {a.id: text_hash(a) for a in read.articles}
        same_chunking = meta is not None and meta.chunking == chunking(self.settings)
        old = self._old_hashes() if meta is not None else {}
        # Other chunk settings: every article is rewritten (one batch at a time, each consistent in itself).
        todo = [a for a in read.articles if not same_chunking or old.get(a.id) != hashes[a.id]]
        rewritten = {a.id for a in todo}
        kept = [a for a in read.articles if a.id in old and a.id not in rewritten]
        # Labels read from the text are read again when what decides them may have changed.
        relabel = meta is not None and (
            meta.manifest.labelling != labelling(self.settings) or meta.manifest.ingest_version != INGEST_VERSION
        )
        removed = sorted(set(old) - set(hashes))
        chunks = chunk_articles(todo, self.settings)
        if (chunks or meta is None) and self.embedder is None:
            s = self.settings
            self.embedder = load_embedder(s.model, s.embed_batch_size, s.encoder, s.cache_dir)
        if meta is None:
            meta = self._create(self.embedder.dim if self.embedder else 0)
        tokens = tokenize([c.text for c in chunks]) if chunks else []
        before = meta.total_length / meta.n_chunks if meta.n_chunks else None
        avgdl = self._target_avgdl(meta, [a.id for a in todo] + removed, tokens)
        order = {a.id: i for i, a in enumerate(read.articles)}
        embedded, duplicates = self._write(todo, chunks, tokens, avgdl, order, hashes)
        self._remove(removed)
        updated = self._update(kept, relabel, order, hashes)
        ensure_hnsw(self.con)
        reweighted = self._finish(stamps, avgdl, order, read.articles)
        final = read_meta(self.con, self.uri)
        assert final is not None
        added = sum(a.id not in old for a in todo)
        return self._report(
            final,
            embedded,
            added,
            len(todo) - added,
            len(removed),
            duplicates,
            up=False,
            avgdl=(before, avgdl),
            reweighted=reweighted,
            updated=updated,
            warnings=read.warnings,
        )

    def _check(self, meta: Meta) -> None:
        if meta.format_version != PG_FORMAT_VERSION:
            raise IndexMismatch(
                f"{redact(self.uri)}: index format version {meta.format_version}, this qa writes version "
                f"{PG_FORMAT_VERSION}; build into an empty database"
            )
        if meta.model != self.name:
            raise IndexMismatch(
                f"{redact(self.uri)} holds an index built with model {meta.model!r}, not {self.name!r}: vectors of "
                "two models can't share one index; build with that model or into an empty database"
            )

    def _old_hashes(self) -> dict[str, str]:
        return {str(i): str(h) for i, h in self.con.execute("SELECT id, text_hash FROM qa_articles").fetchall()}

    def _create(self, dim: int) -> Meta:
        """The tables and a metadata row for an index with no articles yet."""
        create_schema(self.con, dim)
        empty = self._manifest((), 0, 0)
        with self.con.transaction():
            self.con.execute(
                "INSERT INTO qa_meta (format_version, model, dim, chunking, manifest) VALUES (%s, %s, %s, %s, %s) "
                "ON CONFLICT (singleton) DO NOTHING",
                (PG_FORMAT_VERSION, self.name, dim, json.dumps(chunking(self.settings)), empty.model_dump_json()),
            )
        meta = read_meta(self.con, self.uri)
        assert meta is not None
        return meta

    def _manifest(self, stamps: tuple[Any, ...], articles: int, chunks: int) -> Manifest:
        return Manifest(
            format_version=PG_FORMAT_VERSION,
            ingest_version=INGEST_VERSION,
            package_version=__version__,
            model=self.name,
            dim=self.embedder.dim if self.embedder else 0,
            chunking=chunking(self.settings),
            labelling=labelling(self.settings),
            ann="hnsw",
            corpus_fingerprint=fingerprint(stamps),
            files=stamps,
            articles=articles,
            chunks=chunks,
            built_at=dt.datetime.now(dt.UTC).isoformat(),
            build_seconds=round(time.perf_counter() - self.started, 3),
            checksums={},
        )

    def _target_avgdl(self, meta: Meta, replaced: list[str], tokens: list[list[str]]) -> float:
        """The average chunk length the new chunks are weighted with: the stored one, unless the build will move
        it by more than REWEIGHT_DRIFT, in which case the length it will have when this build is done."""
        gone_n, gone_len = self.con.execute(
            "SELECT count(*), coalesce(sum(length), 0) FROM qa_bm25 WHERE article_id = ANY(%s)", (replaced,)
        ).fetchone()
        n = meta.n_chunks - int(gone_n) + len(tokens)
        total = meta.total_length - int(gone_len) + sum(len(t) for t in tokens)
        final = total / n if n else 1.0
        weighted = meta.weighted_avgdl
        if weighted <= 0 or abs(final - weighted) / weighted > REWEIGHT_DRIFT:
            return final
        return weighted

    def _write(
        self,
        todo: list[Article],
        chunks: list[Chunk],
        tokens: list[list[str]],
        avgdl: float,
        order: dict[str, int],
        hashes: dict[str, str],
    ) -> tuple[int, int]:
        """Embed and write new or changed articles, a batch of about EMBED_SLICE chunks per transaction."""
        by_article: dict[str, list[int]] = {}
        for i, c in enumerate(chunks):
            by_article.setdefault(c.article_id, []).append(i)
        batch: list[Article] = []
        size = done = duplicates = 0
        for n, article in enumerate(todo, start=1):
            batch.append(article)
            size += len(by_article.get(article.id, []))
            if size >= EMBED_SLICE or n == len(todo):
                rows = [i for a in batch for i in by_article.get(a.id, [])]
                vectors = np.zeros((0, 0), dtype=np.float32)
                if rows and self.embedder is not None:
                    vectors, dup = embed_texts([chunks[i].text for i in rows], self.embedder, None)
                    duplicates += dup
                picked = [chunks[i] for i in rows]
                batch = label_from_vectors(batch, picked, vectors, self.name, self.settings)
                self._replace(batch, picked, [tokens[i] for i in rows], vectors, avgdl, order, hashes)
                done += len(rows)
                if self.progress:
                    self.progress("embed", done, len(chunks))
                batch, size = [], 0
        return len(chunks), duplicates

    def _replace(
        self,
        articles: list[Article],
        chunks: list[Chunk],
        tokens: list[list[str]],
        vectors: np.ndarray,
        avgdl: float,
        order: dict[str, int],
        hashes: dict[str, str],
    ) -> None:
        """One transaction: these articles' old chunks out (term counts down), the articles and their new chunks
        in (term counts up), the running totals moved."""
        con = self.con
        counts = [Counter(t) for t in tokens]
        with con.transaction():
            gone = self._delete_chunks([a.id for a in articles])
            con.cursor().executemany(_UPSERT, [_article_row(a, order[a.id], hashes[a.id]) for a in articles])
            ids = self._ids({t for c in counts for t in c})
            by_id = {a.id: a for a in articles}
            rows = [
                r[0]
                for r in con.execute(
                    "SELECT nextval(pg_get_serial_sequence('qa_chunks', 'id')) FROM generate_series(1, %s)",
                    (len(chunks),),
                ).fetchall()
            ]
            with con.cursor().copy(_COPY_CHUNKS) as copy:
                for row, chunk, vector in zip(rows, chunks, vectors, strict=True):
                    a = by_id[chunk.article_id]
                    copy.write_row(
                        (
                            row,
                            a.id,
                            chunk.id,
                            chunk.start,
                            chunk.end,
                            json.dumps(chunk.sentences),
                            chunk.text,
                            *_filter_columns(a),
                            vector_literal(vector),
                        )
                    )
            with con.cursor().copy(_COPY_BM25) as copy:
                for row, chunk, count in zip(rows, chunks, counts, strict=True):
                    lex = sorted((ids[t], f) for t, f in count.items())
                    length = sum(count.values())
                    weights = {i: doc_weight(f, length, avgdl) for i, f in lex}
                    copy.write_row(
                        (
                            row,
                            chunk.article_id,
                            *_filter_columns(by_id[chunk.article_id]),
                            [i for i, _ in lex],
                            [f for _, f in lex],
                            length,
                            avgdl,
                            sparse_literal(weights),
                        )
                    )
            self._df(Counter(ids[t] for c in counts for t in c), +1)
            con.execute(
                "UPDATE qa_meta SET n_chunks = n_chunks + %s, total_length = total_length + %s",
                (len(chunks) - gone[0], sum(len(t) for t in tokens) - gone[1]),
            )

    def _update(self, kept: list[Article], relabel: bool, order: dict[str, int], hashes: dict[str, str]) -> int:
        """Rewrite the stored record of every article whose text is unchanged but whose record is not (a new
        title, date or section, or a genre label that other labelling settings give), and its chunks' filter
        columns, without embedding; returns how many. A genre left pending by the read keeps its stored label when
        nothing that decides it changed, else is settled from the article's stored chunk vectors."""
        if not kept:
            return 0
        # The stored records without their texts, which are the same (the hashes matched).
        found = self.con.execute(
            "SELECT id, data - 'text' FROM qa_articles WHERE id = ANY(%s)", ([a.id for a in kept],)
        )
        stored: dict[str, dict[str, Any]] = {str(i): d for i, d in found.fetchall()}
        settled = []
        for a in kept:
            before = stored.get(a.id)
            if before is not None and is_pending(a) and not relabel and _cue_less(before["genre_evidence"]):
                a = a.model_copy(update={"genre": before["genre"], "genre_evidence": tuple(before["genre_evidence"])})
            settled.append(a)
        pending = [a for a in settled if is_pending(a)]
        if pending:
            vectors = self._first_vectors([a.id for a in pending])
            labelled = {a.id: a for a in label_pending(pending, lambda a: vectors.get(a.id), self.settings)}
            settled = [labelled.get(a.id, a) for a in settled]
        changed = [a for a in settled if a.id in stored and a.model_dump(mode="json", exclude={"text"}) != stored[a.id]]
        for lo in range(0, len(changed), 500):
            part = changed[lo : lo + 500]
            columns = [list(c) for c in zip(*[(a.id, *_filter_columns(a)) for a in part], strict=True)]
            with self.con.transaction():
                self.con.cursor().executemany(_UPSERT, [_article_row(a, order[a.id], hashes[a.id]) for a in part])
                self.con.execute(_REFILTER_CHUNKS, columns)
                self.con.execute(_REFILTER_BM25, columns)
        return len(changed)

    def _first_vectors(self, article_ids: list[str]) -> dict[str, np.ndarray]:
        """The mean of each article's first stored chunk vectors, as the genre text model reads them; none when
        the index's vectors are not the ones it was trained on."""
        count = chunk_view(self.name, self.settings)
        if not count:
            return {}
        rows = self.con.execute(
            "SELECT article_id, embedding::text FROM qa_chunks WHERE article_id = ANY(%s) ORDER BY article_id, start",
            (article_ids,),
        ).fetchall()
        first: dict[str, list[np.ndarray]] = {}
        for article_id, text in rows:
            if len(taken := first.setdefault(str(article_id), [])) < count:
                taken.append(vector_from_text(text))
        return {i: np.asarray(v, dtype=np.float64).mean(axis=0) for i, v in first.items()}

    def _delete_chunks(self, article_ids: list[str]) -> tuple[int, int]:
        """Delete the chunks of these articles, taking their terms out of the document frequencies; returns how
        many chunks and how many terms in all went."""
        rows = self.con.execute(
            "DELETE FROM qa_bm25 WHERE article_id = ANY(%s) RETURNING lex, length", (article_ids,)
        ).fetchall()
        self.con.execute("DELETE FROM qa_chunks WHERE article_id = ANY(%s)", (article_ids,))
        self._df(Counter(t for lex, _ in rows for t in lex), -1)
        return len(rows), sum(int(n) for _, n in rows)

    def _df(self, counts: Counter[int], sign: int) -> None:
        if counts:
            ids = sorted(counts)
            self.con.execute(
                "UPDATE qa_terms t SET df = t.df + u.d FROM unnest(%s::integer[], %s::integer[]) AS u(id, d) "
                "WHERE t.id = u.id",
                (ids, [sign * counts[i] for i in ids]),
            )

    def _ids(self, terms: set[str]) -> dict[str, int]:
        """Term ids, new terms added."""
        missing = sorted(terms - set(self.term_ids))
        if missing:
            self.con.execute(
                "INSERT INTO qa_terms (term) SELECT unnest(%s::text[]) ON CONFLICT (term) DO NOTHING", (missing,)
            )
            rows = self.con.execute("SELECT term, id FROM qa_terms WHERE term = ANY(%s)", (missing,)).fetchall()
            self.term_ids.update({str(t): int(i) for t, i in rows})
        return self.term_ids

    def _remove(self, removed: list[str]) -> None:
        """Delete removed articles, a batch per transaction."""
        for lo in range(0, len(removed), 500):
            ids = removed[lo : lo + 500]
            with self.con.transaction():
                gone = self._delete_chunks(ids)
                self.con.execute("DELETE FROM qa_articles WHERE id = ANY(%s)", (ids,))
                self.con.execute("UPDATE qa_meta SET n_chunks = n_chunks - %s, total_length = total_length - %s", gone)

    def _finish(
        self, stamps: tuple[Any, ...], avgdl: float, order: dict[str, int], articles: tuple[Article, ...]
    ) -> int:
        """The last transaction: BM25 weights of every chunk on one average length, build order, the manifest.
        Returns how many chunks were re-weighted."""
        con = self.con
        ids = [a.id for a in articles]
        with con.transaction():
            reweighted = con.execute(_REWEIGHT, {"a": avgdl, "k1": K1, "b": B, "dim": str(TERM_DIM)}).rowcount
            con.execute(
                "UPDATE qa_articles a SET ord = u.ord FROM unnest(%s::text[], %s::bigint[]) AS u(id, ord) "
                "WHERE a.id = u.id AND a.ord <> u.ord",
                (ids, [order[i] for i in ids]),
            )
            n_chunks = int(con.execute("SELECT n_chunks FROM qa_meta").fetchone()[0])
            manifest = self._manifest(stamps, len(articles), n_chunks)
            dim = self.embedder.dim if self.embedder else None
            con.execute(
                "UPDATE qa_meta SET weighted_avgdl = %s, manifest = %s, chunking = %s, dim = coalesce(%s, dim)",
                (avgdl, manifest.model_dump_json(), json.dumps(chunking(self.settings)), dim),
            )
        return max(int(reweighted), 0)

    def _report(
        self,
        meta: Meta,
        embedded: int,
        added: int,
        changed: int,
        removed: int,
        duplicates: int,
        up: bool,
        avgdl: tuple[float | None, float] | None = None,
        reweighted: int = 0,
        updated: int = 0,
        warnings: tuple[Any, ...] = (),
    ) -> BuildReport:
        articles = int(self.con.execute("SELECT count(*) FROM qa_articles").fetchone()[0])
        return BuildReport(
            index_dir=redact(self.uri),
            articles=articles,
            chunks=meta.n_chunks,
            embedded=embedded,
            reused=meta.n_chunks - embedded,
            added=added,
            changed=changed,
            removed=removed,
            up_to_date=up,
            ann="hnsw",
            seconds=time.perf_counter() - self.started,
            duplicates=duplicates,
            avgdl_before=avgdl[0] if avgdl else None,
            avgdl_after=avgdl[1] if avgdl else None,
            reweighted=reweighted,
            updated=updated,
            warnings=warnings,
        )


def _cue_less(evidence: list[str]) -> bool:
    """True when a genre's evidence says it was read from the text, not decided by a cue."""
    return bool(evidence) and evidence[0].startswith("no genre cue")


def _filter_columns(a: Article) -> tuple[object, ...]:
    """genre, outlet_key, authors_key, published: what the filters of both legs read."""
    return (a.genre, (a.outlet or "").casefold() or None, authors_key(a.authors), a.published)


def _article_row(a: Article, ord_: int, digest: str) -> tuple[object, ...]:
    return (
        a.id,
        ord_,
        digest,
        a.genre,
        a.outlet,
        (a.outlet or "").casefold() or None,
        list(a.authors),
        authors_key(a.authors),
        a.published,
        a.model_dump_json(),
    )
