"""The search backend contract, run against both backends: the folder index and PostgreSQL (a real server).

Same corpus, same hash embedder: both must hold the same chunks, find the same rows for the same queries, apply
every filter inside search, update incrementally, and answer the same questions with the same quotes."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, ROOT

from qa.assistant import Assistant
from qa.config import Settings
from qa.models import Filters
from qa.search.backend import SearchBackend, open_index
from qa.search.build import build_index
from qa.search.embed import HashEmbedder

EMB = HashEmbedder(64)
SETTINGS = Settings(model="hash-64", reader=None)
QUESTIONS = [
    "anti-tank mines defused by ANAMA",
    "cyberattack on German air traffic control",
    "NATO chief warning",
    "deminers cleared landmines near Aghdam",
]
OPED = "d41c0586d14ac7dc"
EXTRA = [
    {
        "id": "ed1",
        "title": "Our view: clear the mines",
        "text": "Landmines must be cleared faster, and the government should pay for it. Deminers deserve better.",
        "section": "Editorial",
        "outlet": "Daily Gazette",
        "date": "2023-05-01",
    },
    {
        "id": "n1",
        "title": "Mines cleared near Aghdam",
        "text": "Deminers cleared 300 landmines near Aghdam on Monday, officials said. The work goes on.",
        "section": "News",
        "outlet": "Daily Gazette",
        "author": "Lee Park",
        "date": "2023-06-10",
    },
    {
        "id": "u1",
        "title": "Undated note on mines",
        "text": "Landmines were cleared from a school yard, the council said.",
        "section": "News",
        "outlet": "Town Crier",
    },
]
SEED_GOLD = [json.loads(line)["question"] for line in (ROOT / "eval" / "seed_gold.jsonl").read_text().splitlines()]


def _source(folder: Path, records: list[dict[str, object]] = EXTRA) -> list[Path]:
    folder.mkdir(exist_ok=True)
    (folder / "extra.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return [CORPUS, folder]


@pytest.fixture(params=["folder", pytest.param("postgres", marks=pytest.mark.postgres)])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """An empty index location of each backend."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_uri"))
    return tmp_path / "idx"


@pytest.fixture
def built(where: str | Path, tmp_path: Path) -> Iterator[SearchBackend]:
    build_index(_source(tmp_path / "src"), where, SETTINGS)
    index = open_index(where, settings=SETTINGS)
    yield index
    index.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchBackend]:
    """The folder index of the same corpus, to compare the database against."""
    folder = tmp_path_factory.mktemp("ref")
    build_index(_source(folder / "src"), folder / "idx", SETTINGS)
    index = open_index(folder / "idx")
    yield index
    index.close()


def _ids(index: SearchBackend, results: list[list[tuple[int, float]]]) -> list[list[tuple[str, float]]]:
    """Results as (chunk id, score): rows differ between backends, chunk ids don't."""
    out = []
    for result in results:
        looked = index.lookup([r for r, _ in result])
        out.append([(looked[r].chunk.id, round(s, 3)) for r, s in result])
    return out


def test_same_chunks_and_texts(built: SearchBackend, reference: SearchBackend) -> None:
    assert (built.manifest.articles, built.manifest.chunks) == (reference.manifest.articles, reference.manifest.chunks)
    assert built.manifest.model == "hash-64" and built.manifest.dim == 64
    for article_id, *_ in reference.article_meta():
        mine, theirs = built.chunks_of(article_id), reference.chunks_of(article_id)
        assert [c for _, c in mine] == [c for _, c in theirs]
        article, other = built.article(article_id), reference.article(article_id)
        assert article is not None and other is not None
        assert article.model_copy(update={"source_path": ""}) == other.model_copy(update={"source_path": ""})
        for _, chunk in mine:
            assert article.text[chunk.start : chunk.end] == chunk.text
    assert [a.id for a in built.articles()] == [a.id for a in reference.articles()]
    assert [a.id for a in built.articles(limit=2)] == [a.id for a in reference.articles()][:2]
    assert sorted(built.article_meta()) == sorted(reference.article_meta())


def test_same_rows_for_the_same_queries(built: SearchBackend, reference: SearchBackend) -> None:
    vectors = EMB.embed(QUESTIONS)
    assert _ids(built, built.dense_search(vectors, 5)) == _ids(reference, reference.dense_search(vectors, 5))
    # BM25: the same chunks in the same order with the same scores as bm25s (the database's own statistics).
    assert _ids(built, built.bm25_search(QUESTIONS, 5)) == _ids(reference, reference.bm25_search(QUESTIONS, 5))
    assert built.bm25_search(["zzzz qqqq", "the of and"], 5) == [[], []]
    with pytest.raises(ValueError, match="k must be > 0"):
        built.dense_search(vectors, 0)


FILTERS = [
    (Filters(genres=("opinion",)), {OPED, "ed1"}),
    (Filters(genres=("editorial",)), {"ed1"}),
    (Filters(genres=("news",), outlet="daily GAZETTE"), {"n1"}),
    (Filters(author="huseynov"), {OPED}),
    (Filters(author="LEE"), {"n1"}),
    (Filters(since=dt.date(2023, 6, 1)), {"n1"}),
    (Filters(until=dt.date(2023, 5, 31)), {"ed1"}),
    (Filters(outlet="Town Crier", since=dt.date(2000, 1, 1)), set()),  # undated never passes a date bound
    (Filters(outlet="Town Crier"), {"u1"}),
    (Filters(articles=("n1", "u1")), {"n1", "u1"}),
    (Filters(outlet="Nobody"), set()),
]


