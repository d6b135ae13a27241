"""The search backend contract: what retrieval, answers and the app need from an index, wherever it lives.

Two backends implement it: the local folder index (search/index.py, FAISS + bm25s + SQLite) and PostgreSQL with
pgvector (search/pg/). Everything above (fusion, recency, diversity, answers, conversations, evaluation) talks to
this protocol only. A chunk is named by its row: a position in the folder index, a chunk id in the database.
"""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from ..config import Settings
from ..models import Article, Chunk, Filters
from .index import Looked, Manifest

# Where an index lives: a folder, or a PostgreSQL connection string.
Location = Path | str
_URI = re.compile(r"^postgres(ql)?://", re.IGNORECASE)

# (id, genre, outlet, authors, ISO date) of one article.
ArticleMeta = tuple[str, str, str | None, tuple[str, ...], str | None]


class SearchBackend(Protocol):
    """An opened index. Searches take the same Filters, applied inside each search (never after truncation)."""

    manifest: Manifest

    @property
    def where(self) -> str:
        """Where the index lives, fit to show (a connection string without its password)."""
        ...

    def dense_search(
        self, queries: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[list[tuple[int, float]]]:
        """The best `k` (row, inner product) of each query vector."""
        ...

    def bm25_search(self, queries: list[str], k: int, filters: Filters | None = None) -> list[list[tuple[int, float]]]:
        """The best `k` (row, BM25 score > 0) of each query."""
        ...

    def lookup(self, rows: list[int], vector: np.ndarray | None = None) -> dict[int, Looked]:
        """The chunks of `rows` (rows no longer in the index are left out), with their similarity to `vector`."""
        ...

    def stored_vectors(self, rows: list[int]) -> dict[int, np.ndarray]:
        """The stored embeddings of `rows` (rows no longer in the index are left out)."""
        ...

    def article(self, article_id: str) -> Article | None:
        """One article by id."""
        ...

    def articles(self, limit: int | None = None) -> list[Article]:
        """Articles in build order, the first `limit` of them when given."""
        ...

    def article_ids(self, filters: Filters | None = None) -> list[str]:
        """Ids of the articles that pass `filters` (all without)."""
        ...

    def article_meta(self) -> list[ArticleMeta]:
        """(id, genre, outlet, authors, ISO date) of every article."""
        ...

    def chunks_of(self, article_id: str) -> list[tuple[int, Chunk]]:
        """(row, chunk) of one article, in text order."""
        ...

    def snapshot(self) -> AbstractContextManager[None]:
        """A block whose reads all see one state of the index, even while a build writes to it."""
        ...

    def close(self) -> None:
        """Release files or connections."""
        ...


def is_database(where: Location | None) -> bool:
    """Whether `where` is a PostgreSQL connection string rather than a folder."""
    return isinstance(where, str) and bool(_URI.match(where))


def location(text: str) -> Location:
    """A command-line --index value: a connection string stays a string, anything else is a folder."""
    return text if is_database(text) else Path(text)


def redact(uri: str) -> str:
    """A connection string fit to print: the password replaced by ***."""
    try:
        parts = urlsplit(uri)
    except ValueError:
        return "postgresql://***"
    if parts.password is None:
        return uri
    netloc = parts.netloc.rsplit("@", 1)
    user = netloc[0].split(":", 1)[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc[1]}"))


def open_index(
    where: Location, model: str | None = None, verify: bool = True, settings: Settings | None = None
) -> SearchBackend:
    """Open the index at `where` (a folder or a postgresql:// URI); `model`, when given, must be its model.
    For a database, searches go to `settings.search_replica` when set (writes never do)."""
    if is_database(where):
        from .pg.index import PgIndex

        s = settings or Settings()
        return PgIndex.open(str(where), model=model, replica=s.search_replica, ef_search=s.hnsw_ef_search)
    from .index import Index

    return Index.load(Path(where), model=model, verify=verify)
