"""The reader: quotes shown only when they answer, abstention when none does, and the model files checked."""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from qa.answers.choose import AnswerBuilder
from qa.answers.reader import CONTEXT_SEPARATOR, DEFAULT_READER, OnnxReader, load_reader, passage_text, stacked
from qa.config import Settings
from qa.errors import ReaderModelError
from qa.models import Article, Hit
from qa.search.chunk import chunk_article
from qa.search.embed import HashEmbedder

EMB = HashEmbedder(64)
TEXT = (
    "The city of Metropolis runs 240 buses on 31 routes. "
    "Bus ridership rose by a tenth last year, the transit office said. "
    "The new depot in the harbour district opened in March. "
    "It can hold 80 buses, said transport chief Ron Troupe. "
    "Fares stay at two dollars."
)
ARTICLE = Article(id="a1", title="Buses", text=TEXT, outlet="Daily Planet", genre="news", source_path="x.jsonl")


class WordReader:
    """A deterministic reader for tests: a passage answers when its sentence (before the context) holds every
    one of the words the test says answer the question."""

    name = "word-reader"

    def __init__(self, answers: dict[str, tuple[str, ...]]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def score(self, question: str, passages: Sequence[str]) -> np.ndarray:
        self.calls.append(list(passages))
        words = self.answers.get(question, ())
        own = [p.split(CONTEXT_SEPARATOR)[0] for p in passages]
        return np.asarray([0.9 if words and all(w in s for w in words) else 0.02 for s in own], dtype=np.float32)


def _answer(question: str, reader: WordReader, **settings: object):
    hits = [
        Hit(row=i, chunk=c, score=1.0, similarity=0.5)
        for i, c in enumerate(chunk_article(ARTICLE, Settings(chunk_sentences=8)))
    ]
    builder = AnswerBuilder(EMB, Settings(**settings), reader)  # type: ignore[arg-type]
    return builder.build(question, hits, {ARTICLE.id: ARTICLE}, [ARTICLE.id])


def test_only_the_sentence_that_answers_is_quoted_with_its_probability() -> None:
    reader = WordReader({"How many buses does the new depot hold?": ("80 buses",)})
    answer = _answer("How many buses does the new depot hold?", reader)
    assert not answer.abstained
    assert len(answer.quotes) == 1  # the on-topic sentences about buses fall below the threshold
    quote = answer.quotes[0]
    assert "80 buses" in quote.text and quote.text == TEXT[quote.start : quote.end]
    assert quote.probability == pytest.approx(0.9)
    assert answer.confidence == pytest.approx(0.9)
    # the reader read each sentence with the one before it as context
    assert any(p.startswith("It can hold 80 buses") and CONTEXT_SEPARATOR in p for p in reader.calls[0])


def test_no_sentence_passing_the_threshold_is_an_abstention_with_nearby_passages() -> None:
    answer = _answer("How many trams does Metropolis have?", WordReader({}))
    assert answer.abstained and answer.quotes == ()
    assert answer.nearby and all(q.probability == pytest.approx(0.02) for q in answer.nearby)


def test_the_threshold_decides_what_is_shown() -> None:
    question = "How many buses does the new depot hold?"
    reader = WordReader({question: ("80 buses",)})
    assert _answer(question, reader, quote_threshold=0.95).abstained
    low = _answer("How many trams does Metropolis have?", reader, quote_threshold=0.01)
    assert not low.abstained and low.quotes  # everything passes a threshold that low


def test_reader_depth_limits_what_is_read() -> None:
    reader = WordReader({})
    _answer("Who is the transport chief?", reader, reader_depth=2)
    assert len(reader.calls[0]) == 2


def test_passage_text_puts_the_sentence_first() -> None:
    assert passage_text("B.", "A.") == f"B.{CONTEXT_SEPARATOR}A."
    assert passage_text("B.", None) == "B."


def test_none_keeps_the_hand_set_scorer() -> None:
    assert load_reader(None) is None and load_reader("none") is None
    builder = AnswerBuilder(EMB, Settings(reader=None))
    assert builder.reader is None


def test_a_missing_reader_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ReaderModelError, match="no-such-folder"):
        load_reader(str(tmp_path / "no-such-folder"))
    with pytest.raises(ReaderModelError, match="manifest"):
        OnnxReader(tmp_path)


