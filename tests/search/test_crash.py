"""A build killed with SIGKILL at any moment leaves the previous index loadable and answering the same."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import CORPUS, ROOT

from qa.assistant import Assistant
from qa.config import Settings
from qa.search.build import build_index
from qa.search.embed import HashEmbedder
from qa.search.index import Index

EMB = HashEmbedder(64)
QUESTIONS = ["harbour ships waited", "mayor welcomed the news", "storm damage in town 17"]


def _corpus(folder: Path, files: int, per_file: int) -> None:
    folder.mkdir(exist_ok=True)
    for seed in CORPUS.iterdir():  # the seed articles too: the seed gold questions are asked after every kill
        (folder / seed.name).write_bytes(seed.read_bytes())
    for f in range(files):
        rows = []
        for i in range(per_file):
            n = f * per_file + i
            text = " ".join(
                f"Sentence {j} of report {n} says the harbour {n % 97} saw storm damage in town {j}." for j in range(12)
            )
            rows.append(json.dumps({"id": f"r{n}", "title": f"Report {n}", "text": text}))
        (folder / f"part-{f:02d}.jsonl").write_text("\n".join(rows) + "\n")


SEED_GOLD = [json.loads(line)["question"] for line in (ROOT / "eval" / "seed_gold.jsonl").read_text().splitlines()]


def _answers(index_dir: Path) -> tuple[int, list[list[tuple[int, float]]], list[str]]:
    """The index's size, raw search results, and the full answers to the seed gold questions."""
    index = Index.load(index_dir)
    results = index.dense_search(EMB.embed(QUESTIONS), 5) + index.bm25_search(QUESTIONS, 5)
    assistant = Assistant(index, EMB, Settings(model=EMB.name, reader=None))
    answers = [a.model_dump_json() for a in assistant.ask_many(SEED_GOLD)]
    return index.manifest.chunks, results, answers


@pytest.mark.integration
def test_sigkill_during_build_leaves_the_old_index(tmp_path: Path) -> None:
    src, idx = tmp_path / "src", tmp_path / "idx"
    _corpus(src, files=4, per_file=150)
    build_index([src], idx, embedder=EMB)
    before = _answers(idx)
    _corpus(src, files=8, per_file=150)  # doubles the corpus: the next build has real work to do
    cmd = [sys.executable, "-m", "qa", "build", str(src), "--index", str(idx), "--model", "hash-64", "--quiet"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True, cwd=tmp_path, timeout=300)
    full_seconds = time.perf_counter() - start
    after = _answers(idx)
    assert after[0] > before[0]
    # Back to the old state, then kill fresh builds at spread-out moments of a build's life.
    _corpus(src, files=4, per_file=150)
    for f in range(4, 8):
        (src / f"part-{f:02d}.jsonl").unlink()
    build_index([src], idx, embedder=EMB)
    assert _answers(idx) == before
    _corpus(src, files=8, per_file=150)
    outcomes = []
    # 22 moments spread over a build's life: start-up, reading, chunking, embedding, writing, the swap.
    for fraction in [0.04 * i for i in range(1, 23)]:
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full_seconds * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = _answers(idx)
        assert state in (before, after), f"killed at {fraction:.0%} of a build: index answers differently"
        outcomes.append(state == after)
        if state == after:  # that build finished before the kill; go back to the old index for the next run
            _corpus(src, files=4, per_file=150)
            for f in range(4, 8):
                (src / f"part-{f:02d}.jsonl").unlink()
            build_index([src], idx, embedder=EMB)
            _corpus(src, files=8, per_file=150)
    assert len(outcomes) >= 20
    assert sum(not o for o in outcomes) >= 10, "most builds finished before their kill; the test killed too little"
    subprocess.run(cmd, check=True, env=env, capture_output=True, cwd=tmp_path, timeout=300)
    final = _answers(idx)
    assert final[0] == after[0] and final == after
    assert np.array_equal(Index.load(idx).vectors.shape, (after[0], 64))
