"""How hits are fused and how answering sentences are chosen and cut into quotes, on small hand-made articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS

from qa.answers import choose as answer_module
from qa.answers import context as context_module
from qa.answers.choose import AnswerBuilder, wants_number
from qa.answers.templates import unmatched_line
from qa.assistant import Assistant
from qa.config import Settings
from qa.models import Answer, Article, Hit
from qa.search.build import build_index
from qa.search.chunk import chunk_article, sentence_spans
from qa.search.embed import HashEmbedder
from qa.search.index import Index
from qa.search.retrieve import convex, rrf
from qa.search.sparse import base_forms, tokenize

EMB = HashEmbedder(64)


def _article(text: str, aid: str = "a1") -> Article:
    return Article(id=aid, title="Mines", text=text, outlet="Daily Gazette", genre="news", source_path="x.jsonl")


def _build(question: str, *articles: Article, similarity: float = 0.5) -> Answer:
    """The answer the builder gives when every chunk of `articles` is a hit with the same similarity and score;
    its quotes checked to be exact slices of their articles."""
    hits = [
        Hit(row=i, chunk=chunk, score=1.0, similarity=similarity)
        for i, chunk in enumerate(c for a in articles for c in chunk_article(a, Settings(chunk_sentences=8)))
    ]
    by_id = {a.id: a for a in articles}
    answer = AnswerBuilder(EMB, Settings(reader=None, abstain_below=-1.0)).build(question, hits, by_id, list(by_id))
    for q in answer.quotes:
        assert q.text == by_id[q.article_id].text[q.start : q.end]
    return answer


def _answer(question: str, *articles: Article) -> list[str]:
    """The texts of the quotes `_build` gives."""
    return [q.text for q in _build(question, *articles).quotes]


def test_convex_fusion_scales_each_score_to_its_candidates() -> None:
    s = Settings(dense_weight=0.6, sparse_weight=0.4)
    scores = convex([0.9, 0.5, 0.1], [12.0, None, 3.0], s)
    assert scores == pytest.approx([0.6 + 0.4, 0.6 * 0.5, 0.4 * 0.25])
    # one candidate, or all alike: the dense part is whole, and BM25 without a score adds nothing
    assert convex([0.3], [None], s) == pytest.approx([0.6])


def test_hybrid_fusion_is_convex_by_default_and_rrf_on_request(tmp_path: Path) -> None:
    build_index([CORPUS], tmp_path / "idx", embedder=EMB)
    question = ["anti-tank mines defused by ANAMA"]
    for fusion in ("convex", "rrf"):
        settings = Settings(fusion=fusion)  # type: ignore[arg-type]
        ranked = Assistant(Index.load(tmp_path / "idx"), EMB, settings).retriever.rank(question)[0]
        assert [h.score for h in ranked] == sorted((h.score for h in ranked), reverse=True)
        best = ranked[0]
        if fusion == "rrf":
            assert best.score == pytest.approx(0.6 * rrf(best.dense_rank, 60) + 0.4 * rrf(best.sparse_rank, 60))
        else:
            assert 0.0 < best.score <= 1.0
            assert best.sparse_rank == 1 or best.dense_rank == 1


def test_irregular_past_forms_meet_their_base_verb() -> None:
    assert base_forms(tokenize(["Colorado won the cup; the president fled"])[0]) == base_forms(
        tokenize(["Colorado win the cup; the president flees"])[0]
    )
    assert "left" in tokenize(["the left wing"])[0]  # ambiguous forms are left alone
    assert base_forms(["left"]) == ["left"]


@pytest.mark.parametrize(
    ("question", "wants"),
    [
        ("What is the estimated price tag for clearing Azerbaijan of mines?", True),
        ("What was the death toll?", True),
        ("How much will demining cost?", True),
        ("Due to the rising cost of living, where are many Americans moving?", False),
        ("Which country was shaken by an earthquake?", False),
    ],
)
def test_questions_that_want_a_number(question: str, wants: bool) -> None:
    assert wants_number(question) is wants


def test_a_number_the_question_already_holds_earns_no_bonus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(context_module, "JOIN_MARGIN", -1.0)  # each sentence its own quote, to see their order
    text = "Mines in the district were first cleared in 2021. Deminers have cleared 8,780 mines in the district so far."
    quotes = _answer("How many mines were cleared in the district since 2021?", _article(text))
    assert quotes[0].startswith("Deminers have cleared 8,780")


def test_adjacent_sentences_that_answer_alike_are_one_quote_of_at_most_three() -> None:
    text = (
        "Deminers of the national agency cleared 300 landmines near Aghdam on Monday, the ministry said. "
        "The landmines near Aghdam were cleared by teams working in the fields around the old town. "
        "Rain is expected in the capital later this week, with cooler weather over the coming days. "
        "Officials said that more landmines near Aghdam would be cleared by the teams before June. "
        "Landmines near Aghdam were also cleared in May, when the teams worked in the northern fields. "
        "Landmines near Aghdam were cleared in April too, in the fields along the southern road. "
        "Landmines near Aghdam were cleared in March as well, the first month of the spring campaign."
    )
    quotes = _build("Where were landmines cleared near Aghdam?", _article(text)).quotes
    sentences = [len(sentence_spans(text, q.start, q.end)) for q in quotes]
    # sentences that share the question's words form one passage; the weather sentence between them is not one
    assert any(q.text.startswith("Deminers") and q.text.endswith("around the old town.") for q in quotes)
    assert all("Rain is expected" not in q.text for q in quotes)
    assert all(1 <= n <= 3 for n in sentences) and 3 in sentences
    # a neighbour that doesn't answer stays out
    lone = "Landmines near Aghdam were cleared by teams working in the fields around the old town on Monday."
    alone = _answer("Where were landmines cleared near Aghdam?", _article(lone + " Rain fell in the capital later."))
    assert alone[0] == lone


def test_a_sentence_that_points_back_brings_the_sentence_before() -> None:
    text = (
        "The weather was mild on Monday in the capital and the markets were open as usual. "
        "Vugar Suleymanov told reporters in Baku on Monday that the work of the mine agency went well. "
        "He said that 8,780 anti-tank mines had been defused since the war ended."
    )
    first = _build("How many anti-tank mines had been defused?", _article(text)).quotes[0]
    assert first.text.startswith("Vugar Suleymanov told reporters")
    assert first.text.endswith("since the war ended.")
    assert first.speaker == "Vugar Suleymanov"  # "He" is the speaker of the sentence taken along


def test_demonstratives_point_back_but_a_relative_those_does_not() -> None:
    text = (
        "Hearing aids can now be bought over the counter in the United States. "
        "People with mild hearing loss will be able to buy these devices without a prescription."
    )
    quotes = _answer("Who will be able to buy without a prescription?", _article(text))
    assert quotes[0].startswith("Hearing aids can now be bought")
    text = (
        "Hearing aids can now be bought over the counter in the United States. "
        "Help is offered to those who cannot afford a prescription from a doctor."
    )
    quotes = _answer("Who is offered help with a prescription?", _article(text))
    assert quotes[0].startswith("Help is offered")


def test_neighbouring_sentences_that_hold_the_rest_of_the_question_lift_a_sentence() -> None:
    # alone: one sentence holds team, Tampa, Bay, win; near: "It was the team's first Stanley Cup win" holds as
    # many words, and the sentence before it holds the rest of the question.
    alone = _article("Fans of the team hoped that Tampa Bay would win again. Tickets sold out within an hour.", "alone")
    near = _article(
        "The Colorado Avalanche beat Tampa Bay on Sunday night. It was the team's first Stanley Cup win since 2001.",
        "near",
    )
    quotes = _answer("Which team beat Tampa Bay to win the Stanley Cup?", alone, near)
    assert quotes[0].startswith("The Colorado Avalanche beat Tampa Bay")  # "It was ..." brings its subject along


def test_between_equal_sentences_the_better_retrieved_chunk_comes_first() -> None:
    # the same words for the question, different enough not to be one sentence twice
    low = _article("Deminers cleared 300 landmines near Aghdam on Monday, officials said.", "low")
    high = _article("A week later the agency reported that 300 more landmines were cleared around Aghdam.", "high")
    hits = [
        Hit(row=i, chunk=chunk_article(a)[0], score=score, similarity=0.5)
        for i, (a, score) in enumerate([(low, 0.5), (high, 1.0)])
    ]
    answer = AnswerBuilder(EMB, Settings(reader=None, abstain_below=-1.0)).build(
        "How many landmines were cleared near Aghdam?", hits, {"low": low, "high": high}, ["low", "high"]
    )
    assert [q.article_id for q in answer.quotes] == ["high", "low"]
    assert answer.quotes[0].score > answer.quotes[1].score


def test_a_name_or_number_no_passage_mentions_means_abstention() -> None:
    art = _article("Deminers cleared 300 landmines near Aghdam on Monday, officials of ANAMA said.")
    # names and numbers count only where the text has them
    found = _build("How many landmines did ANAMA clear near Aghdam?", art, similarity=0.9)
    assert not found.abstained and found.unmatched == ()
    missing = _build("How many landmines did the Khazar University clear in 2024?", art, similarity=0.9)
    assert missing.abstained and missing.quotes == () and missing.nearby
    assert missing.unmatched == ("Khazar University", "2024")
    assert unmatched_line(missing) == "No passage searched mentions: Khazar University, 2024."
    # a name in the article's byline or title counts as mentioned ("more from this author")
    signed = art.model_copy(update={"authors": ("Lee Park",)})
    by_author = _build("Lee Park", signed, similarity=0.9)
    assert by_author.unmatched == ()


def test_the_names_asked_about_must_meet_in_the_articles_of_the_best_passages() -> None:
    mines = _article("Deminers cleared 300 landmines near Aghdam since 2022, officials of ANAMA said.", "mines")
    war = _article("Ukraine asked its allies for more air defence systems this winter.", "war")
    # "Ukraine" is among the passages searched, but not in the mines article that answers best
    answer = _build("How many landmines has Ukraine cleared since 2022?", mines, war, similarity=0.9)
    assert answer.nearby[0].article_id == "mines"
    assert answer.abstained and answer.quotes == () and answer.unmatched == ()
    assert answer.absent_from_best == ("Ukraine",)
    assert unmatched_line(answer) == "The articles of the best passages don't mention: Ukraine."
    # the same question with names the best article has is answered
    kept = _build("How many landmines has ANAMA cleared since 2022?", mines, war, similarity=0.9)
    assert not kept.abstained and kept.absent_from_best == () and kept.quotes[0].article_id == "mines"


def test_names_may_meet_in_two_articles_that_answer_almost_as_well() -> None:
    germany = _article("Germany says Russia threatens its security with cyberattacks on air traffic control.", "de")
    nato = _article("NATO says Russia threatens its security and could attack a member within five years.", "nato")
    question = "How does Russia threaten Germany and NATO?"

    def build() -> Answer:  # the NATO passage a little less similar to the question: second, within the margin
        hits = [
            Hit(row=i, chunk=chunk_article(a)[0], score=1.0, similarity=sim)
            for i, (a, sim) in enumerate(((germany, 0.9), (nato, 0.8)))
        ]
        return AnswerBuilder(EMB, Settings(reader=None, abstain_below=-1.0)).build(
            question, hits, {"de": germany, "nato": nato}, ["de", "nato"]
        )

    answer = build()
    assert not answer.abstained and [q.article_id for q in answer.quotes] == ["de", "nato"]
    # with no margin, the best passage's article alone must name both, and it lacks NATO
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(answer_module, "MEET_MARGIN", 0.0)
        strict = build()
    assert strict.abstained and strict.absent_from_best == ("NATO",)


def test_sentence_openings_and_later_sentences_of_a_question_are_not_names() -> None:
    art = _article("NASA released images from the James Webb telescope showing distant galaxies.")
    answer = _build("NASA released images this week. What did the images show?", art, similarity=0.9)
    assert answer.unmatched == () and not answer.abstained


def test_a_sentence_repeated_in_a_copy_of_the_story_is_quoted_once() -> None:
    wire = "If approved by regulators, the nearly $25 billion deal would be one of the biggest in US retail history."
    first = _article(f"{wire} Shareholders vote in June.", "first")
    copy = _article(wire.replace("by regulators", "by federal regulators") + " The vote is in June.", "copy")
    other = _article("The deal would close next year, and the companies expect regulators to ask questions.", "other")
    quotes = _answer("How big would the deal be in US retail history?", first, copy, other)
    assert sum("one of the biggest in US retail history" in q for q in quotes) == 1
    assert len(quotes) >= 2


def test_an_opening_that_quotes_the_article_itself_is_not_quoted_again() -> None:
    body = "On the occasion of the 4 April, Azerbaijan seeks to raise awareness about the landmines in its territory."
    text = (
        f'"{body[:-1]}," writes Vasif Huseynov in this op-ed for commonspace.eu.\n\n'
        "The weather in the capital was warm and sunny on Friday afternoon, forecasters said.\n\n"
        "Deminers cleared 300 landmines near Aghdam in March to raise awareness of the danger.\n\n"
        "The weather in the capital is expected to turn cold and wet next week, forecasters said.\n\n"
        f"{body}"
    )
    quotes = _answer("Why does Azerbaijan seek to raise awareness about landmines?", _article(text))
    assert sum("seeks to raise awareness" in q for q in quotes) == 1  # the opening adds only the byline
    assert any("Deminers cleared 300" in q for q in quotes)


def test_a_sentence_of_the_weeks_news_comes_first_and_raises_the_confidence() -> None:
    stale = _article("Inhofe had to announce his resignation as head of state by March 1 under a new law.", "stale")
    week = _article("Boris Johnson, head of the government, announced his resignation on Thursday.", "week")
    question = "Which head of state announced his resignation this week?"

    def build(fresh: bool) -> Answer:
        hits = [
            Hit(row=i, chunk=chunk_article(a)[0], score=1.0, similarity=0.5, fresh=fresh and a is week)
            for i, a in enumerate((stale, week))
        ]
        return AnswerBuilder(EMB, Settings(reader=None, abstain_below=-1.0)).build(
            question, hits, {"stale": stale, "week": week}, ["stale", "week"]
        )

    plain, dated = build(False), build(True)
    assert [q.article_id for q in plain.quotes] == ["stale", "week"]  # more of the question's words
    assert [q.article_id for q in dated.quotes] == ["week", "stale"]
    # the week's passage counts as evidence that the corpus answers: the confidence is its score, bonus included
    assert plain.confidence is not None and dated.confidence == dated.quotes[0].score > plain.confidence


def test_a_builder_that_scores_sentences_its_own_way_decides_the_quotes_and_the_confidence() -> None:
    # AnswerBuilder.sentence_scores is the one place a sentence's score comes from (scripts/replay_scorer.py adds
    # terms to it): the quotes follow its order and the confidence is its best score.
    text = (
        "Deminers cleared 300 landmines near Aghdam in March. "
        "The weather in the capital was warm and sunny on Friday afternoon, forecasters said."
    )
    article = _article(text)
    hits = [Hit(row=0, chunk=chunk_article(article)[0], score=1.0, similarity=0.5)]
    question = "How many landmines did deminers clear near Aghdam?"

    class Reversed(AnswerBuilder):
        def sentence_scores(self, question, pool, near, vector=None):  # type: ignore[no-untyped-def]
            return [-s for s in super().sentence_scores(question, pool, near, vector)]

    settings = Settings(reader=None, abstain_below=-1.0, max_quotes=1)
    plain = AnswerBuilder(EMB, settings).build(question, hits, {"a1": article}, ["a1"])
    flipped = Reversed(EMB, settings).build(question, hits, {"a1": article}, ["a1"])
    assert plain.quotes[0].text.startswith("Deminers cleared 300")
    assert flipped.quotes[0].text.startswith("The weather in the capital")
    assert flipped.confidence == flipped.quotes[0].score < 0 < plain.confidence == plain.quotes[0].score
