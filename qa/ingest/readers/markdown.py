"""Markdown with YAML front matter -> one Draft."""

from __future__ import annotations

import re

import yaml

from ...models import Draft
from .base import Sink, clean_text
from .fields import record_to_draft

_FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)
_H1 = re.compile(r"\A#\s+(.+?)\s*#*\s*(?:\n|\Z)")
_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_HEADING = re.compile(r"^#{1,6}\s+(.*?)\s*#*\s*$", re.M)
_EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")
_QUOTE_MARK = re.compile(r"^>\s?", re.M)
_HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


def markdown_to_text(body: str) -> str:
    """Plain text of a Markdown body: headings, links and emphasis kept as words, images and tags dropped."""
    body = _IMAGE.sub("", body)
    body = _LINK.sub(r"\1", body)
    body = _HEADING.sub(r"\1", body)
    body = _EMPHASIS.sub(r"\2", body)
    body = _QUOTE_MARK.sub("", body)
    return clean_text(_HTML_TAG.sub("", body))


def read_markdown(data: str, path: str, sink: Sink) -> Draft | None:
    """A Draft from a Markdown file; front matter supplies the metadata, a leading '# ' heading the title."""
    data = data.replace("\r\n", "\n")
    meta: dict[str, object] = {}
    body_start_line = 1
    if m := _FRONT.match(data):
        try:
            loaded = yaml.safe_load(m.group(1) or "")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 2 if mark is not None else None
            sink.warn(path, f"front matter is not valid YAML ({getattr(exc, 'problem', exc)}); ignored", line)
            loaded = None
        if isinstance(loaded, dict):
            meta = {str(k): v for k, v in loaded.items()}
        elif loaded is not None:
            sink.warn(path, "front matter is not a mapping of fields; ignored", 2)
        body_start_line = data[: m.end()].count("\n") + 1
        data = data[m.end() :]
    body = data.lstrip("\n")
    if (h1 := _H1.match(body)) and (not meta.get("title") or h1.group(1).strip() == str(meta.get("title")).strip()):
        meta.setdefault("title", h1.group(1).strip())
        body = body[h1.end() :]
    for key in ("date", "published", "publish_date"):
        if key in meta and not isinstance(meta[key], (str, int, float)) and meta[key] is not None:
            meta[key] = str(meta[key])  # YAML turns 2024-05-01 into a date object
    record = {**meta, "text": markdown_to_text(body)}
    return record_to_draft(record, path, body_start_line, sink)
