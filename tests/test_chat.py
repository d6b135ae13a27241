"""Conversation: follow-ups, questions about sources, filters, topic changes and isolation, on the seed corpus."""

from __future__ import annotations

import json
import re
import threading
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

from qa import Assistant, Conversation
from qa.answers.templates import NO_FOCUS
from qa.app.cli import main
from qa.config import Settings
from qa.evaluation.dialogues import DialogueError, evaluate_dialogues, read_dialogues
from qa.search.build import build_index

OP_ED, GERMANY, NATO = "d41c0586d14ac7dc", "a2ba43cb632bbe23", "1b08516bdbe4f8dc"


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("idx")
    build_index([CORPUS], folder, settings=Settings(model="hash-256"))
    return folder


@pytest.fixture(scope="module")
def assistant(index_dir: Path) -> Assistant:
    return Assistant.load(index_dir, Settings(reader=None, abstain_below=0.1))


# --- how questions are understood (rules only) ----------------------------------------------------------------------


def test_ellipsis_replaces_the_matching_phrase(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("How many anti-personnel mines did ANAMA defuse last year?", conversation=conv)
    second = assistant.ask("And anti-tank mines?", conversation=conv)
    assert second.standalone == "How many anti-tank mines did ANAMA defuse last year?"
    third = assistant.ask("What about unexploded ordnance?", conversation=conv)
    assert third.standalone == "How many unexploded ordnance did ANAMA defuse last year?"
    assert any("14,950 unexploded" in q.text for q in third.quotes)
    assert [t.follow_up for t in conv.turns] == [False, True, True]


def test_pronoun_points_to_the_event_of_the_last_question(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("Who is blamed for the attack on German air traffic control?", conversation=conv)
    answer = assistant.ask("When did it happen?", conversation=conv)
    assert answer.standalone == "When did the attack on German air traffic control happen?"
    assert any("August 2024" in q.text for q in answer.quotes)


def test_he_is_the_speaker_of_the_last_answer(assistant: Assistant) -> None:
    conv = Conversation()
    first = assistant.ask("What did the NATO chief warn?", conversation=conv)
    speakers = [q.speaker for q in first.quotes if q.speaker]
    answer = assistant.ask("Where did he say it?", conversation=conv)
    assert answer.standalone is not None and not re.search(r"\bhe\b", answer.standalone)
    assert any(s in answer.standalone for s in [*speakers, "Rutte", "the NATO chief"])
    assert answer.quotes[0].article_id == NATO


def test_bare_question_word_is_asked_of_the_last_topic(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("What did a spokesperson for Armenia's foreign ministry call the demand for maps?", conversation=conv)
    answer = assistant.ask("When?", conversation=conv)
    assert answer.standalone is not None and answer.standalone.startswith("What did a spokesperson")
    assert answer.standalone.endswith("When?")


def test_self_contained_question_is_a_topic_change(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("How many anti-tank mines did ANAMA defuse last year?", conversation=conv)
    plan = conv.understand("Who holds Russia responsible for the cyberattack on air traffic control?")
    assert plan.intent == "search" and not plan.follow_up and plan.boost == ()
    assert plan.standalone == "Who holds Russia responsible for the cyberattack on air traffic control?"
    # a short phrase that shares nothing with the last question is new too
    assert not conv.understand("Cyberattacks in Germany").follow_up


# --- questions about the sources -------------------------------------------------------------------------------------


def test_who_wrote_that_answers_from_metadata_and_quotes_the_byline(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("How much will demining cost?", conversation=conv)
    answer = assistant.ask("Who wrote that?", conversation=conv)
    assert not answer.abstained and answer.sources[0].article_id == OP_ED
    assert "written by Vasif Huseynov" in answer.summary
    assert answer.standalone == "Who wrote “Opinion: landmines remain a major problem for Azerbaijan”?"
    quote = answer.quotes[0]
    article = assistant.article(OP_ED)
    assert article is not None and article.text[quote.start : quote.end] == quote.text
    assert "writes Vasif Huseynov" in quote.text


def test_genre_questions_and_their_evidence(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("How much will demining cost?", conversation=conv)
    yes = assistant.ask("Is that an opinion piece?", conversation=conv)
    assert yes.summary.startswith("Yes:") and "an opinion piece" in yes.summary
    why = assistant.ask("Why is it labelled opinion?", conversation=conv)
    assert "title starts with 'Opinion:'" in why.summary and "This op-ed was" in why.summary
    conv2 = Conversation()
    assistant.ask("Which hacker collective attacked German air traffic control?", conversation=conv2)
    no = assistant.ask("Is that an opinion piece?", conversation=conv2)
    assert no.summary.startswith("No:") and "a news report" in no.summary and "site label 'News'" in no.summary


def test_date_outlet_and_missing_author(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("How many tanks does Russia produce each month?", conversation=conv)
    assert "gives no publication date" in assistant.ask("When was it published?", conversation=conv).summary
    assert "published by commonspace.eu" in assistant.ask("Which outlet is it from?", conversation=conv).summary
    assert "names no author" in assistant.ask("Who wrote that?", conversation=conv).summary


def test_source_question_naming_its_article_by_topic(assistant: Assistant) -> None:
    answer = assistant.ask("Who wrote the op-ed about landmines in Azerbaijan?", conversation=Conversation())
    assert answer.sources and answer.sources[0].author == "Vasif Huseynov"


def test_source_question_with_nothing_to_refer_to(assistant: Assistant) -> None:
    answer = assistant.ask("Who wrote that?", conversation=Conversation())
    assert answer.abstained and answer.summary == NO_FOCUS and not answer.quotes


def test_what_else_does_this_article_say_stays_in_the_article(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("What did Pashinyan admit about the maps?", conversation=conv)
    answer = assistant.ask("What else does this article say about the maps?", conversation=conv)
    assert answer.quotes and {q.article_id for q in answer.quotes} == {OP_ED}
    assert answer.standalone is not None and "say about the maps" in answer.standalone


def test_only_news_reports_then_everything(assistant: Assistant) -> None:
    conv = Conversation()
    first = assistant.ask("What did the NATO chief warn about Russia?", conversation=conv)
    only = assistant.ask("Show me only opinion pieces", conversation=conv)
    assert conv.filters.genres == ("opinion",)
    assert all(q.genre == "opinion" for q in (*only.quotes, *only.nearby))
    assert only.standalone is not None and only.standalone.startswith("What did the NATO chief warn about Russia?")
    back = assistant.ask("Show me everything", conversation=conv)
    assert conv.filters.genres == () and back.quotes == first.quotes


def test_more_from_this_author(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("How much will demining cost?", conversation=conv)
    assistant.ask("Who wrote that?", conversation=conv)
    answer = assistant.ask("More from this author", conversation=conv)
    assert "no other article by Vasif Huseynov" in answer.summary
    assert answer.sources[0].article_id == OP_ED


# --- isolation and the evaluation -----------------------------------------------------------------------------------


def test_two_conversations_do_not_share_state(assistant: Assistant) -> None:
    a, b = Conversation(), Conversation()
    assistant.ask("How much will demining cost?", conversation=a)
    assistant.ask("Which hacker collective attacked German air traffic control?", conversation=b)
    assert assistant.ask("Who wrote that?", conversation=a).sources[0].article_id == OP_ED
    assert assistant.ask("Who wrote that?", conversation=b).sources[0].article_id == GERMANY
    assert len(a.turns) == len(b.turns) == 2


def test_conversations_in_threads_stay_apart(assistant: Assistant) -> None:
    results: dict[str, str] = {}

    def user(name: str, first: str) -> None:
        conv = Conversation()
        for _ in range(3):
            assistant.ask(first, conversation=conv)
            results[name] = assistant.ask("Who wrote that?", conversation=conv).sources[0].article_id

    threads = [
        threading.Thread(target=user, args=("op", "How much will demining cost?")),
        threading.Thread(target=user, args=("nato", "How many tanks does Russia produce each month?")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"op": OP_ED, "nato": NATO}


def test_reset_forgets_turns_and_filters(assistant: Assistant) -> None:
    conv = Conversation()
    assistant.ask("How much will demining cost?", conversation=conv)
    assistant.ask("Show me only news reports", conversation=conv)
    conv.reset()
    assert conv.turns == [] and not conv.filters.active and conv.focus == ()


def test_dialogue_file_is_read_and_scored(assistant: Assistant) -> None:
    dialogues = read_dialogues(ROOT / "eval" / "dialogues.jsonl")
    assert len(dialogues) >= 30 and all(2 <= len(d.turns) <= 4 for d in dialogues)
    report = evaluate_dialogues(assistant, dialogues[:4])
    assert report.dialogues == 4 and report.turns == sum(len(d.turns) for d in dialogues[:4])
    assert report.follow_up_turns >= 4
    assert report.answer_in_quote_3 is not None and report.answer_in_quote_3 > 0.5


def test_malformed_dialogue_line_names_it(tmp_path: Path) -> None:
    bad = tmp_path / "d.jsonl"
    bad.write_text('{"id": "a", "turns": [{"q": "x?"}]}\n{"id": "b", "turns": [{"answers": []}]}\n', encoding="utf-8")
    with pytest.raises(DialogueError, match=r"d\.jsonl:2: field 'turns\.0\.q'"):
        read_dialogues(bad)


def test_cli_chat_resolves_follow_ups(
    index_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = iter(["How much will demining cost?", "Who wrote that?", "/new", "Who wrote that?", "/quit"])
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(lines))
    assert main(["chat", "--index", str(index_dir)]) == 0
    out = capsys.readouterr().out
    assert "written by Vasif Huseynov" in out and "(understood as: Who wrote “Opinion: landmines" in out
    assert "New conversation." in out and NO_FOCUS in out


def test_cli_eval_dialogues_writes_the_report(index_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    dialogues = tmp_path / "d.jsonl"
    dialogues.write_text(
        "\n".join((ROOT / "eval" / "dialogues.jsonl").read_text(encoding="utf-8").splitlines()[:3]) + "\n",
        encoding="utf-8",
    )
    assert main(["eval", "--dialogues", str(dialogues), "--index", str(index_dir), "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    keys = ["dialogues", "turns", "follow_up_turns", "answer_in_quote@3", "follow_up_right", "dialogues_all_right"]
    keys += ["standalone_answer_in_quote@3", "standalone_follow_up_right", "genre_accuracy", "abstention_f1"]
    assert all(key in data for key in keys) and data["dialogues"] == 3


def test_history_is_bounded(assistant: Assistant) -> None:
    conv = Conversation()
    for _ in range(Conversation.MAX_TURNS + 5):
        assistant.ask("How many anti-tank mines did ANAMA defuse last year?", conversation=conv)
    assert len(conv.turns) == Conversation.MAX_TURNS
    assert assistant.ask("Who wrote that?", conversation=conv).sources[0].article_id == OP_ED
