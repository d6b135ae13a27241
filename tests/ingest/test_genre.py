"""Genre from cues in order of trust, with readable evidence; the text classifier as the fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.config import Settings
from qa.errors import GenreModelError
from qa.ingest.genre import classify, label_genre
from qa.ingest.genre_model import load_text_model, reader_for, windows
from qa.ingest.textclf import load_classifier
from qa.models import GenreSignals

OPINION_TEXT = (
    "I have lived in this town for thirty years, and I believe we are making a terrible mistake. "
    "We should not pave over the last green field we have. Our children deserve better, and the council "
    "must listen to us before it is too late. Why would anyone think another car park is what we need? "
    "It is time we stood up for the places that make this town worth living in. I urge every reader to "
    "write to their councillor this week. Surely we can do better than this."
)
NEWS_TEXT = (
    "The county council voted 7-2 on Tuesday to approve a 400-space car park on the former playing field, "
    "officials said. The $3.2 million project is expected to begin in March, according to a statement from "
    "the council. Council member Ruth Adams, who voted against the plan, told reporters on Wednesday that "
    "residents had not been consulted. A spokesperson for the developer said construction would take 14 months. "
    "The council said it received 212 written comments on the proposal, police said no arrests were made."
)

# Reference text (written for this test in an encyclopedia's manner): neither reporting nor argument.
REFERENCE_TEXT = (
    "The Varn is a river in the north of the region, about 140 kilometres long. It rises in the Kessel hills at "
    "an altitude of 1,200 metres and flows south-east through a series of glacial lakes before it joins the Orre "
    "near the town of Lindau. The river gives its name to the Varn valley, which was settled in the Bronze Age. "
    "Its main tributaries are the Alde, the Sorne and the Mirebrook. The lower course was canalised in the 19th "
    "century to carry timber and coal, and several of the original locks survive. The valley is known for its "
    "limestone caves, which contain some of the oldest rock paintings in the area."
)


@pytest.mark.parametrize(
    ("label", "genre"),
    [
        ("Opinion", "opinion"),
        ("Monday Commentary", "commentary"),
        ("Editorials", "editorial"),
        ("OpinionNewsArticle", "opinion"),
        ("AnalysisNewsArticle", "analysis"),
        ("News", "news"),
        ("ReportageNewsArticle", "news"),
        ("commentisfree", "opinion"),
        ("Sports", None),
        ("article", None),
    ],
)
def test_label_words(label: str, genre: str | None) -> None:
    assert label_genre(label) == genre


@pytest.mark.parametrize(
    ("signals", "genre", "first_evidence"),
    [
        (GenreSignals(title="Opinion: Fix the roads"), "opinion", "title starts with 'Opinion:'"),
        (GenreSignals(title="Editorial: Fix the roads"), "editorial", "title starts with 'Editorial:'"),
        (GenreSignals(title="Analysis: roads"), "analysis", "title starts with 'Analysis:'"),
        (
            GenreSignals(url="https://www.theguardian.com/commentisfree/2024/jan/01/x"),
            "opinion",
            "URL section '/commentisfree/'",
        ),
        (
            GenreSignals(url="https://www.usatoday.com/story/opinion/2024/01/01/x/1/"),
            "opinion",
            "URL section '/opinion/'",
        ),
        (
            GenreSignals(text="Jane Roe\n\nOpinion contributor\n\nBody."),
            "opinion",
            "byline or disclaimer says 'Opinion contributor'",
        ),
        (GenreSignals(site_label="Analysis", title="Opinion: x"), "analysis", "site label 'Analysis'"),
        (
            GenreSignals(metadata=(("JSON-LD @type", "OpinionNewsArticle"),), url="https://x.example/news/a"),
            "opinion",
            "JSON-LD @type is 'OpinionNewsArticle'",
        ),
        (GenreSignals(url="https://x.example/politics/2024/a"), "news", "URL section '/politics/' is a news desk"),
    ],
)
def test_cues_in_order_of_trust(signals: GenreSignals, genre: str, first_evidence: str) -> None:
    decision = classify(signals)
    assert decision.genre == genre
    assert decision.evidence[0] == first_evidence


def test_outweighed_cues_are_still_shown() -> None:
    decision = classify(GenreSignals(site_label="News", title="Opinion: x"))
    assert decision.genre == "news"
    assert decision.evidence == ("site label 'News'", "title starts with 'Opinion:' (suggests opinion; outweighed)")


def test_op_ed_mentioned_in_the_body_is_not_a_cue() -> None:
    text = "Filler sentence. " * 60 + "Last year she wrote an op-ed for the Times about it. " + "More filler. " * 60
    assert not any("op-ed" in e for e in classify(GenreSignals(text=text)).evidence)


def test_text_model_without_cues() -> None:
    opinion = classify(GenreSignals(text=OPINION_TEXT))
    news = classify(GenreSignals(text=NEWS_TEXT))
    assert (opinion.genre, news.genre) == ("opinion", "news")
    assert opinion.evidence[0].startswith("no genre cue; the text reads as argument (")
    assert news.evidence[0].startswith("no genre cue; the text reads as reporting (")
    reference = classify(GenreSignals(text=REFERENCE_TEXT))
    assert reference.genre == "unknown"
    assert reference.evidence[0].startswith("no genre cue; the text reads as neither reporting nor argument (")


def test_style_baseline_without_cues() -> None:
    style = load_classifier()
    opinion = classify(GenreSignals(text=OPINION_TEXT), model=style)
    assert opinion.genre == "opinion" and opinion.evidence[0].startswith("no genre cue; the text's style scores")
    assert style.probability(OPINION_TEXT) > 0.5 > style.probability(NEWS_TEXT)


def test_a_damaged_text_model_names_its_file(tmp_path: Path) -> None:
    bad = tmp_path / "model.json"
    bad.write_text('{"classes": ["news", "opinion"], "coef": [[1.0]]}')
    with pytest.raises(GenreModelError, match=r"model\.json"):
        load_text_model(bad)
    bad.write_text("not json")
    with pytest.raises(GenreModelError, match=r"model\.json"):
        load_text_model(bad)


def test_windows_cover_start_end_and_middle() -> None:
    text = " ".join(f"w{i}" for i in range(1000))
    start, middle, end = windows(text, 100, 3)
    assert start.split()[0] == "w0" and end.split()[-1] == "w999" and middle.split()[0] == "w450"
    assert windows("a few words", 100, 3) == ["a few words"]


def test_too_little_text_is_unknown() -> None:
    assert classify(GenreSignals(text="Short.")).genre == "unknown"


def test_the_labeller_is_a_setting() -> None:
    style = reader_for(Settings(genre_labeller="style"))
    assert style.second is None and style.first is not None  # no encoder needed
    assert style.read(REFERENCE_TEXT).genre == "unknown"
    assert style.read(OPINION_TEXT).genre == "opinion"
    assert reader_for(Settings()).second is not None  # the cascade by default
    with pytest.raises(ValueError):
        Settings(genre_labeller="llm")  # type: ignore[arg-type]
