"""Corroboration on a small corpus of five outlets: who agrees, whose figures differ, wire copies, opinion-only
claims, the lines under a quote card, and the viewpoints and "who else reports this?" questions."""

from __future__ import annotations

import json

import pytest

from qa.answers.templates import corroboration_lines, line_text
from qa.assistant import Assistant
from qa.chat import Conversation
from qa.config import Settings
from qa.errors import QAError
from qa.search.build import build_index

MARCH = "About 1,200 protesters marched through Metropolis on Friday against the tram fare rise."
ARTICLES = [
    {
        "id": "gaz",
        "outlet": "Metropolis Gazette",
        "section": "News",
        "title": "Protest over tram fares",
        "url": "https://gazette.example/news/fares",
        "text": f"{MARCH} The council raised fares by 15% in March. Mayor Lois Lane said the rise was needed. "
        "Organisers plan another march next month.",
    },
    {
        "id": "pla",
        "outlet": "Daily Planet",
        "section": "News",
        "title": "Thousands march against fare rise",
        "url": "https://planet.example/news/march",
        "text": "Police said 2,500 protesters marched through Metropolis on Friday over the tram fare rise. "
        "Traffic was stopped for an hour. The union called the turnout a success.",
    },
    {
        "id": "cou",
        "outlet": "Gotham Courier",
        "section": "News",
        "title": "Fare protest draws crowd",
        "url": "https://courier.example/news/crowd",
        "text": "Some 1,200 protesters marched in Metropolis on Friday to oppose the rise in tram fares. "
        "Shops on the route closed early. The council raised fares by 15 per cent in March.",
    },
    {
        "id": "opi",
        "outlet": "Gotham Courier",
        "section": "Opinion",
        "author": "Perry White",
        "title": "Opinion: the tram has no future",
        "url": "https://courier.example/opinion/tram",
        "text": "The tram line will be obsolete within a decade, and the council should admit it. "
        "I have ridden it for years and I think buses would serve the city better.",
    },
    {
        "id": "wire",
        "outlet": "Star City Herald",
        "section": "News",
        "title": "Metropolis fare protest (wire)",
        "url": "https://herald.example/news/wire",
        "text": f"{MARCH} The council raised fares by 15% in March. Mayor Lois Lane said the rise was needed. "
        "Organisers plan another march next month. This story was distributed by the Star City wire service.",
    },
]
SETTINGS = Settings(model="hash-256", reader=None, abstain_below=-1.0)


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    src = tmp_path_factory.mktemp("src")
    (src / "a.jsonl").write_text("".join(json.dumps(a) + "\n" for a in ARTICLES))
    build_index([src], tmp_path_factory.mktemp("idx") / "i", SETTINGS)
    return Assistant.load(tmp_path_factory.getbasetemp() / "idx0" / "i", SETTINGS)


def _span(assistant: Assistant, article_id: str, sentence: str) -> tuple[int, int]:
    article = assistant.article(article_id)
    assert article is not None
    start = article.text.index(sentence)
    return start, start + len(sentence)


def test_agrees_differs_and_copies(assistant: Assistant) -> None:
    c = assistant.corroborate("gaz", *_span(assistant, "gaz", MARCH))
    relations = {(s.article_id, s.relation) for s in c.supports}
    assert ("cou", "agrees") in relations
    assert ("pla", "differs") in relations
    differ = next(s for s in c.supports if s.article_id == "pla")
    assert differ.figures == ("About 1,200", "2,500")
    assert c.copies == ("wire",) and all(s.article_id != "wire" for s in c.supports)
    assert not c.single_source
    for s in c.supports:  # every support is exactly its article's text
        article = assistant.article(s.article_id)
        assert article is not None and article.text[s.start : s.end] == s.text
        assert s.url and "#:~:text=" in s.url


def test_a_figure_agrees_only_with_the_same_figure(assistant: Assistant) -> None:
    c = assistant.corroborate("gaz", *_span(assistant, "gaz", "The council raised fares by 15% in March."))
    assert [(s.article_id, s.relation) for s in c.supports] == [("cou", "agrees")]


