"""Index build, incremental update, load checks and corruption, with the hash embedder (no model)."""

from __future__ import annotations

import fcntl
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS

from qa.config import Settings
from qa.errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexNotBuilt
from qa.search.build import build_index
from qa.search.embed import HashEmbedder
from qa.search.index import CURRENT, Index, current_version

EMB = HashEmbedder(64)
QUESTIONS = ["anti-tank mines defused by ANAMA", "cyberattack on German air traffic control", "NATO chief warning"]


def _records(n: int, tag: str = "") -> str:
    return "".join(
        json.dumps(
            {
                "id": f"{tag}{i}",
                "title": f"Story {tag}{i}",
                "text": f"Report {tag}{i} says the harbour {i} reopened. Officials said {i} ships waited. "
                f"The mayor of town {i} welcomed the news.",
            }
        )
        + "\n"
        for i in range(n)
    )


def _snapshot(index: Index) -> tuple[list[tuple[str, str]], np.ndarray, list[list[tuple[int, float]]]]:
    results = index.dense_search(EMB.embed(QUESTIONS), 5) + index.bm25_search(QUESTIONS, 5)
    return [(c.id, c.text) for c in index.chunks], index.vectors, results


def test_build_and_load_the_seed_corpus(tmp_path: Path) -> None:
    report = build_index([CORPUS], tmp_path / "idx", embedder=EMB)
    assert (report.articles, report.embedded, report.reused, report.added) == (3, report.chunks, 0, 3)
    index = Index.load(tmp_path / "idx", model="hash-64")
    assert index.manifest.dim == 64 and index.manifest.model == "hash-64" and index.manifest.ann == "flat"
    for chunk in index.chunks:
        article = index.article(chunk.article_id)
        assert article is not None and chunk.text == article.text[chunk.start : chunk.end]
    [top] = index.bm25_search(["How many anti-tank landmines did ANAMA defuse?"], 1)
    assert "4,133 anti-tank" in index.chunks[top[0][0]].text


def test_unchanged_rebuild_embeds_nothing(tmp_path: Path) -> None:
    build_index([CORPUS], tmp_path / "idx", embedder=EMB)
    again = build_index([CORPUS], tmp_path / "idx", embedder=EMB)
    assert again.up_to_date and again.embedded == 0


def test_incremental_add_change_remove_equals_full_rebuild(tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_text(_records(20, "a"))
    (src / "b.jsonl").write_text(_records(10, "b"))
    (src / "c.jsonl").write_text(_records(5, "c"))
    build_index([src], tmp_path / "idx", embedder=EMB)
    lines = (src / "a.jsonl").read_text().splitlines()
    lines[3] = json.dumps({"id": "a3", "title": "Story a3", "text": "A changed story about the harbour."})
    (src / "a.jsonl").write_text("\n".join(lines) + "\n")
    (src / "c.jsonl").unlink()
    (src / "d.jsonl").write_text(_records(2, "d"))
    report = build_index([src], tmp_path / "idx", embedder=EMB)
    assert (report.added, report.changed, report.removed) == (2, 1, 5)
    assert report.embedded == 1 + 2 and report.reused == report.chunks - 3
    full = build_index([src], tmp_path / "full", embedder=EMB)
    assert full.embedded == full.chunks
    inc_chunks, inc_vecs, inc_res = _snapshot(Index.load(tmp_path / "idx"))
    full_chunks, full_vecs, full_res = _snapshot(Index.load(tmp_path / "full"))
    assert inc_chunks == full_chunks and np.array_equal(inc_vecs, full_vecs) and inc_res == full_res


def test_changed_chunk_settings_or_model_rebuild_everything(tmp_path: Path) -> None:
    build_index([CORPUS], tmp_path / "idx", embedder=EMB)
    other = build_index([CORPUS], tmp_path / "idx", settings=Settings(chunk_sentences=2, chunk_overlap=0), embedder=EMB)
    assert not other.up_to_date
    model = build_index([CORPUS], tmp_path / "idx", embedder=HashEmbedder(32))
    assert model.embedded == model.chunks and Index.load(tmp_path / "idx").manifest.dim == 32


def test_only_one_version_folder_is_kept(tmp_path: Path) -> None:
    build_index([CORPUS], tmp_path / "idx", embedder=EMB)
    build_index([CORPUS], tmp_path / "idx", embedder=HashEmbedder(32))
    folders = [p.name for p in (tmp_path / "idx").iterdir() if p.is_dir()]
    assert folders == [(tmp_path / "idx" / CURRENT).read_text().strip()]


def test_hnsw_on_request(tmp_path: Path) -> None:
    build_index([CORPUS], tmp_path / "idx", settings=Settings(ann="hnsw"), embedder=EMB)
    index = Index.load(tmp_path / "idx")
    assert index.manifest.ann == "hnsw"
    exact = EMB.embed(QUESTIONS) @ index.vectors.T
    for row, hits in zip(exact, index.dense_search(EMB.embed(QUESTIONS), 3), strict=True):
        assert hits[0][0] == int(np.argmax(row))


def test_a_second_build_waits_for_the_lock(tmp_path: Path) -> None:
    (tmp_path / "idx").mkdir()
    with (tmp_path / "idx" / ".lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(IndexBusy, match="being built by another process"):
            build_index([CORPUS], tmp_path / "idx", embedder=EMB)


@pytest.fixture
def built(tmp_path: Path) -> Path:
    build_index([CORPUS], tmp_path / "idx", embedder=EMB)
    return tmp_path / "idx"


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexNotBuilt, match=r"no index at .*; build one with `qa build"):
        Index.load(tmp_path / "nothing")


def test_other_model_is_a_mismatch(built: Path) -> None:
    with pytest.raises(IndexMismatch, match=r"built with model 'hash-64' .*rebuild with `qa build .*--model other`"):
        Index.load(built, model="other")


def test_other_format_version_is_a_mismatch(built: Path) -> None:
    manifest = current_version(built) / "manifest.json"  # type: ignore[operator]
    data = json.loads(manifest.read_text())
    data["format_version"] = 99
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatch, match=r"index format version 99, this qa reads version 1; rebuild"):
        Index.load(built)


