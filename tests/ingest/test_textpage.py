"""The scraped-page reader on the seed corpus and on small pages written here."""

from __future__ import annotations

from pathlib import Path

from conftest import CORPUS

from qa.ingest.corpus import read_articles
from qa.ingest.readers.textpage import read_text_page

FURNITURE = (
    "Editor's choice",
    "Related articles",
    "Popular",
    "(Click the image to read more)",
    "photo:",
    "The views expressed",
    "source: This op-ed",
)


def test_seed_corpus_gives_exactly_three_articles() -> None:
    result = read_articles([CORPUS])
    assert result.warnings == ()
    summary = [(a.title, a.genre, a.authors, a.outlet, a.kind) for a in result.articles]
    assert summary == [
        (
            "Opinion: landmines remain a major problem for Azerbaijan",
            "opinion",
            ("Vasif Huseynov",),
            "commonspace.eu",
            "article",
        ),
        ("Germany accuses Russia of cyberattacks and disinformation campaign", "news", (), "commonspace.eu", "teaser"),
        (
            "NATO Chief says war is on Europe's doorstep, and warns against complacency",
            "news",
            (),
            "commonspace.eu",
            "teaser",
        ),
    ]
    for article in result.articles:
        assert article.genre_evidence, article.title


def test_op_ed_metadata_and_evidence() -> None:
    op_ed = read_articles([CORPUS]).articles[0]
    assert op_ed.author_role is not None and op_ed.author_role.startswith("Head of Department at the Centre")
    assert op_ed.genre_evidence[0] == "title starts with 'Opinion:'"
    assert any("op-ed" in e for e in op_ed.genre_evidence)
    assert op_ed.text.startswith('"On the occasion of the 4 April')
    assert op_ed.text.endswith("the challenges of this magnitude.")


def test_page_furniture_is_never_article_text() -> None:
    for article in read_articles([CORPUS]).articles:
        for furniture in FURNITURE:
            assert furniture not in article.text, (article.title, furniture)


def test_teaser_keeps_its_summary_and_label() -> None:
    nato = read_articles([CORPUS]).articles[2]
    assert nato.text.startswith("Russia could attack a NATO country within the next five years")
    assert nato.text.endswith(
        '"Allied defence spending and production must rise rapidly, our armed forces must have '
        'what they need to keep us safe," the Nato chief said.'
    )
    assert nato.genre_evidence == ("site label 'News'",)


PAGE = """Analysis: Ports face a long winter

Shipping rates rose again in October, writes Jo Smith in this analysis for harbour.example.

Dock workers said queues were the longest since 2021.

Related articles

Monday Commentary
Why the canal matters

Why the canal matters

The canal carries a tenth of world trade. (Click the image to read more).
Opinion
Tax the tankers

A levy on tankers would pay for the dredging.
"""


def test_labels_above_teasers_decide_their_genre() -> None:
    drafts = list(read_text_page(PAGE, "page.txt"))
    assert [(d.title, d.kind, d.signals.site_label) for d in drafts] == [
        ("Analysis: Ports face a long winter", "article", None),
        ("Why the canal matters", "teaser", "Monday Commentary"),
        ("Tax the tankers", "teaser", "Opinion"),
    ]
    assert drafts[0].authors == ("Jo Smith",) and drafts[0].outlet == "harbour.example"
    assert drafts[1].text == "The canal carries a tenth of world trade."


def test_same_teaser_listed_twice_is_one_article(tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    page.write_text(PAGE + "\nPopular\n\nOpinion\nTax the tankers\n\nA levy on tankers would pay for the dredging.\n")
    titles = [a.title for a in read_articles([page]).articles]
    assert titles.count("Tax the tankers") == 1
    assert read_articles([page]).articles[1].genre == "commentary"
