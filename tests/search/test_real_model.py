"""The whole path with the real shipped model: build over corpus/, load, and find the answering chunk."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS

from qa.config import Settings
from qa.search.build import build_index
from qa.search.embed import load_embedder, model_name
from qa.search.index import Index


@pytest.mark.integration
def test_real_model_index_finds_the_answering_chunks(tmp_path: Path) -> None:
    report = build_index([CORPUS], tmp_path / "idx")
    assert report.embedded == report.chunks > 0
    encoder = Settings().encoder  # the default encoder, recorded with the model
    index = Index.load(tmp_path / "idx", model=model_name("default", encoder))
    questions = {
        "How many anti-tank mines did ANAMA defuse last year?": "4,133 anti-tank",
        "Who is blamed for the cyberattack on German air traffic control?": "holds Russia responsible",
        "What did the NATO chief warn about?": "Russia could attack a NATO country",
    }
    # the two nearest chunks: an int8 export's calibration is not bit-exact from one export to the next, and the
    # cyberattack question's top two chunks swap between exports (both are of the right article)
    hits = index.dense_search(load_embedder("default", 64, encoder).embed(list(questions)), 2)
    for (question, expected), found in zip(questions.items(), hits, strict=True):
        assert any(expected in index.chunks[row].text for row, _ in found), question


@pytest.mark.integration
def test_real_model_answers_and_abstains(tmp_path: Path) -> None:
    from qa.assistant import Assistant

    build_index([CORPUS], tmp_path / "idx")
    assistant = Assistant.load(tmp_path / "idx")
    answer = assistant.ask("How much will demining Azerbaijan cost?")
    assert not answer.abstained and "$25 billion" in answer.quotes[0].text
    assert answer.quotes[0].label == "Opinion — Vasif Huseynov, commonspace.eu; according to official assessments"
    rutte = assistant.ask("Who warned that Russia could attack a NATO country within five years?").quotes[0]
    assert rutte.speaker == "Mark Rutte" and rutte.label == "News report — commonspace.eu; Mark Rutte speaking"
    unrelated = assistant.ask("What is the capital of Peru?")
    assert unrelated.abstained and unrelated.summary == "The articles in this corpus don't answer that."
    # Ukraine is in the NATO article, not in the op-ed on Azerbaijan's landmines that answers best
    ukraine = assistant.ask("How many landmines has Ukraine cleared since 2022?")
    assert ukraine.abstained and ukraine.unmatched == () and ukraine.absent_from_best == ("Ukraine",)
    assert ukraine.nearby[0].genre == "opinion" and "landmines" in ukraine.nearby[0].text
