"""Ids are stable and duplicates merge into the richest copy."""

from __future__ import annotations

import json
from pathlib import Path

from qa.ingest.corpus import article_id, canonical_url, read_articles
from qa.models import Draft


def _write(path: Path, *records: dict[str, object]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))


def test_same_url_merges_keeping_richest_metadata(tmp_path: Path) -> None:
    _write(
        tmp_path / "a.jsonl",
        {"text": "Short teaser of the story.", "url": "https://www.news.example/world/story?utm=x"},
        {
            "text": "The full story, with much more text in it than the teaser had.",
            "url": "https://news.example/world/story/",
            "authors": "Kim Lee",
            "date": "2024-01-02",
        },
    )
    [art] = read_articles([tmp_path]).articles
    assert art.text.startswith("The full story")
    assert art.authors == ("Kim Lee",) and str(art.published) == "2024-01-02"


def test_same_text_in_two_files_is_one_article(tmp_path: Path) -> None:
    _write(tmp_path / "a.jsonl", {"title": "T", "text": "Identical body, here."})
    _write(tmp_path / "b.jsonl", {"title": "T", "text": "identical   BODY here", "outlet": "Daily"})
    [art] = read_articles([tmp_path]).articles
    assert art.outlet == "Daily"


def test_ids_are_stable_and_url_based() -> None:
    a = Draft(title="x", text="y", source_path="p", url="https://News.example/a/?q=1#frag")
    b = Draft(title="other", text="z", source_path="q", url="https://news.example/a")
    assert canonical_url("HTTPS://WWW.News.example/a/") == "https://news.example/a"
    assert article_id(a) == article_id(b)
    assert len(article_id(a)) == 16
    assert article_id(Draft(title="x", text="y", source_path="p", id="given")) == "given"
    c = Draft(title="Same", text="y", source_path="p", outlet="O")
    assert article_id(c) == article_id(c.model_copy(update={"text": "other text"}))
