"""Reported speech: who is speaking in a sentence, on the seed corpus's own sentences."""

from __future__ import annotations

import pytest
from conftest import CORPUS

from qa.answers.speech import speaker_of
from qa.ingest.corpus import read_articles

CASES = [
    (
        "Russia could attack a NATO country within the next five years, the Secretary General of NATO, "
        "Mark Rutte, said in a stark new warning.",
        None,
        "Mark Rutte",
    ),
    (
        '"NATO\'s own defences can hold for now," Rutte warned in Berlin, but conflict was "next door" to Europe.',
        None,
        "Rutte",
    ),
    (
        '"Russia is already escalating its covert campaign against our societies," Rutte said in a speech in Germany.',
        None,
        "Rutte",
    ),
    (
        '"We must be prepared for the scale of war our grandparents or great-grandparents endured."',
        '"Russia is already escalating," Rutte said in a speech in Germany.',
        "Rutte",
    ),
    (
        "Earlier this month, Russia's President Vladimir Putin said his country was not planning to go to war "
        "with Europe.",
        None,
        "Vladimir Putin",
    ),
    (
        "But Putin was not sincere, Nato's secretary-general said in the German capital, Berlin.",
        None,
        "Nato's secretary-general",
    ),
    (
        "Supporting Ukraine, he added, was a guarantee for European security.",
        "But Putin was not sincere, Nato's secretary-general said in the German capital, Berlin.",
        "Nato's secretary-general",
    ),
    ("Analysts say it would take years for Western Europe's factories to come close.", None, "Analysts"),
    ('"Allied defence spending and production must rise rapidly," the Nato chief said.', None, "the Nato chief"),
    (
        '"We have been observing a massive increase," a spokesperson for the Foreign Ministry stated.',
        None,
        "a spokesperson for the Foreign Ministry",
    ),
    (
        "According to the German Foreign Office in Berlin, the incidents could be clearly attributed to the GRU.",
        None,
        "the German Foreign Office in Berlin",
    ),
    ("The spokesperson added that with these actions, Russia is threatening our security.", None, "The spokesperson"),
    (
        "The Foreign Ministry spokesperson explained that the cyberattack was attributed to APT28.",
        None,
        "The Foreign Ministry spokesperson",
    ),
    ("The German government holds Russia responsible for a cyberattack on German air traffic control.", None, None),
    ("Russia's economy has been on a war footing for more than three years now.", None, None),
    (
        '"Azerbaijan seeks to raise awareness," writes Vasif Huseynov in this op-ed for commonspace.eu.',
        None,
        "Vasif Huseynov",
    ),
    ("Putin has accused European countries of hindering US efforts to bring peace in Ukraine.", None, None),
    ("Last year, ANAMA defused 8,780 anti-personnel and 4,133 anti-tank landmines.", None, None),
]


@pytest.mark.parametrize(("sentence", "previous", "speaker"), CASES)
def test_speaker_of(sentence: str, previous: str | None, speaker: str | None) -> None:
    assert speaker_of(sentence, previous) == speaker


def test_every_case_is_a_real_corpus_sentence() -> None:
    text = "\n".join(a.text for a in read_articles([CORPUS]).articles).replace("\\", "")
    for sentence, _, _ in CASES:
        head = sentence.split(",")[0].strip('"')[:30]
        assert head in text, head
