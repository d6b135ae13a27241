"""Embedders: the hash embedder for fast tests, and the real shipped model (marked integration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from qa.errors import ModelNotFound
from qa.search.embed import HashEmbedder, load_embedder


def test_hash_embedder_is_deterministic_and_normalised() -> None:
    emb = HashEmbedder(32)
    a = emb.embed(["landmines in Azerbaijan", "NATO chief warns"])
    b = load_embedder("hash-32").embed(["landmines in Azerbaijan", "NATO chief warns"])
    assert a.shape == (2, 32) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert np.allclose(np.linalg.norm(a, axis=1), 1.0)
    assert emb.embed([]).shape == (0, 32)


def test_hash_embedder_ranks_shared_words_higher() -> None:
    q, near, far = HashEmbedder(256).embed(["anti-tank mines defused", "ANAMA defused anti-tank mines", "NATO summit"])
    assert float(q @ near) > float(q @ far)


def test_bad_dimension_is_refused() -> None:
    with pytest.raises(ValueError, match="dim must be > 0, got 0"):
        HashEmbedder(0)


@pytest.mark.integration
def test_real_model_loads_offline_and_embeds() -> None:
    emb = load_embedder()
    vecs = emb.embed(
        [
            "How many anti-tank mines were defused?",
            "ANAMA defused 4,133 anti-tank landmines.",
            "The NATO chief warned about Russia.",
        ]
    )
    assert emb.dim == 384 and vecs.shape == (3, 384)
    assert float(vecs[0] @ vecs[1]) > float(vecs[0] @ vecs[2])


@pytest.mark.integration
def test_unknown_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotFound, match="nothing is downloaded"):
        load_embedder(str(tmp_path / "no-such-model"))
