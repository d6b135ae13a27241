"""Question + Hits -> Answer: the answering sentences as exact, labelled quotes, or an abstention."""

from __future__ import annotations

import re
from urllib.parse import quote as urlquote

import numpy as np

from .config import Settings
from .embed import Embedder
from .errors import QAError
from .models import OPINION_FAMILY, Answer, Article, Hit, Quote
from .sparse import tokenize
from .speech import attribution

ABSTAIN = "The articles in this corpus don't answer that."
GENRE_NAMES = {
    "news": "News report",
    "opinion": "Opinion",
    "editorial": "Editorial",
    "commentary": "Commentary",
    "analysis": "Analysis",
    "interview": "Interview",
    "review": "Review",
    "unknown": "Unlabelled article",
}
SOURCE_NAMES = {
    "news": ("a news report", "news reports"),
    "opinion": ("an opinion piece", "opinion pieces"),
    "editorial": ("an editorial", "editorials"),
    "commentary": ("a commentary", "commentaries"),
    "analysis": ("an analysis", "analyses"),
    "interview": ("an interview", "interviews"),
    "review": ("a review", "reviews"),
    "unknown": ("an unlabelled article", "unlabelled articles"),
}
# Lexical and dense evidence weigh the same in a sentence's score; neither alone is reliable on short sentences.
LEXICAL_WEIGHT = 0.5
# A best sentence shorter than this rarely stands alone; the next sentence is quoted with it.
SHORT_SENTENCE = 80
_WORDS = re.compile(r"\S+")
# A sentence that opens like this carries on from the one before: quoted together, the answer keeps its subject.
_CARRIES_ON = re.compile(r"(?:These|This|Those|That|It|Its|They|Their|Such)\b")
# Questions that ask for an amount, a share or a time are answered by sentences with a number in them.
_WANTS_NUMBER = re.compile(
    r"\b(how (much|many|long|far|old|often|big|large)|what (percentage|share|proportion|number|year|date)|when)\b", re.I
)
# Added to the score of a sentence holding a number when the question wants one: enough to break ties between
# sentences on the topic, too little to lift an off-topic one.
NUMBER_BONUS = 0.15


def wants_number(question: str) -> bool:
    """Whether the question asks for an amount, a share or a time ("how many", "when", "what year")."""
    return bool(_WANTS_NUMBER.search(question))


def label(article: Article, speaker: str | None = None, cited: bool = False) -> str:
    """The one-line attribution a reader sees, e.g. 'News report — commonspace.eu; Mark Rutte speaking'.

    `cited` marks a source the sentence only cites ("according to X") rather than someone speaking.
    """
    who = (
        ", ".join(
            x
            for x in (", ".join(article.authors) if article.genre in OPINION_FAMILY else "", article.outlet or "")
            if x
        )
        or "unknown source"
    )
    line = f"{GENRE_NAMES[article.genre]} — {who}"
    if not speaker:
        return line
    return f"{line}; according to {speaker}" if cited else f"{line}; {speaker} speaking"


def fragment_url(url: str | None, text: str) -> str | None:
    """The URL with a #:~:text= fragment that highlights `text` in a browser."""
    if not url:
        return None
    words = _WORDS.findall(text)

    def enc(ws: list[str]) -> str:
        return urlquote(" ".join(ws), safe="").replace("-", "%2D")

    frag = enc(words) if len(words) <= 10 else f"{enc(words[:5])},{enc(words[-5:])}"
    return f"{url.split('#', 1)[0]}#:~:text={frag}"


