"""The reader's cross-report training questions (scripts/reader_data.py): asked of another report, never a copy."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import reader_data as rd

REPORT_A = (
    "The harbour board in Port Calder approved a new ferry terminal on Tuesday after a long public inquiry. "
    "The terminal will cost 48 million pounds and open in the spring of next year, the board's chair said. "
    "Fishing crews had objected to the loss of berths at the old quay. "
    "The ferry operator Calder Line welcomed the decision and promised more sailings to the islands. "
    "Work on the foundations is due to start within weeks."
)
REPORT_B = (
    "Councillors have long argued about the future of the waterfront. "
    "Port Calder's harbour board has given the go-ahead to a ferry terminal priced at 48 million pounds, "
    "ending an inquiry that lasted two years. "
    "Several fishing families said they would lose their moorings. "
    "Calder Line, which runs the island crossings, said it would add sailings. "
    "Builders are expected on site before the end of the month. "
    "The old quay will stay open for leisure craft."
)


def story() -> list[dict]:
    return [
        {"text": REPORT_A, "retrieved_for_question_id": "q1"},
        {"text": REPORT_B, "retrieved_for_question_id": "q1"},
        {"text": "A lone article about something else entirely, long enough.", "retrieved_for_question_id": "q2"},
    ]


def test_story_groups_keep_stories_of_two_or_more_reports() -> None:
    groups = rd.story_groups(story())
    assert [len(g) for g in groups] == [2]


def test_cross_questions_come_from_one_report_and_are_answered_by_the_other() -> None:
    groups = rd.cross_groups(rd.story_groups(story()), per_story=20, seed=3)
    answered = [g for g in groups if g.source == "cross"]
    assert answered, "a story whose reports share a figure gives at least one cross-report question"
    sentences_b = rd.split_sentences(REPORT_B)
    for g in answered:
        assert g.positive is not None
        positive = g.candidates[g.positive].split(" [SEP] ")[0]
        assert positive in sentences_b  # asked of the other report
        assert rd.normalise(g.answers[0]) in rd.normalise(positive)
        assert rd.normalise(g.answers[0]) not in rd.normalise(g.question)
        for i, c in enumerate(g.candidates):
            if i != g.positive:
                assert rd.normalise(g.answers[0]) not in rd.normalise(c.split(" [SEP] ")[0])
    for g in groups:
        if g.source == "cross-miss":  # the same question, no sentence holding the answer
            assert g.positive is None
            assert all(rd.normalise(g.answers[0]) not in rd.normalise(c) for c in g.candidates)


def test_a_blank_inside_a_longer_name_is_not_asked() -> None:
    for sentence, part in (
        ("Officials tracked COVID-19 cases in the city.", "19"),
        ("The Bank of England raised rates on Thursday.", "England"),
    ):
        start = sentence.index(part)
        assert rd._inside_name(sentence, rd.Blank(start, start + len(part), "what"))
    sentence = "The terminal will cost 48 million pounds, the chair said."
    start = sentence.index("48")
    assert not rd._inside_name(sentence, rd.Blank(start, start + len("48 million"), "how many"))
    assert rd.cloze_question(sentence, rd.Blank(start, start + 10, "how many"), random.Random(1)).endswith("?")


def test_premise_questions_open_with_a_sentence_that_does_not_answer() -> None:
    sentences = [
        "The quay was opened in March.",
        "It is 400 metres long.",
        "The port handles two million tonnes a year.",
    ]
    answerable = rd.Group(
        "How long is the quay?", [rd.pair_text(sentences, i) for i in range(3)], 1, "squad2", ["400 metres"]
    )
    unanswerable = rd.Group("What is the port's profit?", answerable.candidates, None, "squad2", [])
    cloze = rd.Group("Blank?", answerable.candidates, 0, "cloze", [])
    out = rd.premise_groups([answerable, unanswerable, cloze] * 20, 1.0, seed=3)
    assert len(out) == 40 and {g.source for g in out} == {"squad2-premise"}  # squad2 questions only
    for g in out:
        question = g.question
        assert question.endswith(("How long is the quay?", "What is the port's profit?"))
        asked = "How long is the quay?" if question.endswith("quay?") else "What is the port's profit?"
        premise = question[: -len(asked)].strip()
        assert premise in sentences
        assert g.positive is None or premise != sentences[g.positive]  # never the answering sentence
        assert g.candidates == answerable.candidates and g.positive in (1, None)
    assert rd.premise_groups([answerable] * 100, 0.3, seed=3) == rd.premise_groups([answerable] * 100, 0.3, seed=3)
    assert 10 < len(rd.premise_groups([answerable] * 100, 0.3, seed=3)) < 50
