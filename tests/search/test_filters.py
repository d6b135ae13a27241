"""Filters on genre (or the opinion family), outlet, author and dates, applied inside retrieval."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from conftest import CORPUS

from qa.assistant import Assistant
from qa.config import Settings
from qa.models import Filters
from qa.search.build import build_index


@pytest.fixture(scope="module")
def assistant(tmp_path_factory: pytest.TempPathFactory) -> Assistant:
    src = tmp_path_factory.mktemp("src")
    (src / "extra.jsonl").write_text(
        "".join(
            json.dumps(r) + "\n"
            for r in [
                {
                    "id": "ed1",
                    "title": "Our view: clear the mines",
                    "text": "Landmines must be cleared faster, and the government should pay for it.",
                    "section": "Editorial",
                    "outlet": "Daily Gazette",
                    "date": "2023-05-01",
                },
                {
                    "id": "n1",
                    "title": "Mines cleared near Aghdam",
                    "text": "Deminers cleared 300 landmines near Aghdam on Monday, officials said.",
                    "section": "News",
                    "outlet": "Daily Gazette",
                    "author": "Lee Park",
                    "date": "2023-06-10",
                },
            ]
        )
    )
    index_dir = tmp_path_factory.mktemp("idx")
    build_index([CORPUS, src], index_dir, settings=Settings(model="hash-256"))
    return Assistant.load(index_dir, Settings(reader=None, abstain_below=-1.0))


def _articles(assistant: Assistant, filters: Filters) -> set[str]:
    answer = assistant.ask("landmines cleared mines", filters=filters)
    return {q.article_id for q in (*answer.quotes, *answer.nearby)} | set(answer.articles)


OPED = "d41c0586d14ac7dc"


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (Filters(genres=("opinion",)), {OPED, "ed1"}),
        (Filters(genres=("editorial",)), {"ed1"}),
        (Filters(genres=("news",), outlet="daily gazette"), {"n1"}),
        (Filters(author="huseynov"), {OPED}),
        (Filters(since=dt.date(2023, 6, 1)), {"n1"}),
        (Filters(until=dt.date(2023, 5, 31)), {"ed1"}),
        (Filters(outlet="Nobody"), set()),
    ],
)
def test_filters_choose_the_articles(assistant: Assistant, filters: Filters, expected: set[str]) -> None:
    assert _articles(assistant, filters) == expected


def test_filter_applies_before_truncation(assistant: Assistant) -> None:
    # With k=1 and no filter the op-ed's chunks win; the filter must still find the news report.
    answer = assistant.ask("landmines cleared mines", k=1, filters=Filters(genres=("news",), outlet="Daily Gazette"))
    assert answer.articles == ("n1",)


def test_cli_filters(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from qa.app.cli import main

    assert main(["build", str(CORPUS), "--index", str(tmp_path / "i"), "--model", "hash-256", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["ask", "Russia war NATO", "--index", str(tmp_path / "i"), "--genre", "opinion", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert {q["genre"] for q in answer["quotes"] + answer["nearby"]} <= {"opinion"}
    with pytest.raises(SystemExit):
        main(["ask", "x", "--since", "yesterday"])
    assert "not a date (YYYY-MM-DD): 'yesterday'" in capsys.readouterr().err