def test_a_damaged_model_file_is_named(tmp_path: Path) -> None:
    copy = tmp_path / "reader"
    shutil.copytree(DEFAULT_READER, copy)
    model = copy / "model.onnx"
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(ReaderModelError, match=r"model\.onnx is damaged"):
        load_reader(str(copy))
    model.unlink()
    with pytest.raises(ReaderModelError, match=r"model\.onnx is missing"):
        OnnxReader(copy)
    (copy / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ReaderModelError, match=r"manifest\.json is damaged"):
        OnnxReader(copy)


def test_the_shipped_manifest_states_its_training_data_and_figures() -> None:
    manifest = json.loads((DEFAULT_READER / "manifest.json").read_text(encoding="utf-8"))
    assert {"model.onnx", "tokenizer.json"} <= set(manifest["files"])
    assert (DEFAULT_READER / "model.onnx").stat().st_size <= 30 * 1024 * 1024
    assert manifest["data"] and manifest["validation"] and manifest["never_trained_on"]


@pytest.mark.integration
def test_the_shipped_reader_tells_an_answer_from_a_topic() -> None:
    reader = load_reader("default")
    assert reader is not None and reader.name == "default"
    sentences = [
        passage_text("It can hold 80 buses, said transport chief Ron Troupe.", "The new depot opened in March."),
        passage_text("Fares stay at two dollars.", "It can hold 80 buses, said transport chief Ron Troupe."),
        passage_text("The city of Metropolis runs 240 buses on 31 routes.", None),
    ]
    probs = reader.score("Who is the transport chief of Metropolis?", sentences)
    assert probs.shape == (3,) and np.all((probs >= 0) & (probs <= 1))
    assert int(np.argmax(probs)) == 0
    # scores are cached: the same pairs again give the same figures
    assert np.allclose(reader.score("Who is the transport chief of Metropolis?", sentences), probs)


def test_the_shipped_reader_reads_a_question_longer_than_its_length() -> None:
    reader = OnnxReader(DEFAULT_READER)
    ask = "Who is the transport chief of Metropolis?"
    sentences = [passage_text("It can hold 80 buses, said transport chief Ron Troupe.", None), "Fares stay the same."]
    long = " ".join(["The city has had a long and eventful year of new routes and fares."] * 12) + " " + ask
    probs = reader.score(long, sentences)  # its front is cut, its end (the ask) kept, the passages read
    assert probs.shape == (2,) and np.all((probs >= 0) & (probs <= 1))
    assert reader._fitted(long).endswith(ask) and len(reader._fitted(long)) < len(long)
    assert reader._fitted(ask) == ask  # a question that fits is read whole


def test_a_stack_combines_the_reader_with_the_hand_set_score() -> None:
    reader = WordReader({})
    assert np.allclose(stacked(reader, np.asarray([0.2, 0.8]), [0.1, 0.9]), [0.2, 0.8])  # no stack: unchanged
    reader.stack = {"reader_logit": 1.0, "hand_set": 2.0, "bias": -1.0}  # type: ignore[attr-defined]
    got = stacked(reader, np.asarray([0.5, 0.5]), [0.0, 1.0])
    assert got == pytest.approx([1 / (1 + np.exp(1.0)), 1 / (1 + np.exp(-1.0))], rel=1e-5)


def test_eval_compares_the_hand_set_scorer_with_the_reader_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from conftest import CORPUS

    from qa.app.cli import main
    from qa.search.build import build_index

    build_index([CORPUS], tmp_path / "idx", settings=Settings(model="hash-256"))
    gold = tmp_path / "gold.jsonl"
    rows = [
        {"id": "1", "question": "How many anti-tank mines did ANAMA defuse?", "answers": ["anti-tank"]},
        {"id": "2", "question": "What is the recipe for plov?", "answers": [], "unanswerable": True},
    ]
    gold.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "report.json"
    argv = ["eval", "--gold", str(gold), "--index", str(tmp_path / "idx"), "--reader", "default", "--compare"]
    assert main([*argv, "--json", str(out)]) == 0
    assert capsys.readouterr().out.splitlines()[0].split() == ["metric", "bm25", "dense", "hybrid", "reader"]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["scorer"] == "default" and report["settings"]["reader"] == "default"
    assert report["baselines"]["hybrid"]["scorer"] == "hand-set"
    for r in (report, *report["baselines"].values()):
        assert r["quote_precision"] is None or 0.0 <= r["quote_precision"] <= 1.0
