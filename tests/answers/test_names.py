"""Which names and numbers of a question the passages mention, and the spellings that count as a mention."""

from __future__ import annotations

from qa.answers.names import key_terms, unmatched_terms
from qa.models import Article
from qa.search.sparse import base_forms, tokenize


def _missing(question: str, text: str) -> tuple[str, ...]:
    article = Article(id="a", title="Archive", text=text, outlet="Gazette", genre="news", source_path="x.jsonl")
    words = {w for t in tokenize([text]) for w in base_forms(t)}
    return unmatched_terms(question, words, [text], {"a": article})


def test_names_and_numbers_of_a_question() -> None:
    assert key_terms("When did Tugh Temur found the Academy in 1329?") == ["Tugh Temur", "Academy", "1329"]
    # a sentence's first word and a follow-up's parenthesised hint are not asked about
    assert key_terms("Where (after: Who is Mark Rutte?) did he speak?") == []


def test_accents_and_decades_are_the_same_name() -> None:
    assert _missing("When did Tugh Temur die?", "Tugh Temür died in 1332.") == ()
    late_fifties = "In the late 1950s Baran developed packet switching."
    assert _missing("What did Baran develop in the 1950's?", late_fifties) == ()
    assert _missing("What did Baran develop in 1960?", late_fifties) == ("1960",)


def test_an_acronym_meets_its_spelt_out_or_dotted_form() -> None:
    text = "The European Union and the U.S. agreed; General Motors said nothing."
    assert _missing("What did the EU and the US agree?", text) == ()
    assert _missing("Why did GM say nothing?", text) == ()
    assert _missing("What did the UN agree?", text) == ("UN",)


def test_a_place_adjective_meets_its_place() -> None:
    text = "Settlers came to Britain, Italy, Poland and China; Germany and Israel followed."
    for adjective in ("British", "Italian", "Polish", "Chinese", "German", "Israeli", "Israelis"):
        assert _missing(f"Where did {adjective} settlers go?", text) == (), adjective
    # a name is not a place's adjective because of its ending: Milan is not "million"
    assert _missing("Where did Milan settlers go?", "A million settlers came.") == ("Milan",)
    assert _missing("Where did French settlers go?", text) == ("French",)
