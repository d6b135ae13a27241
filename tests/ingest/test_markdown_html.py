"""Markdown with front matter and HTML pages with JSON-LD."""

from __future__ import annotations

from pathlib import Path

from conftest import DATA

from qa.ingest.corpus import read_articles


def test_markdown_front_matter() -> None:
    [art] = read_articles([DATA / "front-matter.md"]).articles
    assert art.title == "Analysis: why the harbour plan stalled"
    assert art.authors == ("Sam Okafor",)
    assert art.outlet == "Harbour Times"
    assert str(art.published) == "2024-04-02"
    assert art.genre == "analysis"
    assert art.text.startswith("The harbour plan stalled for three reasons, according to city records.")
    assert "crane.jpg" not in art.text and "**" not in art.text and "#" not in art.text


def test_markdown_section_field_decides_editorial() -> None:
    [art] = read_articles([DATA / "editorial.md"]).articles
    assert (art.genre, art.genre_evidence) == ("editorial", ("field 'section' is 'Editorials'",))


def test_markdown_with_broken_front_matter_still_loads(tmp_path: Path) -> None:
    (tmp_path / "x.md").write_text("---\ntitle: [unclosed\n---\nBody text of the note.\n")
    result = read_articles([tmp_path])
    assert [a.text for a in result.articles] == ["Body text of the note."]
    assert "front matter is not valid YAML" in result.warnings[0].message


def test_html_opinion_from_json_ld_graph() -> None:
    [art] = read_articles([DATA / "opinion-page.html"]).articles
    assert art.title == "We must protect the wetlands"
    assert art.authors == ("Lena Park",)
    assert art.outlet == "Riverside Post"
    assert str(art.published) == "2024-05-01"
    assert art.genre == "opinion"
    assert art.genre_evidence[0] == "JSON-LD @type is 'OpinionNewsArticle'"
    assert art.text.startswith("The wetlands north of the river")
    assert "alert(" not in art.text and "Copyright" not in art.text and "Home" not in art.text


def test_html_news_from_section_meta() -> None:
    [art] = read_articles([DATA / "news-page.html"]).articles
    assert art.genre == "news"
    assert art.genre_evidence[0] == "meta article:section is 'News'"
    assert art.authors == ("Priya Nair",)
    assert art.text.split("\n\n")[0] == (
        "A storm knocked out power to about 20,000 homes across the county on Monday night, the utility said."
    )


def test_html_without_article_text_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty.html").write_text("<html><head><title>x</title></head><body></body></html>")
    result = read_articles([tmp_path])
    assert result.articles == ()
    assert "no article text" in result.warnings[0].message
