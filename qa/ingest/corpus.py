"""Files and folders -> Articles: dispatch by format, settle ids and genres, merge duplicates. No ML."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

from ..config import HTML_SUFFIXES, JSON_SUFFIXES, MARKDOWN_SUFFIXES, TEXT_SUFFIXES, Settings
from ..errors import CorpusError
from ..models import Article, Draft, GenreDecision, GenreSignals, ReadResult
from .genre import PENDING_EVIDENCE, classify, needs_text_vector
from .genre_model import reader_for
from .readers.base import Sink, decode, looks_binary
from .readers.fields import date_from_url
from .readers.html import read_html
from .readers.markdown import read_markdown
from .readers.records import read_json, read_jsonl
from .readers.textpage import read_text_page

SUPPORTED = TEXT_SUFFIXES + JSON_SUFFIXES + MARKDOWN_SUFFIXES + HTML_SUFFIXES


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in sorted(SUPPORTED, key=len, reverse=True) if name.endswith(s)), path.suffix.lower())


def iter_files(paths: Iterable[Path], sink: Sink) -> Iterator[Path]:
    """Every file under `paths`, folders walked in sorted order, hidden files skipped."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                rel = child.relative_to(path)
                if child.is_file() and not any(part.startswith(".") for part in rel.parts):
                    yield child
        elif path.is_file():
            yield path
        else:
            raise CorpusError(f"{path}: no such file or folder")


def read_file(path: Path, sink: Sink, settings: Settings) -> Iterator[Draft]:
    """The Drafts in one file; problems go to `sink`, never up as exceptions."""
    label, kind = str(path), _suffix(path)
    if kind not in SUPPORTED:
        sink.warn(label, f"unknown file type '{kind or path.name}'; skipped (reads: {', '.join(SUPPORTED)})")
        return
    size = path.stat().st_size
    if size == 0:
        sink.warn(label, "empty file; skipped")
        return
    if size > settings.max_file_bytes:
        sink.warn(label, f"file is {size} bytes, over the {settings.max_file_bytes}-byte limit; skipped")
        return
    if kind in (".jsonl", ".ndjson", ".jsonl.gz"):
        yield from read_jsonl(path, label, sink)
        return
    if kind in (".json", ".json.gz"):
        yield from read_json(path, label, sink)
        return
    data = path.read_bytes()
    if looks_binary(data):
        sink.warn(label, "looks like a binary file (NUL bytes), not text; skipped")
        return
    text = decode(data, label, sink)
    if kind in TEXT_SUFFIXES:
        yield from read_text_page(text, label)
    elif kind in MARKDOWN_SUFFIXES:
        yield from filter(None, [read_markdown(text, label, sink)])
    else:
        yield from filter(None, [read_html(text, label, sink)])


def canonical_url(url: str) -> str:
    """The URL without query, fragment, trailing slash or case differences in scheme and host."""
    parts = urlsplit(url.strip())
    return urlunsplit(
        (parts.scheme.lower() or "https", parts.netloc.lower().removeprefix("www."), parts.path.rstrip("/"), "", "")
    )


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]


def article_id(draft: Draft) -> str:
    """The record's id, else a stable hash of its canonical URL, else of title + outlet + date."""
    if draft.id:
        return draft.id
    if draft.url:
        return _digest(canonical_url(draft.url))
    return _digest(draft.title.strip().lower(), (draft.outlet or "").lower(), str(draft.published or ""))