def test_opinion_only_claims_are_single_source(assistant: Assistant) -> None:
    claim = "The tram line will be obsolete within a decade, and the council should admit it."
    c = assistant.corroborate("opi", *_span(assistant, "opi", claim))
    assert c.single_source and not [s for s in c.supports if s.relation == "agrees"]


def test_bad_spans_are_errors(assistant: Assistant) -> None:
    with pytest.raises(QAError, match="no article"):
        assistant.corroborate("nope", 0, 5)
    with pytest.raises(QAError, match="not a passage"):
        assistant.corroborate("gaz", 10, 5)


def test_legs_choose_where_candidates_come_from(assistant: Assistant) -> None:
    article = assistant.article("gaz")
    assert article is not None
    span = [(article, *_span(assistant, "gaz", MARCH))]
    corroborator = assistant.corroborator
    words = {s.article_id for s in corroborator.corroborate(span, legs=("bm25",))[0].supports}
    assert {"cou", "pla"} <= words  # the BM25 leg alone finds the sentences sharing the span's names and numbers
    assert corroborator.corroborate(span, legs=("pool",))[0].supports == ()  # no pool given: nothing to judge
    pool = assistant.retriever.rank([MARCH], "hybrid", 10)[0]
    from_pool = {s.article_id for s in corroborator.corroborate(span, pool, legs=("pool",))[0].supports}
    assert from_pool and from_pool <= {"cou", "pla", "opi"}
    with pytest.raises(QAError, match="unknown corroboration legs"):
        corroborator.corroborate(span, legs=("graph",))  # type: ignore[arg-type]


def test_quotes_carry_their_corroboration_and_lines(assistant: Assistant) -> None:
    answer = assistant.ask("How many protesters marched against the tram fare rise?")
    assert answer.quotes and all(q.corroboration is not None for q in answer.quotes)
    march = next(q for q in answer.quotes if q.text == MARCH)  # from the Gazette or its wire copy: one source
    gazette = [line_text(x) for x in corroboration_lines(march)]
    assert "Also reported by: Gotham Courier (news)" in gazette
    assert any(x.startswith("Sources differ: About 1,200 here, 2,500 in Daily Planet (news)") for x in gazette)
    off = Assistant(assistant.index, assistant.retriever.embedder, SETTINGS.model_copy(update={"corroborate": False}))
    assert all(q.corroboration is None for q in off.ask("tram fare protest").quotes)


def test_opinion_only_line(assistant: Assistant) -> None:
    answer = assistant.ask("Will the tram line be obsolete within a decade?")
    opinion = next(q for q in answer.quotes if q.article_id == "opi")
    assert "Only in opinion pieces in this archive" in [line_text(x) for x in corroboration_lines(opinion)]


def test_viewpoints_give_one_quote_per_source_reporting_first(assistant: Assistant) -> None:
    answer = assistant.ask("What do different sources say about the tram fare rise?")
    assert answer.standalone == "What do different sources say about the tram fare rise?"
    outlets = [(q.outlet, q.genre) for q in answer.quotes]
    assert len(outlets) == len(set(outlets)) >= 3
    genres = [q.genre for q in answer.quotes]
    assert genres.index("news") == 0 and ("opinion" not in genres or genres.index("opinion") > genres.count("news") - 1)
    assert answer.summary.startswith("The best quote of each of")


def test_who_else_reports_this(assistant: Assistant) -> None:
    conversation = Conversation()
    first = assistant.ask("How many protesters marched against the tram fare rise?", conversation=conversation)
    assert first.quotes
    other = assistant.ask("Who else reports this?", conversation=conversation)
    expected = {s.article_id for s in first.quotes[0].corroboration.supports}  # type: ignore[union-attr]
    assert {q.article_id for q in other.quotes} == expected and expected
    assert other.standalone and other.standalone.startswith("Who else reports:")
    alone = assistant.ask("Who else reports this?", conversation=Conversation())
    assert alone.abstained and not alone.quotes