@pytest.mark.parametrize(
    ("name", "damage", "message"),
    [
        ("vectors.npy", lambda p: p.write_bytes(p.read_bytes()[:100]), r"vectors\.npy: missing or damaged"),
        ("store.sqlite", lambda p: p.write_bytes(b"not a database" * 100), r"store\.sqlite: missing or damaged"),
        ("manifest.json", lambda p: p.write_text("{"), r"manifest\.json: not a valid manifest"),
        ("manifest.json", lambda p: p.unlink(), r"manifest\.json: missing"),
        ("bm25/vocab.index.json", lambda p: p.write_text("[]"), r"vocab\.index\.json: missing or damaged"),
    ],
)
def test_damaged_files_are_named(built: Path, name: str, damage: object, message: str) -> None:
    damage(current_version(built) / name)  # type: ignore[operator]
    with pytest.raises(IndexCorrupt, match=message):
        Index.load(built)


def test_damage_is_caught_even_without_checksums(built: Path) -> None:
    vectors = current_version(built) / "vectors.npy"  # type: ignore[operator]
    np.save(vectors, np.array([object()], dtype=object), allow_pickle=True)  # a pickle must never be loaded
    with pytest.raises(IndexCorrupt, match=r"vectors\.npy: cannot read the vectors"):
        Index.load(built, verify=False)


def test_current_pointing_outside_is_refused(built: Path) -> None:
    (built / CURRENT).write_text("../elsewhere\n")
    with pytest.raises(IndexCorrupt, match="does not name a version folder"):
        Index.load(built)


def test_a_broken_old_index_is_rebuilt(built: Path) -> None:
    shutil.rmtree(current_version(built))  # type: ignore[arg-type]
    report = build_index([CORPUS], built, embedder=EMB)
    assert report.embedded == report.chunks and Index.load(built).manifest.articles == 3


def test_a_corpus_with_no_articles_is_refused_and_the_old_index_kept(built: Path, tmp_path: Path) -> None:
    from qa.errors import CorpusError

    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.jsonl").write_text('{"title": "no text"}\n')
    with pytest.raises(CorpusError, match=r"no articles found in .*empty; nothing to index"):
        build_index([tmp_path / "empty"], built, embedder=EMB)
    assert Index.load(built).manifest.articles == 3
