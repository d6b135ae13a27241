"""A model folder exported by one of our training scripts: model.onnx, tokenizer.json and a manifest.json holding
a sha256 of every file, checked before anything is loaded (the shipped reader, and exports of the experimental
genre encoder). Every failure raises the caller's error type with a message naming the file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from .errors import QAError
from .search.index import sha256_file

REQUIRED = ("model.onnx", "tokenizer.json")


def read_manifest(folder: Path, what: str, error: type[QAError], hint: str) -> tuple[dict[str, Any], Path]:
    """(manifest, its path): the folder's manifest.json, with every file it lists present and matching its
    sha256. `what` names the model in messages ("reader"); `hint` says how to get the file back."""
    path = folder / "manifest.json"
    if not path.is_file():
        raise error(f"{what} manifest {path} is missing: {hint}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        files: dict[str, str] = dict(manifest["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise error(f"{what} manifest {path} is damaged: {exc}") from exc
    for name in REQUIRED:
        if name not in files:
            raise error(f"{what} manifest {path} lists no {name}")
    for name, digest in files.items():
        file = folder / name
        if not file.is_file():
            raise error(f"{what} file {file} is missing: {hint}")
        if sha256_file(file) != digest:
            raise error(f"{what} file {file} is damaged (its sha256 does not match {path})")
    return manifest, path


def open_model(folder: Path, what: str, error: type[QAError], threads: int | None = None) -> tuple[Any, Any]:
    """(tokenizer, onnxruntime session) of a checked folder, on the CPU with `threads` (at most 4 by default)."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(4, os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime and tokenizers raise their own types for a bad file
        raise error(f"{what} model in {folder} cannot be loaded: {exc}") from exc
    return tokenizer, session
