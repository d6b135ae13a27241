"""The optional reranker: it reorders the best hits when configured, and a missing model is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import ModelNotFound
from qa.search.build import build_index
from qa.search.embed import HashEmbedder
from qa.search.index import Index

GERMANY = "a2ba43cb632bbe23"


class PrefersGRU:
    """A stand-in cross-encoder: passages naming the GRU first."""

    def __init__(self) -> None:
        self.calls = 0

    def score(self, question: str, texts: list[str]) -> list[float]:
        self.calls += 1
        return [1.0 if "GRU" in t else 0.0 for t in texts]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("rr")
    build_index([CORPUS], folder, settings=Settings(model="hash-64"))
    return folder


def test_reranker_reorders_the_best_hits(index_dir: Path) -> None:
    settings = Settings(model="hash-64", reader=None, abstain_below=-1.0)
    plain = Assistant(Index.load(index_dir), HashEmbedder(64), settings)
    question = "How many anti-tank mines did ANAMA defuse last year?"
    assert plain.ask(question).articles[0] != GERMANY
    reranker = PrefersGRU()
    reranked = Assistant(Index.load(index_dir), HashEmbedder(64), settings, reranker=reranker)
    answer = reranked.ask(question)
    assert reranker.calls == 1 and answer.articles[0] == GERMANY


def test_no_reranker_by_default(index_dir: Path) -> None:
    assert Settings().reranker is None
    assert Assistant(Index.load(index_dir), HashEmbedder(64), Settings(model="hash-64")).reranker is None


def test_missing_reranker_model_is_a_clear_error(index_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match=r"reranker model .* is not a local folder"):
        Assistant(Index.load(index_dir), HashEmbedder(64), Settings(reranker=str(tmp_path / "no-such-model")))
