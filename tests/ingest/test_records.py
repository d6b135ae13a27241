"""JSONL, JSON and gzipped records: field names from the wild, and bad lines that cost nothing else."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from conftest import DATA

from qa.ingest.corpus import read_articles


def test_jsonl_fields_found_in_the_wild() -> None:
    result = read_articles([DATA / "records.jsonl"])
    by_title = {a.title: a for a in result.articles}
    bridge = by_title["Council approves new bridge budget"]
    assert bridge.id == "r1"
    assert bridge.authors == ("Ana Lopez", "Tom Reed")
    assert bridge.outlet == "Example Gazette"
    assert str(bridge.published) == "2024-03-05"
    assert bridge.genre == "news"
    untitled = by_title["Our city deserves better than another year of potholes."]
    assert untitled.authors == ("Maria Chen",)
    assert untitled.genre == "opinion"
    assert str(untitled.published) == "2024-03-07"
    assert len(untitled.id) == 16


def test_bad_lines_are_reported_with_file_and_line_and_the_rest_loads() -> None:
    result = read_articles([DATA / "records.jsonl"])
    assert len(result.articles) == 3
    where = [(Path(w.path).name, w.line) for w in result.warnings]
    assert where == [("records.jsonl", 3), ("records.jsonl", 4), ("records.jsonl", 5), ("records.jsonl", 6)]
    messages = [w.message for w in result.warnings]
    assert "no text" in messages[0] and "invalid JSON" in messages[1]
    assert "unreadable date" in messages[2] and "expected a JSON object" in messages[3]


def test_json_array_and_gzipped_jsonl(tmp_path: Path) -> None:
    records = [{"title": "A", "text": "Alpha text here."}, {"title": "B", "text": ""}, {"title": "C", "body": "Gamma."}]
    (tmp_path / "a.json").write_text(json.dumps(records))
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as fh:
        fh.write("\n".join(json.dumps({"id": f"z{i}", "text": f"Zed number {i}."}) for i in range(3)))
    result = read_articles([tmp_path])
    assert [a.title for a in result.articles] == ["A", "C", "Zed number 0.", "Zed number 1.", "Zed number 2."]
    assert [str(w) for w in result.warnings] == [
        f"{tmp_path / 'a.json'} (record 2): record has no text (looked for: text, body, content, maintext, "
        "article); skipped"
    ]


def test_truncated_gzip_keeps_records_before_the_damage(tmp_path: Path) -> None:
    body = "\n".join(json.dumps({"id": f"g{i}", "text": f"Record {i} " * 50}) for i in range(200)).encode()
    packed = gzip.compress(body)
    (tmp_path / "cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    result = read_articles([tmp_path])
    assert 0 < len(result.articles) < 200
    assert "damaged" in result.warnings[-1].message


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ("By Jane Doe", ("Jane Doe",)),
        ("Jane Doe and John Roe", ("Jane Doe", "John Roe")),
        (["Jane Doe", "John Roe"], ("Jane Doe", "John Roe")),
        ([["Jane Doe"], ["John Roe"]], ("Jane Doe", "John Roe")),
        ([{"name": "Jane Doe"}], ("Jane Doe",)),
        (None, ()),
    ],
)
def test_author_shapes(tmp_path: Path, authors: object, expected: tuple[str, ...]) -> None:
    (tmp_path / "a.jsonl").write_text(json.dumps({"text": "Some text.", "authors": authors}))
    assert read_articles([tmp_path]).articles[0].authors == expected


def test_every_shared_jsonl_loads(shared_data: Path) -> None:
    for path in sorted(shared_data.glob("*/*.jsonl")):
        result = read_articles([path])
        if "questions" in path.name:
            continue  # question files hold no articles; each line is reported, none crashes
        assert result.articles, path
        bad = [w for w in result.warnings if "no text" not in w.message]
        assert bad == [], path
