"""JSONL, JSON and gzipped JSON records -> Drafts; one bad line never costs the good ones."""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from ...models import Draft
from .base import Sink, decode
from .fields import record_to_draft

# Deeper nesting than this is refused before json can hit the recursion limit.
MAX_DEPTH = 200


def _open(path: Path) -> Iterator[bytes]:
    if path.name.endswith(".gz"):
        with gzip.open(path, "rb") as fh:
            yield from fh
    else:
        with path.open("rb") as fh:
            yield from fh


def _too_deep(raw: str) -> bool:
    depth = peak = 0
    for ch in raw:
        if ch in "[{":
            depth += 1
            peak = max(peak, depth)
        elif ch in "]}":
            depth -= 1
    return peak > MAX_DEPTH


def _loads(raw: str, label: str, sink: Sink, line: int | None) -> object:
    if _too_deep(raw):
        sink.warn(label, f"JSON nested deeper than {MAX_DEPTH} levels; skipped", line)
        return None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        sink.warn(label, f"invalid JSON ({exc.msg} at column {exc.colno}); skipped", line if line else exc.lineno)
    except (RecursionError, ValueError) as exc:
        sink.warn(label, f"unreadable JSON ({exc}); skipped", line)
    return None


def _draft(obj: object, label: str, line: int | None, sink: Sink) -> Draft | None:
    if not isinstance(obj, dict):
        sink.warn(label, f"expected a JSON object, got {type(obj).__name__}; skipped", line)
        return None
    return record_to_draft(obj, label, line, sink)


def read_jsonl(path: Path, label: str, sink: Sink) -> Iterator[Draft]:
    """Drafts from a JSON Lines file (plain or gzipped), one record per line."""
    try:
        for number, data in enumerate(_open(path), start=1):
            if not data.strip():
                continue
            obj = _loads(decode(data, label, sink, number), label, sink, number)
            if obj is not None and (draft := _draft(obj, label, number, sink)):
                yield draft
    except (OSError, EOFError, zlib.error) as exc:
        sink.warn(label, f"file ends early or is damaged ({exc}); the records before it were kept")


def read_json(path: Path, label: str, sink: Sink) -> Iterator[Draft]:
    """Drafts from a JSON document: one record, a list of them, or {"articles": [...]}."""
    try:
        data = b"".join(_open(path))
    except (OSError, EOFError, zlib.error) as exc:
        sink.warn(label, f"cannot read ({exc}); skipped")
        return
    text = decode(data, label, sink)
    if "\n" in text.strip() and text.lstrip().startswith("{") and not text.rstrip().endswith("]"):
        first_line = text.lstrip().split("\n", 1)[0]
        if _loads_quiet(first_line) is not None:
            # A .json file that is really JSON Lines, as many exports are.
            yield from read_jsonl(path, label, sink)
            return
    obj = _loads(text, label, sink, None)
    if isinstance(obj, dict) and isinstance(obj.get("articles"), list):
        obj = obj["articles"]
    if isinstance(obj, list):
        for i, item in enumerate(obj, start=1):
            # Warnings name the record's position, since a JSON document has no record per line.
            if draft := _draft(item, f"{label} (record {i})", None, sink):
                yield draft.model_copy(update={"source_path": label})
    elif obj is not None and (draft := _draft(obj, label, None, sink)):
        yield draft


def _loads_quiet(raw: str) -> object:
    try:
        return json.loads(raw)
    except ValueError:
        return None
