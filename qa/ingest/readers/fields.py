"""Map a record's fields, named as found in the wild, onto a Draft."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from dateutil import parser as dateparser

from ...models import Draft, GenreSignals
from .base import Sink, clean_text, fallback_title

TITLE_KEYS = ("title", "headline")
TEXT_KEYS = ("text", "body", "content", "maintext", "article")
AUTHOR_KEYS = ("authors", "author", "byline", "creator")
DATE_KEYS = ("published", "date", "publish_date", "published_at", "date_publish", "datePublished", "pubdate")
URL_KEYS = ("url", "link", "canonical_url")
OUTLET_KEYS = ("outlet", "publisher", "source", "site", "sitename", "site_name", "source_domain")
GENRE_KEYS = ("genre", "type", "section", "url_section", "category", "categories", "articleSection")
_BY = re.compile(r"^\s*(?:by|written by)\s+", re.I)
_OPINION_PREFIX = re.compile(r"^\s*opinion(?:\s+by)?\s+(?=[A-Z])", re.I)
_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b|\n)\s*")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
# A date in a URL's path, as news sites write it: /2022/06/12/, /2022-06-12/, /2022/jun/12/ (The Guardian).
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](\d{1,2}|" + "|".join(_MONTHS) + r")[/-](\d{1,2})(?=[/-]|$)", re.I)


def first(record: Mapping[str, object], keys: tuple[str, ...]) -> object:
    """The value of the first key present and not empty."""
    for key in keys:
        value = record.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _flatten(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Mapping):
        return _flatten(value.get("name"))
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _flatten(item)]
    return []


def parse_authors(value: object) -> tuple[tuple[str, ...], list[str]]:
    """(author names, label cues) from a string, list, nested lists or {"name": ...} objects."""
    names: list[str] = []
    cues: list[str] = []
    for raw in _flatten(value):
        if _OPINION_PREFIX.match(raw):
            cues.append("Opinion")
            raw = _OPINION_PREFIX.sub("", raw)
        parts = _SPLIT.split(_BY.sub("", raw)) if len(raw) < 200 else []
        names.extend(p.strip(" .") for p in parts if 1 < len(p.strip(" .")) <= 80)
    return tuple(dict.fromkeys(names)), cues


def date_from_url(url: str | None) -> dt.date | None:
    """The publication date a news URL's path spells out ("/2022/06/12/" -> 2022-06-12), else None."""
    if not url:
        return None
    path = url.split("?", 1)[0].split("#", 1)[0]
    for m in _URL_DATE.finditer(path):
        year, month, day = m.groups()
        number = _MONTHS.index(month.lower()) + 1 if month.isalpha() else int(month)
        try:
            return dt.date(int(year), number, int(day))
        except ValueError:
            continue
    return None


def parse_date(value: object) -> dt.date | None:
    """A date from an ISO string, a loose date string or a Unix timestamp; None when it can't be read."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return dt.datetime.fromtimestamp(float(value), tz=dt.UTC).date()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        pass
    try:
        return dateparser.parse(value, fuzzy=False).date()
    except (ValueError, OverflowError, TypeError):
        return None


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return "\n\n".join(v for v in value if isinstance(v, str))
    return ""


def _genre_metadata(record: Mapping[str, object]) -> tuple[tuple[str, str], ...]:
    out = []
    for key in GENRE_KEYS:
        for value in _flatten(record.get(key)):
            if value.strip():
                out.append((f"field '{key}'", value.strip()))
    return tuple(out)


def record_to_draft(record: Mapping[str, object], path: str, line: int | None, sink: Sink) -> Draft | None:
    """A Draft from one record, or None (with a warning) when it has no text."""
    text = clean_text(_as_text(first(record, TEXT_KEYS)))
    if not text:
        sink.warn(path, "record has no text (looked for: " + ", ".join(TEXT_KEYS) + "); skipped", line)
        return None
    raw_title = first(record, TITLE_KEYS)
    title = clean_text(raw_title).replace("\n", " ") if isinstance(raw_title, str) else ""
    authors, cues = parse_authors(first(record, AUTHOR_KEYS))
    raw_date = first(record, DATE_KEYS)
    published = parse_date(raw_date)
    if raw_date is not None and published is None:
        sink.warn(path, f"unreadable date {str(raw_date)[:40]!r}; left empty", line)
    url, outlet, rid = first(record, URL_KEYS), first(record, OUTLET_KEYS), record.get("id")
    url = url if isinstance(url, str) else None
    outlets = _flatten(outlet)
    metadata = _genre_metadata(record) + tuple(("author field prefix", c) for c in cues)
    return Draft(
        title=title or fallback_title(text),
        text=text,
        source_path=path,
        line=line,
        id=str(rid) if isinstance(rid, (str, int)) and str(rid).strip() else None,
        authors=authors,
        outlet=outlets[0].strip() if outlets else None,
        published=published,
        url=url,
        signals=GenreSignals(title=title, text=text, url=url, metadata=metadata),
    )
