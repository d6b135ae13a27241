"""Scraped page text -> the page's main article and the teasers listed under it."""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...models import Draft, GenreSignals
from ..genre import label_genre
from .base import clean_text

# Lines that start the page's lists of other articles.
_SECTION_STARTS = frozenset(
    {
        "related articles",
        "related",
        "popular",
        "most read",
        "more from",
        "recommended",
        "read more",
        "you may also like",
        "latest",
        "latest news",
        "editor's choice",
    }
)
# Lines that are page furniture wherever they stand.
_FURNITURE = frozenset(
    {
        "editor's choice",
        "popular",
        "related articles",
        "related",
        "most read",
        "recommended",
        "advertisement",
        "share",
        "(click the image to read more)",
        "read more",
    }
)
_CLICK_MORE = re.compile(r"\s*\(click the image to read more\)\.?", re.I)
_PHOTO = re.compile(r"^(photo|image|picture|photo credit)\s*:", re.I)
_DISCLAIMER = re.compile(r"^the views expressed\b|\bdo not necessarily reflect\b", re.I)
_SOURCE = re.compile(r"^source\s*:", re.I)
_NAME = r"(?:Dr\.? |Prof\.? |Professor )?(?P<author>[A-Z][\w'’.-]+(?: [A-Z][\w'’.-]+){1,3})"
_OUTLET = r"(?P<outlet>[\w-]+(?:\.[\w-]+)+|[A-Z][\w]*(?: [A-Z][\w]*){0,3})"
_PIECE = r"(?:op-?ed|article|commentary|analysis|opinion piece|editorial|column|interview|report)"
# "writes Vasif Huseynov in this op-ed for commonspace.eu"
_WRITES = re.compile(rf"\b(?:writes|says|argues) {_NAME} in this {_PIECE} for {_OUTLET}")
# "This op-ed was prepared for commonspace.eu by Dr Vasif Huseynov, Head of ..."
_PREPARED = re.compile(
    rf"\bthis {_PIECE} was (?:prepared|written) (?:for|by) {_OUTLET} by {_NAME}(?:, (?P<role>.+?))?\.?$", re.I
)
_BY_LINE = re.compile(rf"^By {_NAME}(?:, (?P<role>[^,]+))?$")


def _norm(line: str) -> str:
    return line.strip().lower().replace("’", "'")


def _is_label(line: str) -> bool:
    return len(line.split()) <= 3 and label_genre(line) is not None


def _byline(lines: list[str]) -> dict[str, str]:
    """Author, outlet and role from the byline sentences of a page."""
    found: dict[str, str] = {}
    for line in lines:
        for pattern in (_PREPARED, _WRITES, _BY_LINE):
            if m := pattern.search(line):
                found.update({k: v.strip() for k, v in m.groupdict().items() if v and k not in found})
    return found


def _split_page(lines: list[str]) -> tuple[list[str], list[str]]:
    for i, line in enumerate(lines):
        if i > 0 and _norm(line) in _SECTION_STARTS:
            return lines[:i], lines[i:]
    return lines, []


def _main_article(lines: list[str], path: str) -> tuple[Draft, dict[str, str]]:
    title = lines[0].strip()
    body, meta_lines = [], []
    for line in lines[1:]:
        s = line.strip()
        if _PHOTO.match(s) or _DISCLAIMER.search(s) or _SOURCE.match(s):
            meta_lines.append(s)
        elif _norm(s) not in _FURNITURE:
            body.append(_CLICK_MORE.sub("", line))
    text = clean_text("\n".join(body))
    found = _byline(meta_lines + text.split("\n\n")[:2])
    signals = GenreSignals(title=title, text=text, byline=tuple(meta_lines))
    draft = Draft(
        title=title,
        text=text,
        source_path=path,
        line=1,
        authors=(found["author"],) if "author" in found else (),
        author_role=found.get("role"),
        outlet=found.get("outlet"),
        signals=signals,
    )
    return draft, found


def _teasers(lines: list[str], path: str, outlet: str | None, offset: int) -> Iterator[Draft]:
    label: str | None = None
    title: str | None = None
    start = 0
    summary: list[str] = []

    def flush() -> Iterator[Draft]:
        text = clean_text(_CLICK_MORE.sub("", " ".join(summary)))
        if title and text:
            yield Draft(
                title=title,
                text=text,
                source_path=path,
                line=start,
                outlet=outlet,
                kind="teaser",
                signals=GenreSignals(title=title, text=text, site_label=label),
            )

    for i, raw in enumerate(lines):
        s = raw.strip()
        if not s or (title and s == title and not summary):
            continue
        if _norm(s) in _FURNITURE or _is_label(s):
            yield from flush()
            label = s if _is_label(s) else None
            title, summary = None, []
        elif title is None:
            title, start = s, offset + i + 1
        else:
            summary.append(s)
    yield from flush()


def read_text_page(data: str, path: str) -> Iterator[Draft]:
    """The main article of a scraped page, then each teaser listed under it as an article of its own."""
    lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        return
    head, tail = _split_page(lines)
    article, found = _main_article(head, path)
    if article.text:
        yield article
    yield from _teasers(tail, path, found.get("outlet"), offset=len(head))
