"""Dates from URL paths, and questions asked "as of" a day preferring the news of the week before it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from qa.assistant import Assistant
from qa.chat import Conversation
from qa.config import Settings
from qa.evaluation.gold import GoldError, read_gold
from qa.ingest.corpus import read_articles
from qa.ingest.readers.fields import date_from_url
from qa.search.build import build_index
from qa.search.embed import HashEmbedder
from qa.search.index import INGEST_VERSION, Index, current_version, read_manifest

EMB = HashEmbedder(64)
# Two reports of a resignation, three years apart; only their URLs carry their dates.
RECORDS = [
    {
        "id": "johnson",
        "title": "Prime minister announces resignation",
        "text": "The prime minister announced his resignation outside Downing Street on Thursday. "
        "Boris Johnson said he would stay on until a successor is chosen.",
        "url": "https://www.example.com/2022/07/07/uk/prime-minister-resigns/index.html",
    },
    {
        "id": "may",
        "title": "Prime minister announces resignation",
        "text": "The prime minister announced her resignation outside Downing Street on Friday. "
        "Theresa May said she would stay on until a successor is chosen.",
        "url": "https://www.example.com/2019/05/24/uk/prime-minister-resigns/index.html",
    },
]
QUESTION = "Which prime minister announced a resignation this week?"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.cnn.com/2022/06/12/media/squid-game-season-2/index.html", dt.date(2022, 6, 12)),
        ("https://www.theguardian.com/world/2022/jul/07/boris-johnson-resigns", dt.date(2022, 7, 7)),
        ("https://eu.usatoday.com/story/news/2021-11-03-election-results/", dt.date(2021, 11, 3)),
        ("https://example.com/2022/13/45/not-a-date/2022/02/03/", dt.date(2022, 2, 3)),
        ("https://example.com/archive/2022/06/", None),
        ("https://example.com/story?date=2022/06/12/", None),
        ("https://www.cnn.com/travel/article/eiffel-tower/index.html", None),
        (None, None),
    ],
)
def test_date_from_url(url: str | None, expected: dt.date | None) -> None:
    assert date_from_url(url) == expected


def _corpus(tmp_path: Path, records: list[dict[str, str]]) -> Path:
    path = tmp_path / "src" / "records.jsonl"
    path.parent.mkdir(exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_record_without_a_date_takes_its_urls_and_a_given_date_wins(tmp_path: Path) -> None:
    dated = {**RECORDS[1], "date": "2019-06-07"}
    articles = {a.id: a for a in read_articles([_corpus(tmp_path, [RECORDS[0], dated])]).articles}
    assert articles["johnson"].published == dt.date(2022, 7, 7)
    assert articles["may"].published == dt.date(2019, 6, 7)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    tmp = tmp_path_factory.mktemp("recency")
    build_index([_corpus(tmp, RECORDS)], tmp / "idx", embedder=EMB)
    return Assistant(Index.load(tmp / "idx"), EMB, Settings(reader=None, abstain_below=-1.0))


def _top(answer_articles: tuple[str, ...]) -> str:
    return answer_articles[0]


@pytest.mark.parametrize(("as_of", "expected"), [(dt.date(2022, 7, 8), "johnson"), (dt.date(2019, 5, 30), "may")])
def test_as_of_prefers_the_week_before_it(assistant: Assistant, as_of: dt.date, expected: str) -> None:
    answer = assistant.ask(QUESTION, as_of=as_of)
    assert _top(answer.articles) == expected
    assert answer.quotes[0].article_id == expected


def test_the_bonus_is_a_share_of_the_best_score_and_only_inside_the_window(assistant: Assistant) -> None:
    plain = {h.row: h.score for h in assistant.retriever.rank([QUESTION])[0]}
    top = max(plain.values())
    for as_of, fresh in ((dt.date(2022, 7, 14), "johnson"), (dt.date(2022, 7, 15), None), (dt.date(2022, 7, 6), None)):
        ranked = assistant.retriever.rank([QUESTION], as_of=as_of)[0]
        for hit in ranked:  # 7 days back from as_of, the day itself included; nothing after as_of
            bonus = 0.3 * top if hit.chunk.article_id == fresh else 0.0
            assert hit.score == pytest.approx(plain[hit.row] + bonus)


def test_a_conversation_keeps_its_day_for_follow_ups_and_a_new_start(assistant: Assistant) -> None:
    conversation = Conversation(as_of=dt.date(2019, 5, 30))
    assert assistant.ask(QUESTION, conversation=conversation).articles[0] == "may"
    conversation.reset()
    assert conversation.as_of == dt.date(2019, 5, 30)
    later = assistant.ask(QUESTION, conversation=conversation, as_of=dt.date(2022, 7, 8))
    assert later.articles[0] == "johnson" and conversation.as_of == dt.date(2022, 7, 8)


def test_an_index_read_by_an_older_reader_is_read_again_keeping_its_vectors(tmp_path: Path) -> None:
    source = _corpus(tmp_path, RECORDS)
    first = build_index([source], tmp_path / "idx", embedder=EMB)
    manifest = current_version(tmp_path / "idx") / "manifest.json"  # type: ignore[operator]
    data = json.loads(manifest.read_text())
    assert data["ingest_version"] == INGEST_VERSION
    del data["ingest_version"]  # as an index written before dates were read from URLs
    manifest.write_text(json.dumps(data))
    assert read_manifest(manifest.parent).ingest_version == 1
    again = build_index([source], tmp_path / "idx", embedder=EMB)
    assert not again.up_to_date and again.reused == first.chunks and again.embedded == 0


def test_gold_questions_read_their_date(tmp_path: Path) -> None:
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "a", "question": QUESTION, "answers": ["Boris Johnson"], "date": "2022/07/08"})
        + "\n"
        + json.dumps({"id": "b", "question": QUESTION, "answers": ["Theresa May"]})
        + "\n"
    )
    assert [g.date for g in read_gold(gold)] == [dt.date(2022, 7, 8), None]
    gold.write_text(json.dumps({"id": "a", "question": QUESTION, "date": "next week"}) + "\n")
    with pytest.raises(GoldError, match=r"gold.jsonl:1: field 'date': .*not a date: 'next week'"):
        read_gold(gold)


def test_cli_ask_and_eval_take_the_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qa.app.cli import main

    source = _corpus(tmp_path, RECORDS)
    index = str(tmp_path / "i")
    assert main(["build", str(source), "--index", index, "--model", "hash-256", "--quiet"]) == 0
    capsys.readouterr()
    for as_of, expected in (("2022-07-08", "johnson"), ("2019-05-30", "may")):
        assert main(["ask", QUESTION, "--index", index, "--as-of", as_of, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["articles"][0] == expected
    gold = tmp_path / "gold.jsonl"
    rows = [("j", "Boris Johnson", "2022/07/08", "johnson"), ("m", "Theresa May", "2019/05/30", "may")]
    gold.write_text(
        "".join(
            json.dumps({"id": i, "question": QUESTION, "answers": [a], "date": d, "doc_ids": [doc]}) + "\n"
            for i, a, d, doc in rows
        )
    )
    out = tmp_path / "report.json"
    assert main(["eval", "--gold", str(gold), "--index", index, "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["recall@1"] == 1.0 and report["settings"]["dates"] is True
    assert main(["eval", "--gold", str(gold), "--index", index, "--no-dates", "--json", str(out)]) == 0
    report = json.loads(out.read_text())
    assert report["recall@1"] == 0.5 and report["settings"]["dates"] is False
