"""The metric functions on hand-made cases, and gold-file errors that name the line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from qa.evaluation.gold import GoldError, read_gold
from qa.evaluation.metrics import answer_in_quotes, first_gold_rank, normalize_answer, percentile, prf, quote_fidelity
from qa.models import Article, Quote


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("The “Squid Game”", "squid game"),
        ("An  apple, a pear & the   plum!", "apple pear plum"),
        ("$25 billion.", "25 billion"),
        ("It's  “fake agenda”", "it fake agenda"),
        ("TikTok’s political fundraising ban", "tiktok political fundraising ban"),
        ("the players' union", "players union"),
        ("A 17-year-old pilot — alone", "17 year old pilot alone"),
        ("Theatre", "theatre"),
    ],
)
def test_normalize_answer(raw: str, normal: str) -> None:
    assert normalize_answer(raw) == normal


def test_answer_in_quotes_respects_k_and_word_boundaries() -> None:
    quotes = ["No number here.", "ANAMA defused 4,133 anti-tank landmines."]
    assert not answer_in_quotes(["4,133"], quotes, 1)
    assert answer_in_quotes(["4,133"], quotes, 2)
    assert answer_in_quotes(["the 4,133"], quotes, 2)
    assert not answer_in_quotes(["133"], quotes, 2)  # part of a number is not the answer
    assert not answer_in_quotes([], quotes, 2)


def _article(aid: str, url: str | None = None, text: str = "Alpha beta gamma.") -> Article:
    return Article(id=aid, title="t", text=text, url=url, source_path="x")


def test_first_gold_rank_by_id_or_url() -> None:
    returned = [_article("a"), _article("b", "https://www.cnn.com/2022/x/index.html"), _article("c")]
    assert first_gold_rank(["c"], returned) == 3
    assert first_gold_rank(["https://cnn.com/2022/x/index.html/"], returned) == 2
    assert first_gold_rank(["zzz"], returned) is None


def test_prf() -> None:
    assert prf([True, True, False, False], [True, False, True, False]) == (0.5, 0.5, 0.5)
    assert prf([False, False], [True, False]) == (None, 0.0, None)
    assert prf([True], [False]) == (0.0, None, None)


def _quote(start: int, end: int, text: str) -> Quote:
    return Quote(
        text=text,
        article_id="a",
        start=start,
        end=end,
        title="t",
        author=None,
        outlet=None,
        published=dt.date(2024, 1, 1),
        url=None,
        genre="news",
        genre_evidence=(),
        score=1.0,
        label="x",
    )


def test_quote_fidelity_counts_bad_offsets() -> None:
    articles = {"a": _article("a")}
    assert quote_fidelity([_quote(0, 5, "Alpha"), _quote(6, 10, "beta")], articles) == 1.0
    assert quote_fidelity([_quote(0, 5, "Alpha"), _quote(0, 4, "beta")], articles) == 0.5
    assert quote_fidelity([], articles) is None


def test_percentile() -> None:
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 50) == 30.0
    assert percentile([5.0], 95) == 5.0 and percentile([], 50) == 0.0


def test_gold_reads_the_shared_shape_and_ignores_extra_fields(tmp_path: Path) -> None:
    path = tmp_path / "g.jsonl"
    path.write_text(
        '{"id": "1", "question": "Q?", "answers": ["A"], "doc_ids": ["d"], "date": "2022"}\n\n'
        '{"id": "2", "question": "U?", "answers": [], "unanswerable": true, "genre": null}\n'
    )
    gold = read_gold(path)
    assert [(g.id, g.unanswerable, g.doc_ids) for g in gold] == [("1", False, ("d",)), ("2", True, ())]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"id": "1", "question": "Q?"}\n{"id": "2"\n', r"g\.jsonl:2: invalid JSON"),
        ('{"id": "1"}\n', r"g\.jsonl:1: field 'question': Field required"),
        ('{"id": "1", "question": "Q?", "answers": "A"}\n', r"g\.jsonl:1: field 'answers'"),
        ("[1, 2]\n", r"g\.jsonl:1: expected a JSON object, got list"),
        ("\n", r"g\.jsonl: no gold questions"),
    ],
)
def test_malformed_gold_names_the_line(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "g.jsonl").write_text(content)
    with pytest.raises(GoldError, match=message):
        read_gold(tmp_path / "g.jsonl")


def test_quote_precision_is_the_share_of_shown_quotes_holding_an_answer() -> None:
    from qa.evaluation.metrics import quote_precision

    answered = [(("APT28",), ["APT28 attacked.", "Weather was fine."]), (("1,200",), ["About 1,200 homes."])]
    assert quote_precision(answered) == 0.6667  # rounded to four places, as every figure of the report
    assert quote_precision([]) is None
