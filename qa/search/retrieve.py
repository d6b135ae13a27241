"""Dense, sparse and fused retrieval over an Index -> Hits, diversified by article."""

from __future__ import annotations

import datetime as dt
from typing import Literal

import numpy as np

from ..config import Settings
from ..models import Filters, Hit
from .backend import SearchBackend
from .embed import Embedder
from .index import Looked

Mode = Literal["hybrid", "dense", "bm25"]
MODES: tuple[str, ...] = ("hybrid", "dense", "bm25")


def rrf(rank: int | None, k: int) -> float:
    """Reciprocal rank fusion term 1/(k + rank) (Cormack et al., 2009); k=60 damps the head of each list."""
    return 0.0 if rank is None else 1.0 / (k + rank)


def convex(dense: list[float | None], sparse: list[float | None], settings: Settings) -> list[float]:
    """Weighted sum of the two scores of each candidate, each scaled to 0..1 over the candidates: cosine
    similarity from its lowest to its highest, BM25 from 0 (no shared word, or not among BM25's best) to its
    highest (Bruch, Gai and Ingber, 2023: a convex combination of normalised scores)."""
    d = [x for x in dense if x is not None]
    lo, hi = (min(d), max(d)) if d else (0.0, 0.0)
    top = max((x for x in sparse if x is not None), default=0.0)
    out = []
    for ds, ss in zip(dense, sparse, strict=True):
        dn = 0.0 if ds is None else (ds - lo) / (hi - lo) if hi > lo else 1.0
        sn = ss / top if ss is not None and top > 0 else 0.0
        out.append(settings.dense_weight * dn + settings.sparse_weight * sn)
    return out


class Retriever:
    """Searches one index with one embedder; settings fix depths, fusion weights and diversity."""

    def __init__(self, index: SearchBackend, embedder: Embedder, settings: Settings | None = None) -> None:
        self.index = index
        self.embedder = embedder
        self.settings = settings or Settings()

    def search(
        self, queries: list[str], k: int | None = None, mode: Mode = "hybrid", filters: Filters | None = None
    ) -> list[list[Hit]]:
        """The best `k` hits for each query, at most `per_article` chunks of any one article."""
        k = k or self.settings.k
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        return [diversify(hits, k, self.settings.per_article) for hits in self.rank(queries, mode, k, filters)]

    def rank(
        self,
        queries: list[str],
        mode: Mode = "hybrid",
        k: int | None = None,
        filters: Filters | None = None,
        vectors: np.ndarray | None = None,
        as_of: dt.date | None = None,
    ) -> list[list[Hit]]:
        """Every candidate of each query in fused order, without diversification; filters apply inside search.

        `vectors` are the queries' embeddings when the caller has them already. With `as_of`, chunks of articles
        dated in the `recency_days` before it gain `recency_weight` times the best score (see Settings)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
        s = self.settings
        depth = max(s.fusion_depth, (k or s.k) * s.per_article)
        if mode != "bm25" and vectors is None:
            vectors = self.embedder.embed(queries)
        dense = self.index.dense_search(vectors, depth, filters) if vectors is not None and mode != "bm25" else None
        sparse = self.index.bm25_search(queries, depth, filters) if mode != "dense" else None
        out = []
        for i in range(len(queries)):
            d, sp = dense[i] if dense else [], sparse[i] if sparse else []
            vector = vectors[i] if vectors is not None else None
            looked = self.index.lookup(list(dict.fromkeys([r for r, _ in d] + [r for r, _ in sp])), vector)
            hits = self._fuse(d, sp, mode, looked)
            out.append(hits if as_of is None else self._freshen(hits, looked, as_of))
        return out

    def _freshen(self, hits: list[Hit], looked: dict[int, Looked], as_of: dt.date) -> list[Hit]:
        """`hits` with the recency bonus added to the chunks of articles dated in the window before `as_of`."""
        s = self.settings
        if not hits or s.recency_weight <= 0:
            return hits
        today = as_of.toordinal()
        bonus = s.recency_weight * max(abs(hits[0].score), 1e-9)
        fresh = [0 <= today - looked[h.row].day <= s.recency_days for h in hits]  # undated: -1, never fresh
        out = [
            h.model_copy(update={"score": h.score + bonus, "fresh": True}) if f else h
            for h, f in zip(hits, fresh, strict=True)
        ]
        return sorted(out, key=lambda h: -h.score)

    def _fuse(
        self, dense: list[tuple[int, float]], sparse: list[tuple[int, float]], mode: Mode, looked: dict[int, Looked]
    ) -> list[Hit]:
        """One list of hits from both legs; rows gone from the index since the search (a build replaced their
        article in between) are dropped."""
        s = self.settings
        dense = [(row, x) for row, x in dense if row in looked]
        sparse = [(row, x) for row, x in sparse if row in looked]
        d_rank = {row: r for r, (row, _) in enumerate(dense, start=1)}
        s_rank = {row: r for r, (row, _) in enumerate(sparse, start=1)}
        d_score, s_score = dict(dense), dict(sparse)
        rows = list(dict.fromkeys([*d_rank, *s_rank]))
        similarity = {row: d_score[row] if row in d_score else looked[row].similarity for row in rows}
        if mode == "dense":
            scores = [d_score[row] for row in rows]
        elif mode == "bm25":
            scores = [s_score[row] for row in rows]
        elif s.fusion == "rrf":
            scores = [
                s.dense_weight * rrf(d_rank.get(row), s.rrf_k) + s.sparse_weight * rrf(s_rank.get(row), s.rrf_k)
                for row in rows
            ]
        else:
            scores = convex([similarity[row] for row in rows], [s_score.get(row) for row in rows], s)
        hits = [
            Hit(
                row=row,
                chunk=looked[row].chunk,
                score=score,
                dense_rank=d_rank.get(row),
                dense_score=d_score.get(row),
                sparse_rank=s_rank.get(row),
                sparse_score=s_score.get(row),
                similarity=similarity[row],
            )
            for row, score in zip(rows, scores, strict=True)
        ]
        return sorted(hits, key=lambda h: -h.score)


def diversify(hits: list[Hit], k: int, per_article: int) -> list[Hit]:
    """The first `k` hits with at most `per_article` of any one article, so one article can't crowd out the rest."""
    out: list[Hit] = []
    per: dict[str, int] = {}
    for hit in hits:
        if per.get(hit.chunk.article_id, 0) < per_article:
            per[hit.chunk.article_id] = per.get(hit.chunk.article_id, 0) + 1
            out.append(hit)
            if len(out) >= k:
                break
    return out
