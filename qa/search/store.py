"""The article and chunk store: one SQLite file, JSON rows, opened read-only for queries."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

from ..errors import IndexCorrupt
from ..models import Article, Chunk

_SCHEMA = """
CREATE TABLE articles (id TEXT PRIMARY KEY, ord INTEGER NOT NULL, text_hash TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE chunks (row INTEGER PRIMARY KEY, id TEXT NOT NULL, article_id TEXT NOT NULL,
                     start INTEGER NOT NULL, end INTEGER NOT NULL, sentences TEXT NOT NULL);
CREATE INDEX chunks_article ON chunks(article_id);
"""


def write_store(path: Path, articles: Iterable[tuple[Article, str]], chunks: Iterable[Chunk]) -> None:
    """Create the store at `path` from (article, text hash) pairs and chunks (row = position)."""
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?)",
            ((a.id, i, h, a.model_dump_json()) for i, (a, h) in enumerate(articles)),
        )
        con.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?)",
            ((i, c.id, c.article_id, c.start, c.end, json.dumps(c.sentences)) for i, c in enumerate(chunks)),
        )
        con.commit()
    finally:
        con.close()


class Store:
    """Read-only access to a written store; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self._con.execute("SELECT count(*) FROM articles").fetchone()
        except sqlite3.Error as exc:
            raise IndexCorrupt(f"{path}: cannot open the article store ({exc}); rebuild with `qa build`") from exc

    def _query(self, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        try:
            with self._lock:
                return self._con.execute(sql, args).fetchall()
        except sqlite3.Error as exc:
            raise IndexCorrupt(f"{self.path}: the article store is damaged ({exc}); rebuild with `qa build`") from exc

    def article(self, article_id: str) -> Article | None:
        """One article by id, or None."""
        rows = self._query("SELECT data FROM articles WHERE id = ?", (article_id,))
        return Article.model_validate_json(str(rows[0][0])) if rows else None

    def articles(self, limit: int | None = None) -> list[Article]:
        """Every article in build order, or the first `limit`."""
        rows = self._query("SELECT data FROM articles ORDER BY ord LIMIT ?", (-1 if limit is None else limit,))
        return [Article.model_validate_json(str(r[0])) for r in rows]

    def article_meta(self) -> list[tuple[str, str, str | None, tuple[str, ...], str | None]]:
        """(id, genre, outlet, authors, published ISO date) of every article, without loading texts."""
        rows = self._query(
            "SELECT id, json_extract(data, '$.genre'), json_extract(data, '$.outlet'), "
            "json_extract(data, '$.authors'), json_extract(data, '$.published') FROM articles"
        )
        return [
            (
                str(i),
                str(g),
                None if o is None else str(o),
                tuple(json.loads(str(a or "[]"))),
                None if p is None else str(p),
            )
            for i, g, o, a, p in rows
        ]

    def chunks(self) -> list[Chunk]:
        """Every chunk, in row order, with its text filled from its article."""
        texts = {str(i): str(t) for i, t in self._query("SELECT id, json_extract(data, '$.text') FROM articles")}
        out = []
        for _row, cid, aid, start, end, sents in self._query("SELECT * FROM chunks ORDER BY row"):
            s, e, a = int(start), int(end), str(aid)  # type: ignore[call-overload]
            spans = tuple((int(x), int(y)) for x, y in json.loads(str(sents)))
            out.append(Chunk(id=str(cid), article_id=a, start=s, end=e, text=texts[a][s:e], sentences=spans))
        return out

    def close(self) -> None:
        """Close the connection."""
        self._con.close()
