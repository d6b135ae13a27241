"""Assistant.ask on the seed corpus with the hash embedder: exact quotes, labels, abstention, bad questions."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import EmptyQuestion
from qa.search.build import build_index

SEED_QUESTIONS = [
    json.loads(line)["question"] for line in (ROOT / "eval" / "seed_gold.jsonl").read_text().splitlines() if line
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    index_dir = tmp_path_factory.mktemp("idx")
    build_index([CORPUS], index_dir, settings=Settings(model="hash-256"))
    # The abstention threshold is calibrated for the real model; hash vectors score lower.
    return Assistant.load(index_dir, Settings(reader=None, abstain_below=0.1))


def test_quotes_are_exact_and_labelled(assistant: Assistant) -> None:
    answer = assistant.ask("How many anti-tank landmines did ANAMA defuse last year?")
    assert not answer.abstained and answer.quotes
    top = answer.quotes[0]
    assert "4,133 anti-tank" in top.text
    article = assistant.article(top.article_id)
    assert article is not None and article.text[top.start : top.end] == top.text
    assert top.label == "Opinion — Vasif Huseynov, commonspace.eu"
    assert top.genre == "opinion" and top.genre_evidence[0] == "title starts with 'Opinion:'"
    assert answer.summary.startswith(f"{len(answer.quotes)} quote")


def test_news_quotes_name_the_outlet(assistant: Assistant) -> None:
    quotes = assistant.ask("Which hacker collective attacked German air traffic control?").quotes
    assert any("APT28" in q.text for q in quotes)
    assert all(q.label.startswith("News report — commonspace.eu") for q in quotes if q.genre == "news")


@pytest.mark.parametrize("question", ["", "   ", "\x00\x07", "?!?"])
def test_empty_questions_are_a_clear_error(assistant: Assistant, question: str) -> None:
    with pytest.raises(EmptyQuestion, match="the question is empty"):
        assistant.ask(question)


def test_huge_and_control_character_questions_do_not_crash(assistant: Assistant) -> None:
    assert assistant.ask("landmines " * 10_000).question.startswith("landmines")
    assert "\x00" not in assistant.ask("anti-tank\x00 mines\x1b[31m").question


def test_answer_json_round_trips(assistant: Assistant, tmp_path: Path) -> None:
    answer = assistant.ask("How long will demining take?")
    assert type(answer).model_validate_json(answer.model_dump_json()) == answer


@pytest.mark.parametrize(
    "question",
    [
        "How many drones does Russia produce each month?",
        "What did Rutte warn about?",
        "Which maps did Armenia release?",
    ],
)
def test_quotes_never_overlap_each_other(assistant: Assistant, question: str) -> None:
    quotes = assistant.ask(question).quotes
    for i, a in enumerate(quotes):
        for b in quotes[i + 1 :]:
            assert a.article_id != b.article_id or a.end <= b.start or b.end <= a.start, (a.text, b.text)


def test_mixed_answers_group_reporting_before_opinion() -> None:
    import datetime as dt

    from qa.answers.templates import group_quotes
    from qa.models import Quote

    def q(genre: str, text: str) -> Quote:
        return Quote(
            text=text,
            article_id=text,
            start=0,
            end=1,
            title="t",
            author=None,
            outlet=None,
            published=dt.date(2024, 1, 1),
            url=None,
            genre=genre,  # type: ignore[arg-type]
            genre_evidence=(),
            score=1.0,
            label="x",
        )

    quotes = (q("opinion", "o1"), q("news", "n1"), q("analysis", "a1"), q("editorial", "e1"), q("news", "n2"))
    assert [(h, [x.text for x in qs]) for h, qs in group_quotes(quotes)] == [
        ("Reporting", ["n1", "n2"]),
        ("Opinion", ["o1", "e1"]),
        ("Analysis", ["a1"]),
    ]


def test_a_question_reads_the_index_inside_one_snapshot(tmp_path: Path) -> None:
    # The searches, the chunk lookups and the article reads of one question all run inside one snapshot of the
    # index, so a build writing meanwhile can't make a found chunk vanish or its offsets stop holding (the
    # database's snapshot itself: tests/search/test_postgres.py).
    index_dir = tmp_path / "idx"
    build_index([CORPUS], index_dir, settings=Settings(model="hash-256"))
    assistant = Assistant.load(index_dir, Settings(model="hash-256", reader=None, abstain_below=0.1, corroborate=False))
    index = assistant.index
    inside = [0]
    reads: list[tuple[str, int]] = []
    real_snapshot = index.snapshot

    @contextmanager
    def snapshot() -> Iterator[None]:
        with real_snapshot():
            inside[0] += 1
            try:
                yield
            finally:
                inside[0] -= 1

    def recorded(name: str) -> Callable[..., object]:
        real = getattr(index, name)

        def read(*args: object, **kwargs: object) -> object:
            reads.append((name, inside[0]))
            return real(*args, **kwargs)

        return read

    index.snapshot = snapshot  # type: ignore[method-assign]
    for name in ("dense_search", "bm25_search", "lookup", "article"):
        setattr(index, name, recorded(name))
    answer = assistant.ask("How many anti-tank landmines did ANAMA defuse last year?")
    assert answer.quotes and not answer.abstained
    assert {name for name, _ in reads} == {"dense_search", "bm25_search", "lookup", "article"}
    assert all(depth == 1 for _, depth in reads), reads


def test_a_quote_margin_keeps_the_first_quote_and_those_close_to_it(tmp_path: Path) -> None:
    build_index([CORPUS], tmp_path / "idx", settings=Settings(model="hash-256"))
    plain = Assistant.load(tmp_path / "idx", Settings(reader=None, abstain_below=0.1))
    margin = 0.05
    close = Assistant.load(tmp_path / "idx", Settings(reader=None, abstain_below=0.1, quote_margin=margin))
    dropped = 0
    for question in SEED_QUESTIONS:
        every, kept = plain.ask(question), close.ask(question)
        assert kept.abstained == every.abstained
        if every.abstained:
            continue
        n = len(kept.quotes)
        assert n >= 1 and kept.quotes == every.quotes[:n]  # the best quotes, in their order
        assert all(q.score >= every.quotes[0].score - margin for q in kept.quotes)
        assert all(q.score < every.quotes[0].score - margin for q in every.quotes[n:])
        dropped += len(every.quotes) - n
    assert dropped  # on these questions some second or third quotes score far below the first
