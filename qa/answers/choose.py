"""Question + Hits -> Answer: the answering sentences as exact, labelled quotes, or an abstention."""

from __future__ import annotations

import itertools
import re
from functools import lru_cache
from typing import NamedTuple

import numpy as np

from ..config import Settings
from ..errors import QAError
from ..models import Answer, Article, Hit, Quote
from ..search.chunk import sentence_spans
from ..search.embed import Embedder
from ..search.sparse import base_forms, tokenize
from .context import Key, Neighbours, extend, reach_back, with_context
from .names import unmatched_terms
from .reader import Reader, load_reader, passage_text, stacked
from .speech import attribution
from .templates import ABSTAIN, fragment_url, label, summarise

# Lexical and dense evidence weigh the same in a sentence's score; neither alone is reliable on short sentences.
LEXICAL_WEIGHT = 0.5
# A sentence of a chunk that retrieval ranked lower loses this much times its chunk's shortfall from the best
# fused score (the best chunk's sentences lose nothing, so Answer.confidence keeps its scale).
RETRIEVAL_WEIGHT = 0.2
# With Settings.sentence_pool, an embedded sentence's own similarity weighs this much beside its chunk's.
SENTENCE_WEIGHT = 0.3
# Sentences sharing this share of their words are one sentence twice (wire copies, updated versions of a story).
NEAR_COPY = 0.8
# Added to the score of a sentence whose article is dated in the week the question is asked about (Hit.fresh, see
# Settings.recency_weight), so the quotes come from that week's news as the articles do. Chosen on news_qa dev:
# 0 / 0.05 / 0.1 / 0.15 / 0.2 give answer_in_quote@1 0.628 / 0.628 / 0.641 / 0.679 / 0.667. It counts in
# Answer.confidence too: a passage of the week's news that matches is evidence the corpus answers. On news_qa dev
# that answers 4 more of the 78 questions (answer_in_quote@3 0.821 -> 0.872); with their gold articles taken out of
# the corpus, 3 more of the 78 are answered, 2 of them with the gold answer found in another article.
FRESH_BONUS = 0.15
# The question's names and numbers must all be in the articles of the best quotes: the first and those scoring
# within this margin of it ("How does Russia threaten Germany and NATO?" is answered from two articles). On squad2
# dev, 0 / 0.05 / 0.1 give abstention F1 0.378 / 0.368 / 0.358 for answer_in_quote@3 0.841 / 0.847 / 0.851; the
# seed gold and news_qa figures are the same at all three.
MEET_MARGIN = 0.1
# Questions that ask for an amount, a share or a time are answered by sentences with a number in them.
_WANTS_NUMBER = re.compile(
    r"\b(how (much|many|long|far|old|often|big|large)|what (percentage|share|proportion|number|year|date)|when"
    r"|what(?:'s|’s| is| was| are| were| will be)? (?:the |an? )?(?:\w+ )?"
    r"(?:price|cost|budget|worth|value|amount|total|figure|estimate|rate|toll|age|salary|fee|fine|size)\b)",
    re.I,
)
# Added to the score of a sentence holding a number when the question wants one: enough to break ties between
# sentences on the topic, too little to lift an off-topic one.
NUMBER_BONUS = 0.15
# A number as written ("2.5", "8,780", "187"); only numbers the question doesn't hold count towards the bonus.
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class Sentences(NamedTuple):
    """The sentences of a set of hits, each once: the hit each came from by its key (article id, start, end), and
    in that order their texts and BM25 tokens (irregular forms at their base)."""

    hits: dict[Key, Hit]
    texts: list[str]
    tokens: list[set[str]]


def _sentences(hits: list[Hit], articles: dict[str, Article]) -> Sentences:
    unique: dict[Key, Hit] = {}
    for hit in hits:  # overlapping chunks share sentences; each is scored once, with the first (best) hit
        for s, e in hit.chunk.sentences:
            unique.setdefault((hit.chunk.article_id, s, e), hit)
    texts = [articles[a].text[s:e] for a, s, e in unique]
    return Sentences(unique, texts, [set(base_forms(t)) for t in tokenize(texts)])


