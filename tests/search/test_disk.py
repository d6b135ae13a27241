"""A build whose writes fail (a full disk) fails with a clear error and leaves the previous index answering."""

from __future__ import annotations

import errno
import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CORPUS

from qa.config import Settings
from qa.errors import IndexWriteError
from qa.search.build import build_index
from qa.search.index import Index

SETTINGS = Settings(model="hash-64")
QUESTIONS = ["anti-tank mines defused", "cyberattack air traffic control"]


def _state(index_dir: Path) -> tuple[int, list[list[tuple[int, float]]]]:
    index = Index.load(index_dir)
    return index.manifest.chunks, index.bm25_search(QUESTIONS, 5)


def _more(folder: Path) -> Path:
    extra = folder / "extra.jsonl"
    rows = [{"id": f"x{i}", "title": f"Extra {i}", "text": f"Extra report {i} about mines. " * 40} for i in range(50)]
    extra.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return extra


def test_enospc_while_writing_keeps_the_old_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "idx"
    build_index([CORPUS], index_dir, SETTINGS)
    before = _state(index_dir)

    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "vectors.npy")

    monkeypatch.setattr("qa.search.layout.np.save", full)
    with pytest.raises(IndexWriteError, match=r"No space left on device.*previous index is unchanged"):
        build_index([CORPUS, _more(tmp_path)], index_dir, SETTINGS)
    monkeypatch.undo()
    assert _state(index_dir) == before
    assert not [p for p in index_dir.iterdir() if p.name.startswith(".tmp-")]
    report = build_index([CORPUS, _more(tmp_path)], index_dir, SETTINGS)  # with space again, the build completes
    assert report.articles == 53 and _state(index_dir)[0] > before[0]


def _limit_file_size() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


@pytest.mark.skipif(not hasattr(resource, "RLIMIT_FSIZE"), reason="no RLIMIT_FSIZE on this platform")
def test_real_failing_writes_in_a_child_build(tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    build_index([CORPUS], index_dir, SETTINGS)
    before = _state(index_dir)
    big = tmp_path / "big.jsonl"
    rows = [{"id": f"b{i}", "title": f"Big {i}", "text": f"Big report {i} on landmines and maps. " * 200}
            for i in range(60)]  # fmt: skip
    big.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "qa", "build", str(CORPUS), str(big), "--index", str(index_dir), "--model", "hash-64",
           "--quiet"]  # fmt: skip
    done = subprocess.run(
        cmd, preexec_fn=_limit_file_size, capture_output=True, text=True, timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "cannot write the index" in done.stderr and "previous index is unchanged" in done.stderr
    assert "Traceback" not in done.stderr
    assert _state(index_dir) == before
