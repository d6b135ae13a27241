"""The experimental genre encoder's reader (scripts/genre_encoder.py) checks an export before it loads it: a missing
or damaged file is an error naming it."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from genre_encoder import GenreEncoderModel

from qa.errors import GenreModelError


def _export(folder: Path, classes: list[str] | None = None) -> Path:
    folder.mkdir()
    files = {}
    for name, body in (("model.onnx", b"not really onnx"), ("tokenizer.json", b"{}")):
        (folder / name).write_bytes(body)
        files[name] = hashlib.sha256(body).hexdigest()
    manifest = {
        "files": files,
        "classes": classes or ["news", "opinion", "unknown"],
        "max_length": 160,
        "window_words": 110,
        "windows": 3,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_missing_manifest_is_named(tmp_path: Path) -> None:
    with pytest.raises(GenreModelError, match=r"manifest\.json is missing"):
        GenreEncoderModel(tmp_path)


def test_a_damaged_file_is_named(tmp_path: Path) -> None:
    folder = _export(tmp_path / "export")
    (folder / "model.onnx").write_bytes(b"changed")
    with pytest.raises(GenreModelError, match=r"model\.onnx is damaged"):
        GenreEncoderModel(folder)
    (folder / "model.onnx").unlink()
    with pytest.raises(GenreModelError, match=r"model\.onnx is missing"):
        GenreEncoderModel(folder)


def test_a_bad_manifest_is_named(tmp_path: Path) -> None:
    folder = _export(tmp_path / "export", classes=["news", "satire"])
    with pytest.raises(GenreModelError, match="classes"):
        GenreEncoderModel(folder)
    (folder / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(GenreModelError, match=r"manifest\.json is damaged"):
        GenreEncoderModel(folder)


def test_a_file_that_is_no_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(GenreModelError, match="cannot be loaded"):
        GenreEncoderModel(_export(tmp_path / "export"))
