"""Filters as a SQL condition: fixed SQL text with %s placeholders, every value a parameter."""

from __future__ import annotations

from typing import Literal

from ...models import OPINION_FAMILY, Filters


def condition(filters: Filters | None, table: Literal["chunks", "articles"]) -> tuple[str, list[object]]:
    """(" AND ..." or "", parameters) restricting qa_chunks or qa_articles rows to articles passing `filters`.

    Outlet and author match without regard to case (both sides casefolded in Python, stored that way); an undated
    article never passes a date bound (NULL compares false)."""
    if filters is None or not filters.active:
        return "", []
    parts: list[str] = []
    args: list[object] = []
    if filters.genres:
        parts.append("genre = ANY(%s)")
        args.append(sorted({g for x in filters.genres for g in (OPINION_FAMILY if x == "opinion" else {x})}))
    if filters.outlet:
        parts.append("outlet_key = %s")
        args.append(filters.outlet.casefold())
    if filters.author:
        parts.append("strpos(authors_key, %s) > 0")
        args.append(filters.author.casefold())
    if filters.since:
        parts.append("published >= %s")
        args.append(filters.since)
    if filters.until:
        parts.append("published <= %s")
        args.append(filters.until)
    if filters.articles:
        parts.append("article_id = ANY(%s)" if table == "chunks" else "id = ANY(%s)")
        args.append(list(filters.articles))
    return "".join(f" AND {p}" for p in parts), args


def authors_key(authors: tuple[str, ...]) -> str:
    """The authors as the author filter searches them: casefolded, one per line (a match never spans two)."""
    return "\n".join(a.casefold() for a in authors)
