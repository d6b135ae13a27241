"""Chunks: whole sentences, paragraphs respected, and offsets that always point back into the article."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import CORPUS, DATA

from qa.config import Settings
from qa.ingest.corpus import read_articles
from qa.models import Article
from qa.search.chunk import chunk_article, chunk_articles, sentence_spans


def _article(text: str) -> Article:
    return Article(id="a", title="t", text=text, source_path="x")


def _assert_offsets(articles: tuple[Article, ...], settings: Settings | None = None) -> int:
    by_id = {a.id: a for a in articles}
    chunks = chunk_articles(list(articles), settings)
    for c in chunks:
        text = by_id[c.article_id].text
        assert c.text == text[c.start : c.end]
        assert c.sentences[0][0] == c.start and c.sentences[-1][1] == c.end
    return len(chunks)


def test_offsets_hold_on_the_seed_corpus_and_fixtures() -> None:
    assert _assert_offsets(read_articles([CORPUS]).articles) > 10
    assert _assert_offsets(read_articles([DATA]).articles) > 5


def test_offsets_hold_on_shared_news_articles(shared_data: Path) -> None:
    assert _assert_offsets(read_articles([shared_data / "news_qa" / "articles.jsonl"]).articles) > 1000


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        ("Dr Vasif Huseynov wrote it. It was read.", ["Dr Vasif Huseynov wrote it.", "It was read."]),
        ("Talks with the U.S. stalled. Both sides left.", ["Talks with the U.S. stalled.", "Both sides left."]),
        ("It needs $25 billion. That is a lot.", ["It needs $25 billion.", "That is a lot."]),
        ('"We must act," he said. She agreed.', ['"We must act," he said.', "She agreed."]),
        ("Mr. Smith met Ms. Jones. They spoke.", ["Mr. Smith met Ms. Jones.", "They spoke."]),
    ],
)
def test_tricky_sentence_boundaries(text: str, sentences: list[str]) -> None:
    assert [text[s:e] for s, e in sentence_spans(text)] == sentences


def test_chunks_never_cut_a_sentence_and_overlap() -> None:
    text = " ".join(f"Sentence number {i} ends here." for i in range(10))
    chunks = chunk_article(_article(text), Settings(chunk_sentences=4, chunk_overlap=1))
    assert [len(c.sentences) for c in chunks] == [4, 4, 4]
    assert chunks[1].sentences[0] == chunks[0].sentences[-1]
    assert all(c.text.endswith("ends here.") and c.text.startswith("Sentence") for c in chunks)


def test_chunks_respect_paragraphs_and_keep_headings_with_their_text() -> None:
    text = "First para one. First para two.\n\nA heading\n\nSecond para one. Second para two."
    chunks = chunk_article(_article(text))
    assert [c.text for c in chunks] == [
        "First para one. First para two.",
        "A heading\n\nSecond para one. Second para two.",
    ]


def test_long_sentences_stop_a_chunk_growing() -> None:
    text = " ".join("This sentence is long " + "word " * 60 + "end." for _ in range(3))
    chunks = chunk_article(_article(text), Settings(chunk_max_chars=400))
    assert [len(c.sentences) for c in chunks] == [1, 1, 1]


def test_overlap_must_be_smaller_than_chunk() -> None:
    with pytest.raises(ValueError, match="chunk_overlap must be < chunk_sentences, got 4 >= 4"):
        Settings(chunk_sentences=4, chunk_overlap=4)


def test_short_paragraphs_are_packed_and_long_ones_overlap() -> None:
    long = " ".join(f"The long paragraph has sentence {n}." for n in range(1, 7))
    text = f"The first paragraph is short. It has two sentences.\n\nThe second has one.\n\n{long}"
    chunks = chunk_article(_article(text), Settings(chunk_sentences=4, chunk_overlap=1))
    assert [len(c.sentences) for c in chunks] == [3, 4, 3]
    assert chunks[0].text == "The first paragraph is short. It has two sentences.\n\nThe second has one."
    assert chunks[1].text.startswith("The long paragraph has sentence 1.")
    assert chunks[2].text.startswith("The long paragraph has sentence 4.")


def test_quotation_marks_stay_with_their_sentence() -> None:
    for article in read_articles([CORPUS]).articles:
        for s, e in sentence_spans(article.text):
            sentence = article.text[s:e]
            assert not sentence.startswith(('" ', "” ")), sentence
            assert not sentence.endswith((' "', " “")), sentence
    text = 'Factories churn out shells. "Allied spending must rise," the chief said.'
    assert [text[s:e] for s, e in sentence_spans(text)][-1].startswith('"Allied')
