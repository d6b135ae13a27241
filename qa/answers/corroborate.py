"""Who else says so: for a span of one article, the sentences of other articles that state the same fact, or give
another figure for the same quantity. From the index alone, with fixed rules; no language model.

Candidates are the sentences of the chunks nearest the span, from up to three legs (LEGS): dense neighbours of the
span's embedding, BM25 matches of its words, and for a quote of an answer the chunks already retrieved for the
question (its pool). For an answer's quotes the pool stands in for the dense leg (ANSWER_LEGS: the question's own
dense and BM25 hits are about the same fact, and an agreeing sentence must share half the span's words, which the
BM25 leg finds), which saves an embedding search per answer; `scripts/eval_corroboration.py --legs` measures what
each leg adds. Each candidate sentence of another article is compared with the span:

- words: the share of the span's content words (BM25 tokens less function words) the candidate holds, names and
  numbers weighing double (KEY_WEIGHT): the fact's key names and numbers must be there;
- meaning: the similarity of the candidate's chunk to the span's meaning, the stored vector of the chunk that holds
  the span (a paraphrase's chunk is near it);
- figures (answers/figures.py): counts of the same thing that are equal, or that conflict.

A candidate **agrees** when its chunk is near in meaning (MIN_SIMILARITY) and either the span's fact is a figure
that the candidate gives (the same value counting the same thing, or a particular number of ANCHOR_VALUE or more)
with ANCHORED_COVERAGE of the words, or it covers AGREE_COVERAGE of the words (UNANCHORED_COVERAGE when the span has
no names or numbers at all) and at least half of the span's names. It **differs** when it counts one of the span's
quantities with a conflicting number (and never the same one), covers DIFFER_COVERAGE of the words and shares a name
when the span has one (or its chunk is DIFFER_SIMILARITY near). Time and source matter: an agreeing sentence must
come from an article published within AGREE_DAYS of the span's, a differing one from another outlet within
DIFFER_DAYS (a figure a day later has moved on; the same outlet updating itself is not two sources). The best
sentence of each article is kept.

Near-copies: a candidate sharing NEAR_COPY of its words with the span, in an article that shares COPY_SHARE of its
sentences with the span's article, is the same story republished (a wire text), not a second source: it is listed
in `copies` and never counts as support. Supports that are copies of each other count once (the first is kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Literal, NamedTuple

import numpy as np

from ..errors import QAError
from ..models import Article, Chunk, Corroboration, Hit, Support
from ..search.backend import SearchBackend
from ..search.chunk import sentence_spans
from ..search.embed import Embedder
from ..search.sparse import base_forms, stem, tokenize
from .figures import Figure, conflicting, figures, same_quantity, same_value
from .names import key_terms
from .templates import fragment_url

# Chunks taken from each search leg per span.
DEPTH = 20
# Names and numbers count this many times an ordinary word in a span's coverage.
KEY_WEIGHT = 2.0
AGREE_COVERAGE = 0.5
DIFFER_COVERAGE = 0.3
# An agreeing sentence counts only from an article published within this many days of the span's: a like sentence
# further away is most often about another event (last year's election, another outbreak).
AGREE_DAYS = 30
# Figures that differ count only between articles of other outlets published this many days apart at most.
DIFFER_DAYS = 3
# A differing figure without a shared name needs a chunk this near in meaning.
DIFFER_SIMILARITY = 0.5
# A candidate that gives the span's figure needs this share of its weighted words.
ANCHORED_COVERAGE = 0.25
# A figure this large (and not a round hundred) is particular enough to anchor a fact whatever it counts.
ANCHOR_VALUE = 100
# A span with neither names nor figures to anchor its fact needs this share of its words.
UNANCHORED_COVERAGE = 0.6
MIN_SIMILARITY = 0.35
# Sentences sharing this share of their words are one sentence twice.
NEAR_COPY = 0.8
# Articles sharing this share of their sentences (of the shorter one) are one story twice.
COPY_SHARE = 0.5
MAX_SUPPORTS = 5
# Where candidates come from: "dense" (the span's embedding), "bm25" (its words), "pool" (the caller's hits).
Leg = Literal["dense", "bm25", "pool"]
LEGS: tuple[Leg, ...] = ("dense", "bm25", "pool")
# The legs for an answer's quotes, whose pool holds the question's dense and BM25 hits.
ANSWER_LEGS: tuple[Leg, ...] = ("bm25", "pool")


class _Span(NamedTuple):
    article: Article
    start: int
    end: int
    text: str
    words: frozenset[str]
    keys: frozenset[str]
    names: frozenset[str]
    figures: list[Figure]


class _Verdict(NamedTuple):
    relation: str
    strength: float
    figures: tuple[str, str] | None


# Function words that BM25's stop list keeps; a fact's words are its content words.
_FUNCTION_WORDS = frozenset(
    stem(w)
    for w in "have has had having which would could should may might must were was been being from his her hers "
    "its their theirs them they she he him who whom whose what when where while will shall also said says say "
    "after before since until than then there here about over under into onto more most less very just only "
    "even still yet all any each every some such other another both either neither one two new".split()
)


@lru_cache(maxsize=16384)
def _words(text: str) -> frozenset[str]:
    """The content words of a text, stemmed, irregular forms mapped to their base."""
    return frozenset(w for w in base_forms(tokenize([text])[0]) if w not in _FUNCTION_WORDS)


def _names(text: str) -> frozenset[str]:
    """The stems of the words of the span's names (numbers left to figures)."""
    return frozenset(stem(w) for t in key_terms(text) if not any(c.isdigit() for c in t) for w in t.split())


