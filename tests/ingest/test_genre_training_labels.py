"""How the genre models' training data is labelled (scripts/genre_data.training_label): as the assistant's own URL
cue reads a URL, so a column filed under a sports desk trains as opinion, not as reporting."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import genre_data


@pytest.mark.parametrize(
    ("section", "url", "label"),
    [
        ("opinion", "https://eu.usatoday.com/story/opinion/2021/05/01/x/1/", "opinion"),
        ("other_non_opinion", "https://eu.usatoday.com/story/sports/columnist/nancy-armour/2022/01/01/x/1/", "opinion"),
        ("news", "https://eu.usatoday.com/story/tech/columnist/baig/2020/01/01/x/1/", "opinion"),
        ("news", "https://eu.usatoday.com/story/news/politics/2022/01/01/x/1/", "news"),
        ("other_non_opinion", "https://eu.usatoday.com/story/sports/nfl/2022/01/01/x/1/", "news"),
        ("news", "https://example.com/analysis/2022/what-the-vote-means", None),
        ("news", None, "news"),
    ],
)
def test_columns_read_the_url_as_the_assistant_does(section: str, url: str | None, label: str | None) -> None:
    record = {"genre_from_url_section": section, "url": url}
    assert genre_data.training_label(record, columns_as_opinion=True) == label


def test_by_default_the_publishers_section_alone_labels_as_before() -> None:
    column = {"genre_from_url_section": "other_non_opinion", "url": "https://x.com/story/sports/columnist/a/b/"}
    assert genre_data.training_label(column) == "news"