def finish(draft: Draft, settings: Settings, defer: bool = False) -> Article:
    """Settle a Draft's id, genre and date (a record without one takes the date its URL's path spells out). With
    `defer`, an article the text model must read with its embedding is left pending (genre "unknown", evidence
    PENDING_EVIDENCE) for label_pending to settle from the chunk vectors a build makes."""
    reader = reader_for(settings)
    if defer and needs_text_vector(draft.signals, reader, settings.opinion_threshold):
        decision = GenreDecision(genre="unknown", evidence=(PENDING_EVIDENCE,))
    else:
        decision = classify(draft.signals, threshold=settings.opinion_threshold, reader=reader)
    return Article(
        id=article_id(draft),
        title=draft.title,
        text=draft.text,
        authors=draft.authors,
        author_role=draft.author_role,
        outlet=draft.outlet,
        published=draft.published or date_from_url(draft.url),
        url=draft.url,
        genre=decision.genre,
        genre_evidence=decision.evidence,
        kind=draft.kind,
        source_path=draft.source_path if draft.line is None else f"{draft.source_path}:{draft.line}",
    )


def _text_key(text: str) -> str:
    return _digest(re.sub(r"\W+", " ", text.lower()).strip())


def _richness(article: Article) -> tuple[int, int, int]:
    filled = sum(bool(v) for v in (article.authors, article.outlet, article.published, article.url))
    cue = not article.genre_evidence or not article.genre_evidence[0].startswith("no genre cue")
    return (article.kind == "article", filled + int(cue), len(article.text))


def merge(a: Article, b: Article) -> Article:
    """One article from two copies: the richer copy wins, and its empty fields are filled from the other."""
    best, other = (a, b) if _richness(a) >= _richness(b) else (b, a)
    update: dict[str, object] = {}
    for name in ("authors", "author_role", "outlet", "published", "url"):
        if not getattr(best, name) and getattr(other, name):
            update[name] = getattr(other, name)
    if best.genre == "unknown" and other.genre != "unknown":
        update.update(genre=other.genre, genre_evidence=other.genre_evidence)
    return best.model_copy(update=update)


def dedupe(articles: Iterable[Article]) -> list[Article]:
    """Merge articles that share an id, a canonical URL or a normalised text; first-seen order is kept."""
    kept: list[Article] = []
    where: dict[str, int] = {}
    for art in articles:
        keys = [f"id:{art.id}", f"text:{_text_key(art.text)}"] + ([f"url:{canonical_url(art.url)}"] if art.url else [])
        slot = next((where[k] for k in keys if k in where), None)
        if slot is None:
            slot = len(kept)
            kept.append(art)
        else:
            kept[slot] = merge(kept[slot], art)
        for key in keys:
            where.setdefault(key, slot)
    return kept


def read_articles(
    paths: Iterable[Path | str], settings: Settings | None = None, defer_text_genre: bool = False
) -> ReadResult:
    """Read every supported file under `paths` into deduplicated Articles, with the warnings met.
    `defer_text_genre`: leave the articles the text model reads with its embedding pending (see finish); whoever
    asks for this must call label_pending before the articles go anywhere."""
    settings = settings or Settings()
    sink = Sink()
    found: list[Article] = []
    for path in iter_files([Path(p) for p in paths], sink):
        try:
            found.extend(finish(d, settings, defer_text_genre) for d in read_file(path, sink, settings))
        except OSError as exc:
            sink.warn(str(path), f"cannot read ({exc.strerror or exc}); skipped")
    return ReadResult(articles=tuple(dedupe(found)), warnings=tuple(sink.warnings))


def is_pending(article: Article) -> bool:
    """True for an article read with defer_text_genre whose genre waits for its chunk vectors."""
    return article.genre_evidence == (PENDING_EVIDENCE,)


def label_pending(
    articles: Sequence[Article], first_vectors: Callable[[Article], np.ndarray | None], settings: Settings
) -> list[Article]:
    """The articles with every pending genre settled by the text model: from `first_vectors(article)` (the mean
    of its first chunk vectors, made with the shipped model) when that gives one, else from the text embedded
    here. Articles not pending are returned as they are."""
    reader = reader_for(settings)
    out = []
    for article in articles:
        if is_pending(article):
            signals = GenreSignals(title=article.title, text=article.text)
            decision = classify(signals, settings.opinion_threshold, reader=reader, vector=first_vectors(article))
            article = article.model_copy(update={"genre": decision.genre, "genre_evidence": decision.evidence})
        out.append(article)
    return out
