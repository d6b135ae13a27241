"""Encoders: the name an index records, identical chunks embedded once, and the int8 encoders against fp32."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import IndexMismatch, ModelNotFound
from qa.search.build import build_index
from qa.search.embed import HashEmbedder, load_embedder, model_name, split_name
from qa.search.index import Index

MINILM = "sentence-transformers/all-MiniLM-L6-v2"


class CountingEmbedder(HashEmbedder):
    """The hash embedder, remembering every text it was given."""

    def __init__(self) -> None:
        super().__init__(64)
        self.seen: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen.extend(texts)
        return super().embed(texts)


def test_the_index_records_the_encoder_with_the_model() -> None:
    assert model_name("default") == MINILM
    assert model_name("default", "openvino-int8") == f"{MINILM}@openvino-int8"
    assert model_name("hash-64", "onnx-int8") == "hash-64"
    for encoder in ("torch", "torch-bf16", "onnx", "onnx-int8", "openvino-int8"):
        assert split_name(model_name("default", encoder)) == ("default", encoder)
    assert split_name("/models/mine@onnx") == ("/models/mine", "onnx")


def test_an_unknown_encoder_is_a_clear_error() -> None:
    with pytest.raises(ModelNotFound, match="unknown encoder 'fp8'"):
        load_embedder("default", 64, "fp8")


def test_identical_chunks_are_embedded_once(tmp_path: Path) -> None:
    wire = (
        "The port of Alat handled 1.2 million tonnes of cargo last year, the operator said. "
        "A new quay of 400 metres opens in May. Ferries to Turkmenistan leave twice a week. "
        "The port employs 900 people. Its cranes came from Finland. Grain is the main cargo. "
        "Exports rose by a tenth. The harbour is dredged every spring. Storms closed it twice in winter. "
    )
    rows = [
        {
            "id": "w1",
            "title": "Alat port",
            "outlet": "Daily Planet",
            "text": wire + "Its director is Elnur Aliyev. "
            "He took over in 2021. The board meets in Baku. Tariffs were cut in June.",
        },
        {
            "id": "w2",
            "title": "Alat grows",
            "outlet": "Metropolis Gazette",
            "text": wire + "Rail links reach Georgia. "
            "Trains run daily to Tbilisi. A dry port is planned. Shippers welcomed the plan.",
        },
    ]
    corpus = tmp_path / "wire.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    embedder = CountingEmbedder()
    report = build_index([corpus], tmp_path / "idx", embedder=embedder)
    index = Index.load(tmp_path / "idx")
    texts = [c.text for c in index.chunks]
    repeated = [t for t in set(texts) if texts.count(t) > 1]
    assert repeated and report.duplicates == len(texts) - len(set(texts))
    assert len(embedder.seen) == len(set(texts)) == report.embedded - report.duplicates
    rows_of = [i for i, t in enumerate(texts) if t == repeated[0]]
    assert np.array_equal(index.vectors[rows_of[0]], index.vectors[rows_of[1]])


@pytest.mark.integration
@pytest.mark.parametrize("encoder", ["onnx-int8", "openvino-int8"])
def test_an_int8_encoder_keeps_the_vectors_and_the_index_knows_it(tmp_path: Path, encoder: str) -> None:
    settings = Settings(encoder=encoder, cache_dir=tmp_path / "cache")
    fast = load_embedder("default", 64, encoder, settings.cache_dir)
    exact = load_embedder("default")
    texts = [
        "How many anti-tank mines did ANAMA defuse last year?",
        "Azerbaijan's mine action agency cleared thousands of hectares of land in the Karabakh region in 2023.",
    ]
    cosine = np.sum(fast.embed(texts) * exact.embed(texts), axis=1)
    assert np.all(cosine > 0.98), cosine
    # the export is cached: a second embedder reuses the file
    files = sorted(p.name for p in (settings.cache_dir / "encoders").rglob("*") if p.is_file())
    load_embedder("default", 64, encoder, settings.cache_dir)
    assert sorted(p.name for p in (settings.cache_dir / "encoders").rglob("*") if p.is_file()) == files

    build_index([CORPUS], tmp_path / "idx", settings)
    index = Index.load(tmp_path / "idx")
    assert index.manifest.model == f"{MINILM}@{encoder}"
    assistant = Assistant.load(tmp_path / "idx", settings)
    assert assistant.retriever.embedder.name == index.manifest.model  # queries use the index's encoder
    answer = assistant.ask("How many anti-tank mines did ANAMA defuse?")
    assert answer.articles
    with pytest.raises(IndexMismatch, match="built with model"):
        Index.load(tmp_path / "idx", model=MINILM)
    # a build with another encoder embeds everything again rather than mixing vectors
    other = "torch" if encoder != "torch" else "onnx-int8"
    again = build_index([CORPUS], tmp_path / "idx", Settings(encoder=other, cache_dir=settings.cache_dir))
    assert again.embedded == again.chunks