@pytest.mark.parametrize(("filters", "expected"), FILTERS)
def test_filters_inside_both_legs(built: SearchBackend, filters: Filters, expected: set[str]) -> None:
    vectors = EMB.embed(["landmines cleared mines"])
    for results in (
        built.dense_search(vectors, 50, filters),
        built.bm25_search(["landmines cleared mines"], 50, filters),
    ):
        found = {built.lookup([r])[r].chunk.article_id for r, _ in results[0]}
        assert found <= expected
    # The dense leg returns every passing article however selective the filter (no truncation before filtering).
    assert {built.lookup([r])[r].chunk.article_id for r, _ in built.dense_search(vectors, 50, filters)[0]} == expected
    assert set(built.article_ids(filters)) == expected


def test_the_same_answers_from_both(built: SearchBackend, reference: SearchBackend) -> None:
    mine = Assistant(built, EMB, SETTINGS).ask_many(SEED_GOLD)
    theirs = Assistant(reference, EMB, SETTINGS).ask_many(SEED_GOLD)
    for a, b in zip(mine, theirs, strict=True):
        assert [(q.article_id, q.start, q.end, q.text) for q in a.quotes] == [
            (q.article_id, q.start, q.end, q.text) for q in b.quotes
        ], a.question
        assert a.abstained == b.abstained


def test_incremental_update_embeds_only_what_changed(where: str | Path, tmp_path: Path) -> None:
    sources = _source(tmp_path / "src")
    first = build_index(sources, where, SETTINGS)
    again = build_index(sources, where, SETTINGS)
    assert again.up_to_date and again.embedded == 0 and again.chunks == first.chunks
    changed = [dict(EXTRA[0], text="Landmines must go. The budget should double."), EXTRA[2]]
    changed.append({"id": "n2", "title": "New report", "text": "A new bridge opened in Alat on Friday.", "outlet": "X"})
    _source(tmp_path / "src", changed)
    report = build_index(sources, where, SETTINGS)
    assert (report.added, report.changed, report.removed) == (1, 1, 1)
    assert report.embedded == 2 and report.reused == report.chunks - 2
    index = open_index(where, settings=SETTINGS)
    try:
        assert index.article("n1") is None and index.chunks_of("n1") == []
        edited = index.article("ed1")
        assert edited is not None and edited.text.startswith("Landmines must go.")
        [top] = index.bm25_search(["bridge opened in Alat"], 1)
        assert index.lookup([top[0][0]])[top[0][0]].chunk.article_id == "n2"
        assert "n1" not in index.article_ids()
    finally:
        index.close()


def test_chunks_gone_since_the_search_are_dropped(built: SearchBackend) -> None:
    [result] = built.bm25_search(["landmines"], 3)
    rows = [r for r, _ in result]
    assert set(built.lookup([*rows, 10**9])) == set(rows)


def test_stored_vectors_are_the_vectors_searched(built: SearchBackend, reference: SearchBackend) -> None:
    [result] = built.bm25_search(["landmines"], 3)
    rows = [r for r, _ in result]
    stored = built.stored_vectors([*rows, 10**9])
    assert set(stored) == set(rows)  # a row no longer in the index is left out
    by_id = {c.id: r for r, c in ((r, built.lookup([r])[r].chunk) for r in rows)}
    for chunk_id, row in by_id.items():
        vector = stored[row]
        assert built.lookup([row], vector)[row].similarity == pytest.approx(float(vector @ vector), abs=1e-4)
        # the same chunk holds the same vector in the other backend
        ref_row = next(r for r, c in reference.chunks_of(built.lookup([row])[row].chunk.article_id) if c.id == chunk_id)
        assert np.allclose(reference.stored_vectors([ref_row])[ref_row], vector, atol=1e-5)


def test_a_new_record_with_the_same_text_is_rewritten_without_embedding(where: str | Path, tmp_path: Path) -> None:
    sources = _source(tmp_path / "src")
    build_index(sources, where, SETTINGS)
    edited = [EXTRA[0], dict(EXTRA[1], section="Opinion", title="Mines: a view"), dict(EXTRA[2], date="2023-07-01")]
    _source(tmp_path / "src", edited)
    report = build_index(sources, where, SETTINGS)
    assert (report.embedded, report.added, report.changed, report.removed, report.updated) == (0, 0, 0, 0, 2)
    index = open_index(where, settings=SETTINGS)
    try:
        n1, u1 = index.article("n1"), index.article("u1")
        assert n1 is not None and n1.genre == "opinion" and n1.title == "Mines: a view"
        assert u1 is not None and u1.published == dt.date(2023, 7, 1)
        # the filters of both legs see the new record: n1 is now an opinion piece, u1 has a date
        opinion = Filters(genres=("opinion",))
        [hits] = index.bm25_search(["Deminers cleared 300 landmines near Aghdam"], 20, opinion)
        assert "n1" in {index.lookup([r])[r].chunk.article_id for r, _ in hits}
        vector = EMB.embed(["Deminers cleared 300 landmines near Aghdam"])[0]
        [dense] = index.dense_search(vector[None, :], 20, opinion)
        assert "n1" in {index.lookup([r])[r].chunk.article_id for r, _ in dense}
        dated = Filters(since=dt.date(2023, 6, 15))
        [hits] = index.bm25_search(["Landmines were cleared from a school yard"], 20, dated)
        assert "u1" in {index.lookup([r])[r].chunk.article_id for r, _ in hits}
    finally:
        index.close()
    assert build_index(sources, where, SETTINGS).up_to_date
