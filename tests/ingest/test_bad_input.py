"""Bad files never crash the reader and never cost the good records beside them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import CorpusError
from qa.ingest.corpus import read_articles

GOOD = json.dumps({"id": "good", "title": "Good", "text": "A good record."})


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.jsonl", b"", "empty file"),
        ("blob.txt", b"\x00\x01\x02binary\x00data", "binary file"),
        ("notes.docx", b"PK\x03\x04", "unknown file type"),
        ("latin.txt", "Caf\u00e9 page\n\nNa\u00efve body text.".encode("latin-1"), "not valid UTF-8"),
        ("bad.json", b'{"title": "x", ', "invalid JSON"),
        ("deep.jsonl", b"[" * 500 + b"]" * 500 + b"\n", "nested deeper"),
        ("notext.jsonl", b'{"title": "Only a title"}\n', "no text"),
        ("scalar.json", b"42", "expected a JSON object"),
    ],
)
def test_bad_file_is_reported_and_good_file_still_loads(
    tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    (tmp_path / "z-good.jsonl").write_text(GOOD + "\n")
    result = read_articles([tmp_path])
    assert "good" in [a.id for a in result.articles]
    assert any(w.path.endswith(name) and message in w.message for w in result.warnings), result.warnings


def test_wrong_encoding_is_decoded_with_replacement(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes("Caf\u00e9 page\n\nNa\u00efve body text.".encode("latin-1"))
    [art] = read_articles([tmp_path]).articles
    assert art.title == "Caf\ufffd page" and art.text == "Na\ufffdve body text."


def test_nul_bytes_inside_a_json_string_are_dropped(tmp_path: Path) -> None:
    (tmp_path / "nul.jsonl").write_text(json.dumps({"text": "a\u0000b text"}) + "\n")
    assert read_articles([tmp_path]).articles[0].text == "ab text"


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"nope\.jsonl: no such file"):
        read_articles([tmp_path / "nope.jsonl"])


def test_hidden_files_are_skipped(tmp_path: Path) -> None:
    (tmp_path / ".cache.jsonl").write_text(GOOD + "\n")
    assert read_articles([tmp_path]).articles == ()
