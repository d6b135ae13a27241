"""Shared helpers for the genre scripts: load the shared data sets and strip their genre cues."""

from __future__ import annotations

import gzip
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

# Lines a cue-free copy must lose (the list), matched case-insensitively.
_CUE_LINES = re.compile(r"opinion contributor|views expressed|read more opinion", re.I)
_TITLE_PREFIX = re.compile(r"^\s*(opinion|editorial|analysis|commentary|op-ed|column)\s*[:|\-–—]\s*", re.I)
# Fields that carry the answer key or a cue: removed before labelling.
LABEL_FIELDS = ("genre", "genre_detail", "genre_from_url_section")
CUE_FIELDS = ("url", "url_section", "section", "authors", "author", "byline", "source_file", "source_path")


def read_jsonl(path: Path) -> Iterator[dict[str, object]]:
    """Yield the records of a .jsonl or .jsonl.gz file."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def without_label(record: dict[str, object]) -> dict[str, object]:
    """The record as published, minus the answer key."""
    return {k: v for k, v in record.items() if k not in LABEL_FIELDS}


def strip_cues(record: dict[str, object]) -> dict[str, object]:
    """The record with no URL, section, byline or authors, no title prefix and no cue lines."""
    out = {k: v for k, v in without_label(record).items() if k not in CUE_FIELDS}
    out["title"] = _TITLE_PREFIX.sub("", str(out.get("title") or ""))
    lines = str(out.get("text") or "").split("\n")
    out["text"] = "\n".join(line for line in lines if not _CUE_LINES.search(line))
    return out


def training_label(record: dict[str, object], columns_as_opinion: bool = False) -> str | None:
    """The genre a news_corpus record trains as: "opinion" when the publisher filed it under opinion, "news"
    otherwise (news and other_non_opinion), as the shipped models were labelled. With `columns_as_opinion`, also
    "opinion" when its URL names an opinion-family section as the assistant's own URL cue reads it (a '/columnist/'
    or '/columns/' path under sports, tech or travel is a column, whatever the desk), and None (left out) when the
    URL names another genre (analysis, review, interview)."""
    from qa.ingest.genre import _url_cues
    from qa.models import OPINION_FAMILY

    if record["genre_from_url_section"] == "opinion":
        return "opinion"
    if not columns_as_opinion:
        return "news"
    strong, _ = _url_cues(str(record.get("url") or "") or None)
    genre = strong[0][0] if strong else "news"
    return "opinion" if genre in OPINION_FAMILY else "news" if genre == "news" else None


def squad_split(seed: int = 0) -> tuple[set[str], set[str]]:
    """(titles trained on, titles held out) of squad2/paragraphs.jsonl: a seeded half each."""
    titles = sorted({str(r["title"]) for r in read_jsonl(DATA / "squad2" / "paragraphs.jsonl")})
    random.Random(seed).shuffle(titles)
    half = len(titles) // 2
    return set(titles[:half]), set(titles[half:])