def _span(article: Article, start: int, end: int) -> _Span:
    text = article.text[start:end]
    words = _words(text)
    names = _names(text)
    digits = frozenset(w for w in words if any(c.isdigit() for c in w))
    return _Span(article, start, end, text, words, (names & words) | digits, names, figures(text))


def source_key(article: Article) -> str:
    """Who published an article: its outlet, or the article itself when it names none."""
    return (article.outlet or "").casefold() or f"article:{article.id}"


class Corroborator:
    """Finds supports for spans in one index; safe to share between threads."""

    def __init__(self, index: SearchBackend, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def corroborate(
        self,
        spans: Sequence[tuple[Article, int, int]],
        pool: Sequence[Hit] = (),
        vectors: np.ndarray | None = None,
        legs: Sequence[Leg] = LEGS,
    ) -> list[Corroboration]:
        """The corroboration of each (article, start, end) span; `pool` adds chunks already retrieved (a question's
        hits), `vectors` the spans' meaning when the caller has it (by default the stored vectors of the chunks that
        hold them, measured as good as embedding each span and free), `legs` the candidate sources used."""
        if not spans:
            return []
        for article, start, end in spans:
            if not 0 <= start < end <= len(article.text):
                raise QAError(f"span {start}-{end} is not a passage of article {article.id}")
        parsed = [_span(a, s, e) for a, s, e in spans]
        texts = [p.text for p in parsed]
        unknown = set(legs) - set(LEGS)
        if unknown:
            raise QAError(f"unknown corroboration legs {sorted(unknown)}; choose from {list(LEGS)}")
        if vectors is None:  # the stored vectors of the spans' chunks, else the spans' own embeddings
            vectors = self.chunk_vectors(spans, pool)
        if vectors is None:
            vectors = self.embedder.embed(texts)
        none: list[list[tuple[int, float]]] = [[] for _ in texts]
        dense = self.index.dense_search(vectors, DEPTH) if "dense" in legs else none
        sparse = self.index.bm25_search(texts, DEPTH) if "bm25" in legs else none
        pooled = [h.row for h in pool] if "pool" in legs else []
        out = []
        for i, span in enumerate(parsed):
            rows = list(dict.fromkeys([r for r, _ in dense[i]] + [r for r, _ in sparse[i]] + pooled))
            looked = self.index.lookup(rows, vectors[i])
            out.append(self._judge(span, [(lk.chunk, lk.similarity or 0.0) for lk in looked.values()]))
        return out

    def chunk_vectors(self, spans: Sequence[tuple[Article, int, int]], pool: Sequence[Hit] = ()) -> np.ndarray | None:
        """The stored vector of the chunk that holds each span (looked for in `pool`, then among the article's
        chunks): the span's meaning in its context, with no embedding to compute. None when a span lies across
        chunks or its chunk is gone."""
        rows = []
        for article, start, end in spans:
            row = next((h.row for h in pool if _holds(h.chunk, article.id, start, end)), None)
            if row is None:
                row = next((r for r, c in self.index.chunks_of(article.id) if _holds(c, article.id, start, end)), None)
            if row is None:
                return None
            rows.append(row)
        found = self.index.stored_vectors(rows)
        if any(r not in found for r in rows):
            return None
        return np.stack([found[r] for r in rows]).astype(np.float32)

    def _judge(self, span: _Span, chunks: list[tuple[Chunk, float]]) -> Corroboration:
        """The verdict on every candidate sentence, the best per article, copies set apart."""
        candidates: dict[tuple[str, int, int], tuple[str, float]] = {}
        for chunk, similarity in sorted(chunks, key=lambda cs: -cs[1]):
            if chunk.article_id == span.article.id or similarity < MIN_SIMILARITY:
                continue
            for s, e in chunk.sentences:
                candidates.setdefault(
                    (chunk.article_id, s, e), (chunk.text[s - chunk.start : e - chunk.start], similarity)
                )
        best: dict[str, tuple[_Verdict, int, int, str]] = {}
        copy_candidates: set[str] = set()
        for (aid, s, e), (text, similarity) in candidates.items():
            words = _words(text)  # cached: the same sentences come back question after question
            if _near_copy(span.words, words):
                copy_candidates.add(aid)
            verdict = _compare(span, text, words, similarity)
            if verdict and (aid not in best or verdict.strength > best[aid][0].strength):
                best[aid] = (verdict, s, e, text)
        copies = tuple(a for a in sorted(copy_candidates) if self._is_copy(span.article, a))
        supports: list[Support] = []
        kept: list[tuple[Article, frozenset[str]]] = []
        for aid, (verdict, s, e, text) in sorted(best.items(), key=lambda kv: -kv[1][0].strength):
            if aid in copies:
                continue
            article = self.index.article(aid)
            if article is None or article.text[s:e] != text:
                continue  # replaced since it was indexed
            if verdict.relation == "differs" and not _may_differ(span.article, article):
                continue
            if verdict.relation == "agrees" and _days_apart(span.article, article) > AGREE_DAYS:
                continue  # a like sentence about another event (last year's, next year's)
            words = _words(text)
            if any(_near_copy(words, w) and _same_story(article, other) for other, w in kept):
                continue  # a copy of a support already counted: one source
            kept.append((article, words))
            supports.append(
                Support(
                    article_id=article.id,
                    title=article.title,
                    outlet=article.outlet,
                    genre=article.genre,
                    published=article.published,
                    start=s,
                    end=e,
                    text=article.text[s:e],
                    relation=verdict.relation,  # type: ignore[arg-type]
                    figures=verdict.figures,
                    url=fragment_url(article.url, article.text[s:e]),
                )
            )
            if len(supports) >= MAX_SUPPORTS:
                break
        own = source_key(span.article)
        single = not any(
            sp.relation == "agrees" and source_key(a) != own for sp, (a, _) in zip(supports, kept, strict=True)
        )
        return Corroboration(supports=tuple(supports), single_source=single, copies=copies)

    def _is_copy(self, article: Article, other_id: str) -> bool:
        other = self.index.article(other_id)
        return other is not None and _same_story(article, other)


def _may_differ(a: Article, b: Article) -> bool:
    """Whether two articles' different figures for one quantity are sources differing: another outlet, and (when
    both are dated) within DIFFER_DAYS of each other; otherwise the figure has moved on or it is another event."""
    return source_key(a) != source_key(b) and _days_apart(a, b) <= DIFFER_DAYS


def _days_apart(a: Article, b: Article) -> int:
    """Days between two articles' dates; 0 when either is undated."""
    return 0 if a.published is None or b.published is None else abs((a.published - b.published).days)


def _holds(chunk: Chunk, article_id: str, start: int, end: int) -> bool:
    return chunk.article_id == article_id and chunk.start <= start and end <= chunk.end


def _near_copy(a: frozenset[str], b: frozenset[str]) -> bool:
    return bool(a) and len(a & b) >= NEAR_COPY * len(a | b)


@lru_cache(maxsize=512)
def _sentence_words(text: str) -> tuple[frozenset[str], ...]:
    """The words of each sentence of a text of three words or more (cached: the same articles recur)."""
    spans = sentence_spans(text)
    words = [frozenset(base_forms(t)) for t in tokenize([text[s:e] for s, e in spans])] if spans else []
    return tuple(w for w in words if len(w) >= 3)


def _same_story(a: Article, b: Article) -> bool:
    """Whether two articles are one story twice: most sentences of the shorter are near-copies in the other."""
    sa, sb = _sentence_words(a.text), _sentence_words(b.text)
    if not sa or not sb:
        return False
    shorter, longer = (sa, sb) if len(sa) <= len(sb) else (sb, sa)
    shared = sum(any(_near_copy(x, y) for y in longer) for x in shorter)
    return shared >= COPY_SHARE * len(shorter)


def _coverage(span: _Span, words: frozenset[str]) -> float:
    """The share of the span's words the candidate holds, names and numbers weighing KEY_WEIGHT."""
    total = sum(KEY_WEIGHT if w in span.keys else 1.0 for w in span.words)
    held = sum(KEY_WEIGHT if w in span.keys else 1.0 for w in span.words & words)
    return held / total if total else 0.0


def _anchored(span: _Span, theirs: list[Figure]) -> bool:
    """Whether the candidate gives one of the span's figures: the same value counting the same thing, or a value
    too particular to meet by chance (ANCHOR_VALUE or more, not a round hundred) counting anything."""
    return any(
        same_value(a, b) and (same_quantity(a, b) or (a.value >= ANCHOR_VALUE and a.value % 100 != 0))
        for a in span.figures
        for b in theirs
    )


def _compare(span: _Span, text: str, words: frozenset[str], similarity: float) -> _Verdict | None:
    """How a candidate sentence relates to the span: agrees, differs, or nothing (None)."""
    if similarity < MIN_SIMILARITY or not span.words:
        return None
    coverage = _coverage(span, words)
    if coverage < min(DIFFER_COVERAGE, ANCHORED_COVERAGE):
        return None
    names_held = len(span.names & words)
    theirs = figures(text)
    pairs = [(a, b) for a in span.figures for b in theirs if same_quantity(a, b)]
    equal = [(a, b) for a, b in pairs if same_value(a, b)]
    differing = [(a, b) for a, b in pairs if conflicting(a, b) and not any(same_value(a, y) for _, y in pairs)]
    if differing and not equal:
        # The same counted thing with another number: about the same event when enough words or a name are shared.
        if coverage >= DIFFER_COVERAGE and (not span.names or names_held >= 1 or similarity >= DIFFER_SIMILARITY):
            a, b = differing[0]
            return _Verdict("differs", coverage + similarity, (a.text, b.text))
        return None
    if differing:
        return None  # the same quantity with a different number too: not a plain agreement
    if span.figures:
        # The span's fact is a figure: the candidate must give it (another figure for it would differ above); the
        # figure anchors the fact, so fewer of the other words need to be shared.
        if not _anchored(span, theirs) or coverage < ANCHORED_COVERAGE:
            return None
        return _Verdict("agrees", coverage + similarity, None)
    if coverage < (AGREE_COVERAGE if span.keys else UNANCHORED_COVERAGE):
        return None
    if span.names and names_held * 2 < len(span.names):
        return None
    return _Verdict("agrees", coverage + similarity, None)
