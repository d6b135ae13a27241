"""A build labels cue-less articles from the chunk vectors it has just made: the same labels as reading the
corpus alone, no article left pending, and no second pass of the encoder where the index's vectors serve."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from qa.config import Settings
from qa.ingest.corpus import is_pending, read_articles
from qa.ingest.genre import PENDING_EVIDENCE
from qa.ingest.genre_model import reader_for
from qa.models import Filters
from qa.search.build import build_index, label_from_vectors
from qa.search.chunk import chunk_articles
from qa.search.embed import HashEmbedder
from qa.search.index import Index

CUELESS = Path(__file__).resolve().parents[1] / "data" / "genre_build" / "cueless.jsonl"
# The labeller whose embedding model reads first chunk vectors (the default cascade reads its own windows).
CHUNKS = Settings(genre_labeller="cascade-chunks", reader=None)


def _labels(articles: object) -> dict[str, tuple[str, str]]:
    return {a.id: (a.genre, a.genre_evidence[0]) for a in articles}  # type: ignore[attr-defined]


def test_a_deferred_read_leaves_the_ambiguous_articles_pending() -> None:
    now = read_articles([CUELESS], CHUNKS)
    later = read_articles([CUELESS], CHUNKS, defer_text_genre=True)
    pending = {a.id for a in later.articles if is_pending(a)}
    # the fixture holds articles whose style the fast model is sure of and some it is not
    assert pending and pending != {a.id for a in later.articles}
    assert all(a.genre == "unknown" and PENDING_EVIDENCE in a.genre_evidence for a in later.articles if is_pending(a))
    settled = {a.id: a for a in now.articles}
    assert all(_labels([a]) == _labels([settled[a.id]]) for a in later.articles if not is_pending(a))
    assert not any(is_pending(a) for a in now.articles)
    # the default cascade embeds windows of its own: nothing waits for a build's vectors
    assert not any(is_pending(a) for a in read_articles([CUELESS], defer_text_genre=True).articles)


def test_another_embedder_labels_the_pending_articles_itself(tmp_path: Path) -> None:
    # hash vectors are not what the genre model reads: the build embeds those articles with the shipped model
    build_index([CUELESS], tmp_path / "idx", CHUNKS, embedder=HashEmbedder(64))
    index = Index.load(tmp_path / "idx")
    assert _labels(index.articles()) == _labels(read_articles([CUELESS], CHUNKS).articles)
    assert not any(PENDING_EVIDENCE in a.genre_evidence for a in index.articles())


def test_the_index_vectors_are_read_without_embedding_again(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = CHUNKS
    articles = list(read_articles([CUELESS], settings, defer_text_genre=True).articles)
    chunks = chunk_articles(articles, settings)
    reader = reader_for(settings)
    # the chunk vectors the build made: here those of the shipped model, made once up front
    vectors = np.asarray(reader.embed([c.text for c in chunks]), dtype=np.float32)

    def no_second_pass(texts: list[str]) -> np.ndarray:
        raise AssertionError(f"embedded {len(texts)} texts again")

    monkeypatch.setattr(reader, "embed", no_second_pass)
    labelled = label_from_vectors(articles, chunks, vectors, "sentence-transformers/all-MiniLM-L6-v2", settings)
    monkeypatch.undo()
    assert _labels(labelled) == _labels(read_articles([CUELESS], settings).articles)
    assert not any(is_pending(a) for a in labelled)


def test_other_chunk_sizes_fall_back_to_the_models_own_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = CHUNKS.model_copy(update={"chunk_sentences": 2, "chunk_overlap": 0})
    articles = list(read_articles([CUELESS], settings, defer_text_genre=True).articles)
    chunks = chunk_articles(articles, settings)
    vectors = np.zeros((len(chunks), 384), dtype=np.float32)  # would mislabel if they were read
    labelled = label_from_vectors(articles, chunks, vectors, "sentence-transformers/all-MiniLM-L6-v2", settings)
    assert _labels(labelled) == _labels(read_articles([CUELESS], settings).articles)


@pytest.mark.integration
def test_a_real_build_labels_from_its_own_vectors(tmp_path: Path) -> None:
    report = build_index([CUELESS], tmp_path / "idx", CHUNKS)
    index = Index.load(tmp_path / "idx")
    assert report.embedded == len(index.chunks)
    assert _labels(index.articles()) == _labels(read_articles([CUELESS], CHUNKS).articles)
    assert all(a.genre_evidence[0].startswith("no genre cue; the text reads as") for a in index.articles())


@pytest.mark.integration
@pytest.mark.postgres
def test_a_database_build_labels_the_same(pg_uri: str) -> None:
    import psycopg

    from qa.search.backend import open_index

    build_index([CUELESS], pg_uri, CHUNKS)
    index = open_index(pg_uri)
    try:
        assert _labels(index.articles()) == _labels(read_articles([CUELESS], CHUNKS).articles)
    finally:
        index.close()
    with psycopg.connect(pg_uri) as con:  # the genre the filters search on is the settled one
        rows = con.execute("SELECT DISTINCT c.article_id, c.genre FROM qa_chunks c").fetchall()
    assert dict(rows) == {a.id: a.genre for a in read_articles([CUELESS], CHUNKS).articles}


@pytest.fixture(params=["folder", pytest.param("postgres", marks=pytest.mark.postgres)])
def where(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """An empty index location of each backend."""
    if request.param == "postgres":
        return str(request.getfixturevalue("pg_uri"))
    return tmp_path / "idx"


def test_other_labelling_settings_relabel_on_the_next_build(where: str | Path) -> None:
    from qa.search.backend import open_index

    style = Settings(genre_labeller="style", reader=None, model="hash-64")
    chunks = style.model_copy(update={"genre_labeller": "cascade-chunks"})
    before, after = (
        _labels(read_articles([CUELESS], style).articles),
        _labels(read_articles([CUELESS], chunks).articles),
    )
    differ = sum(before[i] != after[i] for i in before)
    assert differ  # the style model alone and the cascade read some of these articles differently
    build_index([CUELESS], where, style, embedder=HashEmbedder(64))
    report = build_index([CUELESS], where, chunks, embedder=HashEmbedder(64))
    assert not report.up_to_date and (report.embedded, report.changed, report.updated) == (0, 0, differ)
    index = open_index(where, settings=chunks)
    try:
        assert _labels(index.articles()) == after
        opinion = {a.id for a in index.articles() if a.genre == "opinion"}
        assert set(index.article_ids(Filters(genres=("opinion",)))) == opinion
    finally:
        index.close()
    assert build_index([CUELESS], where, chunks, embedder=HashEmbedder(64)).up_to_date
    back = build_index([CUELESS], where, style, embedder=HashEmbedder(64))
    assert (back.embedded, back.updated) == (0, differ)


@pytest.mark.integration
@pytest.mark.postgres
def test_a_database_relabels_from_its_stored_vectors(pg_uri: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from qa.search.backend import open_index

    build_index([CUELESS], pg_uri, CHUNKS.model_copy(update={"genre_labeller": "style"}))

    def no_second_pass(texts: list[str]) -> np.ndarray:
        raise AssertionError(f"embedded {len(texts)} texts again")

    monkeypatch.setattr(reader_for(CHUNKS), "embed", no_second_pass)
    report = build_index([CUELESS], pg_uri, CHUNKS)
    monkeypatch.undo()
    assert report.embedded == 0 and report.updated > 0
    index = open_index(pg_uri)
    try:
        assert _labels(index.articles()) == _labels(read_articles([CUELESS], CHUNKS).articles)
    finally:
        index.close()


@pytest.mark.postgres
def test_a_database_of_an_older_ingest_version_reads_its_labels_again(pg_uri: str) -> None:
    import psycopg

    from qa.search.backend import open_index

    settings = CHUNKS.model_copy(update={"model": "hash-64"})
    build_index([CUELESS], pg_uri, settings, embedder=HashEmbedder(64))
    expected = _labels(read_articles([CUELESS], settings).articles)
    pending = next(a.id for a in read_articles([CUELESS], settings, defer_text_genre=True).articles if is_pending(a))
    stale = ["no genre cue; the text reads as reporting (0.99): an older model's reading"]
    with psycopg.connect(pg_uri) as con:  # as an index built by an older ingest, whose text model read otherwise
        con.execute(
            "UPDATE qa_articles SET genre = 'news', data = jsonb_set(jsonb_set(data, '{genre}', '\"news\"'), "
            "'{genre_evidence}', %s::jsonb) WHERE id = %s",
            (json.dumps(stale), pending),
        )
        con.execute("UPDATE qa_meta SET manifest = jsonb_set(manifest, '{ingest_version}', '1')")
    report = build_index([CUELESS], pg_uri, settings, embedder=HashEmbedder(64))
    assert report.embedded == 0 and report.updated == 1
    index = open_index(pg_uri)
    try:
        assert _labels(index.articles()) == expected
    finally:
        index.close()