class Candidate(NamedTuple):
    """A quotable span: `focus` is where its answering sentence starts, `start`..`end` what is quoted."""

    score: float
    hit: Hit
    start: int
    end: int
    focus: int
    hand_set: float  # the hand-set score (`score` itself unless the reader's probability ranks)
    probability: float | None = None


def wants_number(question: str) -> bool:
    """Whether the question asks for an amount, a share or a time ("how many", "when", "what year")."""
    return bool(_WANTS_NUMBER.search(question))


class AnswerBuilder:
    """Picks the answering sentences of the best hits and labels them; settings fix counts and thresholds."""

    def __init__(self, embedder: Embedder, settings: Settings | None = None, reader: Reader | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or Settings()
        self.reader = reader if reader is not None else load_reader(self.settings.reader)

    def build(
        self,
        question: str,
        hits: list[Hit],
        articles: dict[str, Article],
        ranked_articles: list[str],
        vector: np.ndarray | None = None,
    ) -> Answer:
        """An Answer for `question` from `hits`; `ranked_articles` are the retrieved article ids, best first;
        `vector` is the question's embedding when the caller has it."""
        pool = _sentences(hits, articles)
        candidates, confidence = self._candidates(question, pool, articles, vector)
        quotes = [
            self.quote(
                articles[c.hit.chunk.article_id],
                c.hit,
                c.start,
                c.end,
                c.hand_set,
                c.focus,
                c.probability,
            )
            for c in candidates
        ]
        unmatched: tuple[str, ...] = ()
        absent: tuple[str, ...] = ()
        if self.settings.name_check:
            unmatched = unmatched_terms(question, itertools.chain.from_iterable(pool.tokens), pool.texts, articles)
            # The names and numbers asked about must meet in the articles that answer, not only anywhere in the pool.
            absent = () if unmatched or not candidates else self._absent_from(question, articles, candidates)
        if self.reader is None:
            abstained = confidence is None or confidence < self.settings.abstain_below or bool(unmatched or absent)
            ranked = tuple(quotes[: self.settings.max_quotes])
        else:  # a quote is shown only when the reader finds that it answers
            passing = tuple(q for q in quotes if (q.probability or 0.0) >= self.settings.quote_threshold)
            abstained = not passing or bool(unmatched or absent)
            ranked = passing[: self.settings.max_quotes] if passing else tuple(quotes[: self.settings.max_quotes])
        if not abstained and self.settings.quote_margin is not None:
            ranked = _within_margin(ranked, self.settings.quote_margin, self.reader is not None)
        seen = tuple(dict.fromkeys(ranked_articles))
        if abstained:
            return Answer(
                question=question,
                quotes=(),
                abstained=True,
                summary=ABSTAIN,
                nearby=ranked,
                articles=seen,
                confidence=confidence,
                unmatched=unmatched,
                absent_from_best=absent,
            )
        return Answer(
            question=question,
            quotes=ranked,
            abstained=False,
            summary=summarise(ranked),
            articles=seen,
            confidence=confidence,
        )

    def _candidates(
        self, question: str, pool: Sentences, articles: dict[str, Article], vector: np.ndarray | None = None
    ) -> tuple[list[Candidate], float | None]:
        """The best non-overlapping quotable spans, best first, and the answer's confidence: the best sentence's
        score."""
        if not pool.hits:
            return [], None
        unique, texts, toks = pool
        keys = list(unique)
        at = {k: i for i, k in enumerate(keys)}  # a sentence's index in keys, texts and toks
        near = Neighbours(keys, articles)
        hand = self.sentence_scores(question, pool, near, vector)
        scored = [(hand[i], unique[key], key[1], key[2], i) for i, key in enumerate(keys)]
        probability: dict[int, float] = {}
        hand_set: dict[int, float] = {}
        if self.reader is not None:
            hand_set = {c[4]: c[0] for c in scored}
            scored, probability = self._read(question, scored, keys, texts, articles, unique)
        scores = {keys[c[4]]: c[0] for c in scored}
        scored.sort(key=lambda c: -c[0])
        out: list[Candidate] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        said: list[set[str]] = []  # the words of each sentence quoted so far
        for score, hit, focus, e, i in scored:
            aid = hit.chunk.article_id
            text = articles[aid].text
            s, e, joined = near.join(scores, (aid, focus, e), reach_back(text, focus, e), extend(hit, focus, e))
            spans = taken.setdefault(aid, [])
            words = [toks[i], *(toks[at[k]] for k in joined)]
            if any(s < te and ts < e for ts, te in spans) or any(_same_words(x, w) for x in words for w in said):
                continue  # overlaps a quote of its article, or repeats one from a near-copy of an article
            said.extend(words)
            spans.append((s, e))
            out.append(Candidate(score, hit, s, e, focus, hand_set.get(i, score), probability.get(i)))
            if len(out) >= self.settings.max_quotes:
                break
        return out, round(scored[0][0], 4)

    def sentence_scores(
        self, question: str, pool: Sentences, near: Neighbours, vector: np.ndarray | None = None
    ) -> list[float]:
        """The hand-set score of each sentence of `pool`, in its order (see docs/answers.md, "Scoring sentences");
        `near` tells which sentences sit next to each other."""
        unique, texts, toks = pool
        keys = list(unique)
        q_tokens = set(base_forms(tokenize([question])[0]))
        at = {k: i for i, k in enumerate(keys)}
        lexical = with_context(at, toks, q_tokens, near)
        chunk_sim = [unique[k].similarity or 0.0 for k in keys]
        # The most promising sentences are embedded and scored on their own; the rest keep their chunk's similarity.
        dense = np.asarray(chunk_sim, dtype=np.float32)
        if self.settings.sentence_pool:
            guess = [LEXICAL_WEIGHT * lexical[i] + (1 - LEXICAL_WEIGHT) * chunk_sim[i] for i in range(len(keys))]
            keep = sorted(range(len(keys)), key=lambda i: -guess[i])[: self.settings.sentence_pool]
            if vector is None:
                vector = self.embedder.embed([question])[0]
            own = self.embedder.embed([texts[i] for i in keep]) @ vector
            dense[keep] = SENTENCE_WEIGHT * own + (1 - SENTENCE_WEIGHT) * dense[keep]
        bonus = NUMBER_BONUS if wants_number(question) else 0.0
        asked = set(_NUMBER.findall(question))
        top = max(h.score for h in unique.values())
        scores = []
        for i, key in enumerate(keys):
            hit = unique[key]
            score = LEXICAL_WEIGHT * lexical[i] + (1 - LEXICAL_WEIGHT) * float(dense[i])
            if top > 0:  # fused, BM25 and cosine scores are positive where they count
                score -= RETRIEVAL_WEIGHT * (1 - max(0.0, hit.score) / top)
            score += bonus if set(_NUMBER.findall(texts[i])) - asked else 0.0
            score += FRESH_BONUS if hit.fresh else 0.0
            scores.append(score)
        return scores

    def _read(
        self,
        question: str,
        scored: list[tuple[float, Hit, int, int, int]],
        keys: list[Key],
        texts: list[str],
        articles: dict[str, Article],
        unique: dict[Key, Hit],
    ) -> tuple[list[tuple[float, Hit, int, int, int]], dict[int, float]]:
        """The `reader_depth` best sentences by the hand-set score, rescored by the reader's probability (each
        read with the sentence before it); the others can't be quoted. Also each read sentence's probability."""
        assert self.reader is not None
        best = sorted(scored, key=lambda c: -c[0])[: self.settings.reader_depth]
        passages = [
            passage_text(texts[c[4]], _before(articles[keys[c[4]][0]].text, unique[keys[c[4]]], c[2])) for c in best
        ]
        probs = stacked(self.reader, self.reader.score(question, passages), [c[0] for c in best])
        probability = {c[4]: round(float(p), 4) for c, p in zip(best, probs, strict=True)}
        return [(probability[c[4]], c[1], c[2], c[3], c[4]) for c in best], probability

    @staticmethod
    def _absent_from(question: str, articles: dict[str, Article], candidates: list[Candidate]) -> tuple[str, ...]:
        """The question's names and numbers that the articles of the best candidates (the first, and those within
        MEET_MARGIN of it) don't mention."""
        floor = candidates[0].score - MEET_MARGIN
        ids = dict.fromkeys(c.hit.chunk.article_id for c in candidates if c.score >= floor)
        near = {i: articles[i] for i in ids}
        words = frozenset().union(*(_words_of(a.text) for a in near.values()))
        return unmatched_terms(question, words, [a.text for a in near.values()], near)

    def quote(
        self,
        article: Article,
        hit: Hit,
        start: int,
        end: int,
        score: float,
        focus: int | None = None,
        probability: float | None = None,
    ) -> Quote:
        """The quote of `article.text[start:end]`, checked, attributed and labelled; `focus` is the start of the
        answering sentence of `hit`'s chunk (the quote's start unless a sentence before it was taken along)."""
        text = article.text[start:end]
        if not text.strip() or not 0 <= start < end <= len(article.text):
            raise QAError(f"quote {start}-{end} is not a passage of article {article.id}")
        found = _attribution(article, hit, start if focus is None else focus)
        speaker, cited = found if found else (None, False)
        return Quote(
            text=text,
            article_id=article.id,
            start=start,
            end=end,
            title=article.title,
            author=", ".join(article.authors) or None,
            outlet=article.outlet,
            published=article.published,
            url=fragment_url(article.url, text),
            genre=article.genre,
            genre_evidence=article.genre_evidence,
            score=round(score, 4),
            speaker=speaker,
            label=label(article, speaker, cited),
            probability=probability,
        )


def _within_margin(quotes: tuple[Quote, ...], margin: float, by_probability: bool) -> tuple[Quote, ...]:
    """The first quote, and the others that score within `margin` of it (by the reader's probability when it
    ranks, else by the hand-set score)."""

    def rank(q: Quote) -> float:
        return (q.probability or 0.0) if by_probability else q.score

    return tuple(q for i, q in enumerate(quotes) if i == 0 or rank(q) >= rank(quotes[0]) - margin)


@lru_cache(maxsize=1024)
def _words_of(text: str) -> frozenset[str]:
    """The BM25 tokens of a text, irregular forms at their base (cached: the best articles recur)."""
    return frozenset(base_forms(tokenize([text])[0]))


def _same_words(a: set[str], b: set[str]) -> bool:
    """Whether two sentences are one sentence twice: they share 80% of their words, or 80% of the shorter one's
    (of four words or more) are in the other (a teaser quoting the article, a copy of a story with a line added)."""
    shorter = min(len(a), len(b))
    return bool(a) and (len(a & b) >= NEAR_COPY * len(a | b) or (shorter >= 4 and len(a & b) >= NEAR_COPY * shorter))


def _before(text: str, hit: Hit, start: int) -> str | None:
    """The sentence right before the one at `start`: from its chunk, else from the article's text."""
    spans = [sp for sp in hit.chunk.sentences if sp[1] <= start]
    if spans:
        return text[spans[-1][0] : spans[-1][1]]
    spans = sentence_spans(text, max(0, start - 400), start)
    return text[spans[-1][0] : spans[-1][1]] if len(spans) > 1 or (spans and start <= 400) else None


def _attribution(article: Article, hit: Hit, start: int) -> tuple[str, bool] | None:
    """Who speaks in the quote's first sentence (the sentence before resolves pronouns), unless it is the author."""
    first = next(sp for sp in hit.chunk.sentences if sp[0] == start)
    before = [sp for sp in hit.chunk.sentences if sp[1] <= start]
    previous = article.text[before[-1][0] : before[-1][1]] if before else None
    found = attribution(article.text[first[0] : first[1]], previous)
    return None if found is None or found[0] in article.authors else found
