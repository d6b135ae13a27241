"""BM25 over chunk texts with bm25s: English stop words, Snowball stemming, numbers kept whole."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import numpy as np

# "8,780" must stay one token: numbers are what people ask about.
_THOUSANDS = re.compile(r"(?<=\d)[,.](?=\d{3}\b)")


@functools.cache
def _stemmer() -> Any:
    """The Snowball English stemmer, made once (PyStemmer objects are safe to share for reading)."""
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """One lower-cased word as BM25 indexes it: "defused" -> "defus"."""
    return str(_stemmer().stemWord(word.lower()))


# Irregular past forms -> their base verb, stemmed as BM25 stems it, so "won" meets "win" and "fled" meets "flee".
# Forms that are mostly other words in news ("left", "shot", "ground", "rose", "lit") are left alone.
_IRREGULAR_PAIRS = """
arose arise arisen arise ate eat eaten eat awoke awake became become began begin begun begin bled bleed
bought buy bred breed brought bring broke break broken break built build came come caught catch chose choose
chosen choose clung cling crept creep dealt deal dug dig drew draw drawn draw drove drive driven drive fed feed
felt feel fled flee flew fly flown fly forbade forbid forgave forgive forgiven forgive forgot forget forgotten forget
fought fight found find froze freeze frozen freeze gave give given give got get gotten get grew grow grown grow
hid hide hidden hide held hold hung hang knew know known know led lead lent lend lost lose made make meant mean
met meet mistook mistake oversaw oversee overseen oversee overtook overtake paid pay ran run rode ride ridden ride
sang sing sung sing sank sink sunk sink saw see seen see sought seek sent send shook shake shaken shake
shrank shrink slept sleep slid slide sold sell spent spend spoke speak spoken speak spun spin sprang spring
stole steal stolen steal stood stand struck strike stuck stick swept sweep swore swear sworn swear swung swing
taught teach thought think threw throw thrown throw told tell took take taken take tore tear torn tear
understood understand undertook undertake upheld uphold wept weep withdrew withdraw withdrawn withdraw
withheld withhold woke wake woken wake won win wore wear worn wear wrote write written write
men man women woman children child feet foot teeth tooth mice mouse geese goose
"""


@functools.cache
def _irregular() -> dict[str, str]:
    words = _IRREGULAR_PAIRS.split()
    return {stem(words[i]): stem(words[i + 1]) for i in range(0, len(words), 2)}


def base_forms(tokens: list[str]) -> list[str]:
    """Stemmed tokens with irregular forms mapped to their base ("won" -> "win")."""
    table = _irregular()
    return [table.get(t, t) for t in tokens]


# bm25s's tokenisation (scikit-learn's token pattern, its English stop words, then the stemmer), done here without
# its per-call progress-bar machinery, which cost more than the work for the short texts of questions and sentences.
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


@functools.cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN)


def tokenize(texts: list[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens of each text (as bm25s.tokenize with stopwords="en")."""
    stop = _stopwords()
    return [[stem(w) for w in _TOKEN.findall(_THOUSANDS.sub("", t).lower()) if w not in stop] for t in texts]


class SparseIndex:
    """A saved-or-built bm25s index; `search(queries, k)` gives (row, score) lists, best first."""

    def __init__(self, retriever: object, size: int) -> None:
        self._bm25 = retriever
        self.size = size

    @classmethod
    def build(cls, texts: list[str]) -> SparseIndex:
        """Index `texts`; row i of results is texts[i]."""
        import bm25s

        retriever = bm25s.BM25()
        if texts:
            retriever.index(tokenize(texts), show_progress=False)
        return cls(retriever, len(texts))

    def save(self, folder: Path) -> None:
        """Write JSON and .npy files (no pickle) into `folder`."""
        if self.size:
            self._bm25.save(str(folder), allow_pickle=False)  # type: ignore[attr-defined]
        folder.mkdir(parents=True, exist_ok=True)

    @classmethod
    def load(cls, folder: Path, size: int) -> SparseIndex:
        """Open a saved index of `size` rows."""
        import bm25s

        if size == 0:
            return cls(bm25s.BM25(), 0)
        return cls(bm25s.BM25.load(str(folder), allow_pickle=False, mmap=False), size)

    def search(self, queries: list[str], k: int, allowed: np.ndarray | None = None) -> list[list[tuple[int, float]]]:
        """The best `k` rows for each query with a positive score, among `allowed` rows when given."""
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        if not self.size or not queries:
            return [[] for _ in queries]
        tokens = tokenize(queries)
        out: list[list[tuple[int, float]]] = [[] for _ in queries]
        live = [i for i, t in enumerate(tokens) if t]
        if not live:
            return out
        mask = None if allowed is None else allowed.astype(np.float32)
        docs, scores = self._bm25.retrieve(  # type: ignore[attr-defined]
            [tokens[i] for i in live], k=min(k, self.size), show_progress=False, n_threads=1, weight_mask=mask
        )
        for i, row_docs, row_scores in zip(live, np.asarray(docs), np.asarray(scores), strict=True):
            out[i] = [(int(d), float(s)) for d, s in zip(row_docs, row_scores, strict=True) if s > 0]
        return out
