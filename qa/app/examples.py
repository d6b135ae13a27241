"""Example questions for the web chat, made from the loaded corpus: its names, opinion authors and the people its
reports quote, put into fixed question templates (a reader's questions, not article titles)."""

from __future__ import annotations

import re
from collections import Counter

from ..answers.names import key_terms
from ..answers.speech import attribution
from ..models import OPINION_FAMILY, Article
from ..search.chunk import sentence_spans

# Examples are drawn from the first articles of the index (build order): enough to mix genres and sources.
EXAMPLE_ARTICLES = 200
# Names that are dates or sentence furniture, not topics.
_NOT_TOPICS = frozenset(
    "January February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday Mr Mrs Ms Dr I".split()
)
_PERSON = re.compile(r"[A-Z][a-z’'-]+(?: [A-Z][a-z’'-]+){1,3}")


def _names(article: Article) -> Counter[str]:
    """How often each name of the article occurs in its text (numbers, dates, its outlet and authors left out)."""
    counts: Counter[str] = Counter()
    skip = {article.outlet or "", *article.authors}
    for s, e in sentence_spans(article.text):
        for term in key_terms(article.text[s:e]):
            if not any(c.isdigit() for c in term) and term not in skip and term.split()[0] not in _NOT_TOPICS:
                counts[term] += 1
    return counts


def _topic(article: Article, counts: Counter[str]) -> str | None:
    """The article's topic as a name: the most frequent of the names in its title, else of its text."""
    in_title = [t for t in counts if t in article.title]
    pool = in_title or list(counts)
    return max(pool, key=lambda t: (counts[t], len(t))) if pool else None


def _speaker(article: Article) -> str | None:
    """The first person the article quotes by full name."""
    spans = sentence_spans(article.text)
    previous = None
    for s, e in spans[:40]:
        sentence = article.text[s:e]
        found = attribution(sentence, previous)
        previous = sentence
        if found and _PERSON.fullmatch(found[0]) and found[0] not in article.authors:
            return found[0]
    return None


def examples_for(articles: list[Article], n: int = 4) -> list[str]:
    """Up to `n` questions about these articles, one per article, genres and sources mixed; a name several
    sources write about gets a viewpoints question."""
    if not articles:
        return []
    topics: dict[str, str] = {}
    sources: dict[str, set[str]] = {}
    for a in articles:
        counts = _names(a)
        topic = _topic(a, counts)
        if topic:
            topics[a.id] = topic
        for name in counts:
            sources.setdefault(name, set()).add((a.outlet or a.id).casefold())
    out: list[str] = []
    shared = [t for t in dict.fromkeys(topics.values()) if len(sources.get(t, ())) >= 2]
    if shared:
        out.append(f"What do different sources say about {shared[0]}?")
    by_kind: dict[str, list[Article]] = {}
    for a in articles:
        if a.id in topics:
            by_kind.setdefault("opinion" if a.genre in OPINION_FAMILY else "report", []).append(a)
    while len(out) < n and any(by_kind.values()):
        for group in by_kind.values():
            if not group or len(out) >= n:
                continue
            a = group.pop(0)
            topic = topics[a.id]
            if a.genre in OPINION_FAMILY and a.authors:
                question = f"What does {a.authors[0]} argue about {topic}?"
            elif (speaker := _speaker(a)) and speaker not in topic:
                question = f"What did {speaker} say about {topic}?"
            else:
                question = f"What do the articles say about {topic}?"
            if question not in out:
                out.append(question)
    return out
