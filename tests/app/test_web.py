"""The web chat's handlers and rendering, in-process: cards, badges, escaping, errors, sessions, the API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import CORPUS

from qa import Assistant, Conversation
from qa.answers.templates import NOT_IN_ARTICLES
from qa.app.render import inert, render_answer
from qa.app.web import QUOTE_CHOICES, ChatApp, example_questions, parse_filters
from qa.config import Settings
from qa.errors import QAError
from qa.search.build import build_index

HOSTILE = [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)>",
    "[click me](javascript:alert(1))",
    '**bold** _it_ `code` $x^2$ <a href="javascript:alert(2)">link</a>',
]


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> ChatApp:
    folder = tmp_path_factory.mktemp("web")
    hostile = folder / "hostile.jsonl"
    record = {
        "id": "evil-1",
        "title": "Scripted <script>alert('t')</script> [title](javascript:alert(3)) landmines",
        "text": "Landmines injection test. " + " ".join(HOSTILE) + " The landmines report ends here.",
        "authors": ["<b>Mallory</b>"],
        "outlet": "evil.example",
        "url": "javascript:alert(4)",
        "genre": "news",
    }
    hostile.write_text(json.dumps(record) + "\n", encoding="utf-8")
    index_dir = folder / "idx"
    build_index([CORPUS, hostile], index_dir, settings=Settings(model="hash-256"))
    return ChatApp(Assistant.load(index_dir, Settings(reader=None, abstain_below=0.1)))


def _no_live_markup(html_text: str) -> None:
    lowered = html_text.lower()
    assert "<script" not in lowered and "<img" not in lowered and "onerror=" not in lowered
    assert "javascript:" not in lowered and "](" not in html_text
    assert "<b>" not in lowered and "**" not in html_text and "$x" not in html_text


def test_inert_text_shows_the_same_characters() -> None:
    import html

    for text in HOSTILE:
        assert html.unescape(inert(text)) == text
        _no_live_markup(inert(text))


def test_answer_cards_show_quote_source_and_badge(chat: ChatApp) -> None:
    history, conv, box = chat.respond("How many anti-tank landmines did ANAMA defuse last year?", [], None)
    assert box == "" and isinstance(conv, Conversation) and len(history) == 2
    card = history[-1]["content"]
    assert 'class="qa-badge qa-badge-opinion"' in card and ">Opinion</span>" in card
    assert "4&#44;133" in card or "4,133" in card
    assert "<mark>" in card and "Opinion&#58; landmines remain a major problem for Azerbaijan" in card
    assert "title starts with" in card  # the genre evidence


def test_follow_up_shows_how_it_was_understood(chat: ChatApp) -> None:
    history, conv, _ = chat.respond("How many anti-personnel mines did ANAMA defuse last year?", [], None)
    history, conv, _ = chat.respond("And anti-tank mines?", history, conv)
    assert "Understood as: How many anti-tank mines did ANAMA defuse last year?" in history[-1]["content"]
    history, conv, _ = chat.respond("Who wrote that?", history, conv)
    assert "written by Vasif Huseynov" in history[-1]["content"]


def test_hostile_article_renders_inert(chat: ChatApp) -> None:
    history, _, _ = chat.respond("landmines injection test script click", [], None)
    answer = history[-1]["content"]
    assert "Mallory" in answer or "evil.example" in answer
    _no_live_markup(answer)
    assert 'href="javascript' not in answer.lower()


def test_hostile_question_renders_inert(chat: ChatApp) -> None:
    for text in HOSTILE:
        history, _, _ = chat.respond(text + " landmines", [], None)
        _no_live_markup(history[0]["content"])
        _no_live_markup(history[1]["content"])


def test_abstention_is_plain_with_nearby_folded(chat: ChatApp) -> None:
    answer = chat.assistant.ask("zzzz qqqq xxxx") if chat.assistant else None
    assert answer is not None
    html_text = render_answer(answer.model_copy(update={"abstained": True, "quotes": ()}))
    assert inert(NOT_IN_ARTICLES) in html_text
    if answer.nearby or answer.quotes:
        assert "<details><summary>Nearest passages (not an answer)</summary>" in html_text


def test_errors_are_messages_in_the_chat(chat: ChatApp) -> None:
    history, _, _ = chat.respond("   ?!  ", [], None)
    assert "the question is empty" in history[-1]["content"]
    history, _, _ = chat.respond("landmines", [], None, "All genres", None, "yesterday", None)
    assert "is not a date" in history[-1]["content"] and "From" in history[-1]["content"]
    broken = ChatApp(None, "No index can be opened: no index at index")
    history, _, _ = broken.respond("landmines?", [], None)
    assert 'class="qa-error"' in history[-1]["content"] and "No index can be opened" in history[-1]["content"]
    assert broken.ask_api("landmines?") == {"error": "No index can be opened: no index at index"}


def test_filters_from_the_controls() -> None:
    f = parse_filters("Opinion only", "commonspace.eu", "2020-01-01", "")
    assert f.genres == ("opinion",) and f.outlet == "commonspace.eu" and f.since is not None and f.until is None
    assert not parse_filters("All genres", "Any outlet", None, None).active


def test_news_only_filter_applies(chat: ChatApp) -> None:
    history, _, _ = chat.respond("How many landmines did ANAMA defuse?", [], None, "News only")
    assert "qa-badge-opinion" not in history[-1]["content"]


def test_api_sessions_are_separate(chat: ChatApp) -> None:
    chat.ask_api("How much will demining cost?", "alice")
    chat.ask_api("Which hacker collective attacked German air traffic control?", "bob")
    alice = chat.ask_api("Who wrote that?", "alice")
    bob = chat.ask_api("Who wrote that?", "bob")
    assert alice["sources"][0]["author"] == "Vasif Huseynov"
    assert bob["sources"][0]["title"].startswith("Germany accuses Russia")
    lone = chat.ask_api("Who wrote that?")
    assert lone["abstained"] is False or lone["quotes"] is not None  # stateless: a plain search, no crash


def test_example_questions_come_from_the_corpus(chat: ChatApp) -> None:
    examples = example_questions(chat.assistant)
    assert examples and any("Vasif Huseynov" in e for e in examples)
    assert all(re.search(r"\w", e) for e in examples)


def test_app_script_help() -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, str(root / "app.py"), "--help"], capture_output=True, text=True, check=True)
    for flag in ("--index", "--corpus", "--host", "--port"):
        assert flag in out.stdout


def test_an_unmatched_name_is_said_and_stays_inert(chat: ChatApp) -> None:
    assert chat.assistant is not None
    answer = chat.assistant.ask("When was the <b>Khazar</b> University founded?")
    assert answer.abstained and answer.unmatched
    html_text = render_answer(answer)
    assert inert("No passage searched mentions: ") in html_text and "Khazar" in html_text
    _no_live_markup(html_text)


def test_as_of_reaches_the_conversation_and_a_bad_day_is_named(chat: ChatApp) -> None:
    import datetime as dt

    history, conversation, _ = chat.respond("landmines", [], None, "All genres", None, None, None, "2024-05-01")
    assert conversation.as_of == dt.date(2024, 5, 1) and 'class="qa-error"' not in history[-1]["content"]
    history, _, _ = chat.respond("landmines", [], None, "All genres", None, None, None, "last week")
    assert inert("As of: 'last week' is not a date; write it as YYYY-MM-DD") in history[-1]["content"]
    assert chat.ask_api("landmines", "carol", "2024-05-01")["quotes"]
    assert chat.sessions.get("carol").as_of == dt.date(2024, 5, 1)
    assert chat.ask_api("landmines", "", "May 1st") == {
        "error": "as_of: 'May 1st' is not a date; write it as YYYY-MM-DD"
    }


def test_the_app_serves_with_the_quote_margin_it_is_given(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from conftest import ROOT

    build_index([CORPUS], tmp_path / "idx", settings=Settings(model="hash-64"))
    spec = importlib.util.spec_from_file_location("qa_web_app", ROOT / "app.py")
    assert spec is not None and spec.loader is not None
    app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(app)
    served: list[ChatApp] = []

    class Demo:  # stands in for the Gradio app: nothing is served
        def queue(self, **_: object) -> Demo:
            return self

        def launch(self, **_: object) -> None:
            return None

    monkeypatch.setattr(app, "build_app", lambda chat: served.append(chat) or Demo())
    assert app.main(["--index", str(tmp_path / "idx"), "--no-build", "--quote-margin", "0.1"]) == 0
    [chat] = served
    assert chat.assistant is not None and chat.assistant.settings.quote_margin == 0.1


def test_the_reader_chooses_how_many_quotes_an_answer_shows(chat: ChatApp) -> None:
    question = "How many anti-tank landmines did ANAMA defuse last year?"
    full, _, _ = chat.respond(question, [], None, quote_choice=QUOTE_CHOICES[0])
    sure, _, _ = chat.respond(question, [], None, quote_choice=QUOTE_CHOICES[1])
    every, fewer = full[-1]["content"], sure[-1]["content"]
    cards = [re.findall(r'<div class="qa-quote">(.*?)</div>', c) for c in (every, fewer)]
    assert 1 <= len(cards[1]) < len(cards[0])  # only the quotes close to the best
    assert cards[1][0] == cards[0][0]  # the first quote never changes
    assert chat.quote_choice == QUOTE_CHOICES[0]  # the page opens with the server's setting: up to three
    with pytest.raises(QAError, match="Quotes: unknown choice"):
        chat._assistant_for("all of them")
    history, _, _ = chat.respond(question, [], None, quote_choice="all of them")
    assert "Quotes&#58; unknown choice" in history[-1]["content"]


def test_a_server_margin_is_the_surer_choice(chat: ChatApp) -> None:
    assert chat.assistant is not None
    served = ChatApp(chat.assistant.with_quote_margin(0.2))
    assert served.quote_choice == QUOTE_CHOICES[1] and served.sure_margin == 0.2
    assert served._assistant_for(QUOTE_CHOICES[0]).settings.quote_margin is None
    assert served._assistant_for(None).settings.quote_margin == 0.2
