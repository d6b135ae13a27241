"""HTML pages -> one Draft, through trafilatura plus the page's own JSON-LD and meta tags."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ...models import Draft, GenreSignals
from .base import Sink, clean_text, fallback_title
from .fields import parse_authors, parse_date

_META_GENRE = ("article:section", "og:type", "article:tag", "parsely-section", "category")


def _walk(node: object) -> Iterator[dict[str, object]]:
    """Every JSON-LD object, through lists and @graph."""
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, dict):
        yield node
        yield from _walk(node.get("@graph"))


def _jsonld(tree: object, path: str, sink: Sink) -> list[dict[str, object]]:
    objs: list[dict[str, object]] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):  # type: ignore[attr-defined]
        try:
            objs.extend(_walk(json.loads(script.text or "")))
        except ValueError:
            sink.warn(path, "a JSON-LD block is not valid JSON; ignored", getattr(script, "sourceline", None))
    return objs


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _genre_metadata(objs: list[dict[str, object]], tree: object, doc: dict[str, object]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for obj in objs:
        out += [("JSON-LD @type", t) for t in _strings(obj.get("@type"))]
        out += [("JSON-LD articleSection", s) for s in _strings(obj.get("articleSection"))]
    for name in _META_GENRE:
        for content in tree.xpath(f'//meta[@property="{name}" or @name="{name}"]/@content'):  # type: ignore[attr-defined]
            out.append((f"meta {name}", str(content)))
    for key in ("categories", "tags"):
        out += [(f"page {key}", c) for c in str(doc.get(key) or "").split(",") if c.strip()]
    return out


def _article_obj(objs: list[dict[str, object]]) -> dict[str, object]:
    for obj in objs:
        if any("Article" in t or "Posting" in t for t in _strings(obj.get("@type"))):
            return obj
    return {}


def read_html(data: str, path: str, sink: Sink) -> Draft | None:
    """A Draft from an HTML page; None (with a warning) when no article text can be extracted."""
    import lxml.html
    import trafilatura

    try:
        tree = lxml.html.fromstring(data)
    except (ValueError, lxml.etree.ParserError) as exc:  # type: ignore[attr-defined]
        sink.warn(path, f"not a readable HTML page ({exc}); skipped")
        return None
    found = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False, include_tables=False)
    doc: dict[str, object] = found.as_dict() if found is not None and hasattr(found, "as_dict") else {}
    # trafilatura puts one paragraph per line; make each a paragraph of ours, and drop a repeated headline.
    lines = [ln for ln in str(doc.get("text") or "").split("\n") if ln.strip()]
    if len(lines) > 1 and lines[0].strip() == str(doc.get("title") or "").strip():
        lines = lines[1:]
    text = clean_text("\n\n".join(lines))
    if not text:
        sink.warn(path, "no article text found in the HTML page; skipped")
        return None
    objs = _jsonld(tree, path, sink)
    art = _article_obj(objs)
    title = str(doc.get("title") or art.get("headline") or "").strip()
    authors, _ = parse_authors(art.get("author") or doc.get("author"))
    publisher = art.get("publisher")
    outlet = publisher.get("name") if isinstance(publisher, dict) else None
    url = str(doc.get("url") or art.get("url") or "") or None
    signals = GenreSignals(title=title, text=text, url=url, metadata=tuple(_genre_metadata(objs, tree, doc)))
    return Draft(
        title=title or fallback_title(text),
        text=text,
        source_path=path,
        authors=authors,
        outlet=str(outlet or doc.get("sitename") or "") or None,
        url=url,
        published=parse_date(art.get("datePublished") or doc.get("date")),
        signals=signals,
    )
