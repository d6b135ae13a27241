"""Property-based tests (hypothesis): random and mutated files never crash the reader or cost a good record,
and random questions get an answer, an abstention or a clear error while the assistant keeps answering."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from conftest import CORPUS, DATA
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import QAError
from qa.ingest.corpus import read_articles
from qa.search.build import build_index

FIXTURES = sorted(p for p in DATA.iterdir() if p.is_file())
GOOD = {"id": "good-1", "title": "A good record", "text": "A good record that must always load."}

junk_line = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.sampled_from(
        [
            '{"title": "x", ',
            "[" * 300 + "]" * 300,
            '{"title": "only a title"}',
            '{"text": ""}',
            "42",
            "null",
            '"a string"',
            '{"text": "<script>alert(1)</script>", "title": 7}',
            "\x00\x00\x00",
            "x" * 20_000,
        ]
    ),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(before=st.lists(junk_line, max_size=5), after=st.lists(junk_line, max_size=5))
def test_jsonl_with_junk_lines_keeps_the_good_record(before: list[str], after: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "mixed.jsonl"
        lines = [*(line.replace("\n", " ").replace("\r", " ") for line in before), json.dumps(GOOD)]
        lines += [line.replace("\n", " ").replace("\r", " ") for line in after]
        path.write_bytes("\n".join(lines).encode("utf-8", "surrogatepass"))
        result = read_articles([path])
        assert "good-1" in [a.id for a in result.articles]
        for warning in result.warnings:
            assert warning.path == str(path) and warning.message
            assert warning.line is None or 1 <= warning.line <= len(lines)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, bytes]:
    """A fixture file of some format, truncated, with bytes flipped or NULs and junk inserted."""
    source = draw(st.sampled_from(FIXTURES))
    data = bytearray(source.read_bytes())
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["truncate", "flip", "nul", "insert", "latin1"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            del data[at:]
        elif kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "nul":
            data[at:at] = b"\x00" * draw(st.integers(1, 8))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            data = bytearray(data.decode("utf-8", "replace").encode("latin-1", "replace"))
    return source.name, bytes(data)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=mutated())
def test_mutated_files_of_every_format_never_crash(case: tuple[str, bytes]) -> None:
    name, data = case
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / f"m-{name}").write_bytes(data)
        (Path(tmp) / "z-good.jsonl").write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
        result = read_articles([Path(tmp)])
        assert "good-1" in [a.id for a in result.articles]
        for article in result.articles:
            assert article.text.strip() and "\x00" not in article.text
        for warning in result.warnings:
            assert warning.path.endswith(f"m-{name}") and warning.message


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index_dir = tmp_path_factory.mktemp("fuzz-idx")
    build_index([CORPUS], index_dir, settings=Settings(model="hash-256"))
    return Assistant.load(index_dir, Settings(reader=None, abstain_below=0.1))


questions = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["Cc", "Cf", "Zs", "Po"]), max_size=100),
    st.sampled_from(
        [
            "地雷はいくつ除去されましたか？",
            "Сколько мин обезвредили?",
            "كم عدد الألغام؟",
            "?!?!...;;;",
            "\x00\x1b[31mmines\x7f",
            "mines " * 20_000,
            "\ud800 broken surrogate",
            "<script>alert(1)</script> landmines",
        ]
    ),
)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=questions)
def test_any_question_gets_an_answer_or_a_clear_error(assistant: Assistant, question: str) -> None:
    try:
        answer = assistant.ask(question)
    except QAError as exc:
        assert str(exc)
    else:
        assert len(answer.question) <= 1000
        for quote in answer.quotes:
            article = assistant.article(quote.article_id)
            assert article is not None and article.text[quote.start : quote.end] == quote.text
    # the service keeps answering
    assert any("4,133" in q.text for q in assistant.ask("How many anti-tank mines did ANAMA defuse?").quotes)