class AnswerBuilder:
    """Picks the answering sentences of the best hits and labels them; settings fix counts and thresholds."""

    def __init__(self, embedder: Embedder, settings: Settings | None = None) -> None:
        self.embedder = embedder
        self.settings = settings or Settings()

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
        candidates = self._candidates(question, hits, articles, vector)
        quotes = [self.quote(articles[h.chunk.article_id], h, s, e, score) for score, _, h, s, e in candidates]
        confidence = round(max(c[0] for c in candidates), 4) if candidates else None
        abstained = confidence is None or confidence < self.settings.abstain_below
        ranked = tuple(quotes[: self.settings.max_quotes])
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
        self, question: str, hits: list[Hit], articles: dict[str, Article], vector: np.ndarray | None = None
    ) -> list[tuple[float, float, Hit, int, int]]:
        """(score, dense similarity, hit, start, end) of the best non-overlapping spans, best first."""
        unique: dict[tuple[str, int, int], Hit] = {}
        for hit in hits:  # overlapping chunks share sentences; score each sentence once
            for s, e in hit.chunk.sentences:
                unique.setdefault((hit.chunk.article_id, s, e), hit)
        if not unique:
            return []
        keys = list(unique)
        texts = [articles[a].text[s:e] for a, s, e in keys]
        q_tokens = set(tokenize([question])[0])
        lexical = [len(q_tokens & set(t)) / max(len(q_tokens), 1) for t in tokenize(texts)]
        chunk_sim = [unique[k].similarity or 0.0 for k in keys]
        # The most promising sentences are embedded and scored on their own; the rest keep their chunk's similarity.
        dense = np.asarray(chunk_sim, dtype=np.float32)
        if self.settings.sentence_pool:
            guess = [LEXICAL_WEIGHT * lexical[i] + (1 - LEXICAL_WEIGHT) * chunk_sim[i] for i in range(len(keys))]
            keep = sorted(range(len(keys)), key=lambda i: -guess[i])[: self.settings.sentence_pool]
            if vector is None:
                vector = self.embedder.embed([question])[0]
            dense[keep] = self.embedder.embed([texts[i] for i in keep]) @ vector
        bonus = NUMBER_BONUS if wants_number(question) else 0.0
        scored = []
        for i, (aid, s, e) in enumerate(keys):
            score = LEXICAL_WEIGHT * lexical[i] + (1 - LEXICAL_WEIGHT) * float(dense[i])
            score += bonus if any(ch.isdigit() for ch in texts[i]) else 0.0
            scored.append((score, float(dense[i]), unique[(aid, s, e)], s, e))
        scored.sort(key=lambda c: -c[0])
        out: list[tuple[float, float, Hit, int, int]] = []
        taken: dict[str, list[tuple[int, int]]] = {}
        for score, d, hit, s, e in scored:
            e = self._extend(hit, s, e)
            spans = taken.setdefault(hit.chunk.article_id, [])
            if any(s < te and ts < e for ts, te in spans):
                continue
            spans.append((s, e))
            out.append((score, d, hit, s, e))
            if len(out) >= self.settings.max_quotes:
                break
        return out

    @staticmethod
    def _extend(hit: Hit, start: int, end: int) -> int:
        """The end of the quote: a short sentence takes the next one of its chunk along, and so does a sentence
        whose successor carries on from it ("These maps indicated ...", "It was ...")."""
        sents = list(hit.chunk.sentences)
        i = sents.index((start, end))
        if i + 1 >= len(sents):
            return end
        nxt = sents[i + 1]
        carries_on = _CARRIES_ON.match(hit.chunk.text, nxt[0] - hit.chunk.start) is not None
        return nxt[1] if end - start < SHORT_SENTENCE or carries_on else end

    def quote(self, article: Article, hit: Hit, start: int, end: int, score: float) -> Quote:
        """The quote of `article.text[start:end]`, checked, attributed and labelled."""
        text = article.text[start:end]
        if not text.strip() or not 0 <= start < end <= len(article.text):
            raise QAError(f"quote {start}-{end} is not a passage of article {article.id}")
        found = _attribution(article, hit, start)
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
        )


def _attribution(article: Article, hit: Hit, start: int) -> tuple[str, bool] | None:
    """Who speaks in the quote's first sentence (the sentence before resolves pronouns), unless it is the author."""
    first = next(sp for sp in hit.chunk.sentences if sp[0] == start)
    before = [sp for sp in hit.chunk.sentences if sp[1] <= start]
    previous = article.text[before[-1][0] : before[-1][1]] if before else None
    found = attribution(article.text[first[0] : first[1]], previous)
    return None if found is None or found[0] in article.authors else found


def summarise(quotes: tuple[Quote, ...]) -> str:
    """'3 quotes: 2 from news reports, 1 from an opinion piece', from fixed templates."""
    counts: dict[str, int] = {}
    for q in quotes:
        counts[q.genre] = counts.get(q.genre, 0) + 1
    parts = ", ".join(f"{n} from {SOURCE_NAMES[g][0 if n == 1 else 1]}" for g, n in counts.items())
    return f"{len(quotes)} quote{'s' if len(quotes) != 1 else ''}: {parts}"


# Reporting comes first, then views and analysis, each under its own heading: an opinion never reads as fact.
GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Reporting", frozenset({"news", "interview"})),
    ("Opinion", OPINION_FAMILY),
    ("Analysis", frozenset({"analysis", "review"})),
    ("Unlabelled", frozenset({"unknown"})),
)


def group_quotes(quotes: tuple[Quote, ...]) -> list[tuple[str, list[Quote]]]:
    """Quotes under fixed headings, reporting first; the ranking is kept inside each group."""
    return [(heading, qs) for heading, genres in GROUPS if (qs := [q for q in quotes if q.genre in genres])]
