"""The sentences around an answering sentence: which sit next to it, how much of the question they cover with it,
and which of them its quote takes along so that it names its subject and says the whole answer."""

from __future__ import annotations

import itertools
import re

from ..models import Article, Hit
from ..search.chunk import sentence_spans

Key = tuple[str, int, int]  # a sentence: (article id, start, end)

# Share of a sentence's word overlap that comes from it together with its neighbours: the answer often sits in a
# sentence whose neighbours hold the rest of the question's words.
CONTEXT_WEIGHT = 0.3
# A sentence right before or after the answering one that scores within this margin of it answers as well: the
# two are one passage and are quoted together (at most three sentences), not as two quotes.
JOIN_MARGIN = 0.1
# A best sentence shorter than this rarely stands alone; the next sentence is quoted with it.
SHORT_SENTENCE = 80
# A sentence that opens like this carries on from the one before: quoted together, the answer keeps its subject.
_CARRIES_ON = re.compile(r"(?:These|This|Those|That|It|Its|They|Their|Such)\b")
# A sentence that opens by pointing back ("He said", "But these devices", "The company's") needs the one before it.
_POINTS_BACK = re.compile(
    r"(?:(?:But|And|So|Still|Yet|Now|However|Instead|Meanwhile|Then)\b,?\s+)?"
    r"(?:He|She|It|They|His|Her|Its|Their|Them|These|Those|This|Such|The\s+(?:company|team|group|agency|man|woman|"
    r"couple|firm|country|city|state|move|decision|deal|plan|bill|law|rule|measure|incident|attack|case|report|"
    r"study|star|singer|actor|player|president|official|leader)(?:’s|'s)?)\b"
)
# "these devices", "those talks" anywhere in the sentence point back too ("those who ..." does not).
_DEMONSTRATIVE = re.compile(r"\b[Tt]h(?:ese|ose)\s+(?!who\b|which\b|that\b|of\b|in\b|with\b)[a-z]+")
# How far back the sentence before is looked for; a longer one is not taken along.
_LOOK_BACK = 400


class Neighbours:
    """Which of a set of sentences sit right before and after each other in their article (nothing but
    whitespace between them)."""

    def __init__(self, keys: list[Key], articles: dict[str, Article]) -> None:
        self.before: dict[tuple[str, int], Key] = {}  # (article id, a sentence's start) -> the sentence before
        self.after: dict[tuple[str, int], Key] = {}  # (article id, a sentence's end) -> the sentence after
        for a, b in itertools.pairwise(sorted(keys)):
            if a[0] == b[0] and a[2] <= b[1] and not articles[a[0]].text[a[2] : b[1]].strip():
                self.after[(a[0], a[2])] = b
                self.before[(b[0], b[1])] = a

    def of(self, key: Key) -> list[Key]:
        """The sentences right before and after `key`."""
        return [k for k in (self.before.get(key[:2]), self.after.get((key[0], key[2]))) if k is not None]

    def join(self, scores: dict[Key, float], focus: Key, start: int, stop: int) -> tuple[int, int, list[Key]]:
        """The quote `start`..`stop` of the sentence `focus`, widened by an adjacent sentence that scores within
        JOIN_MARGIN of it (the better one first), up to three sentences in all; and the sentences added."""
        aid, first, end = focus
        score = scores[focus]
        count = 1 + (start < first) + (stop > end)
        options = [
            (scores[k], k)
            for k in (self.before.get((aid, start)), self.after.get((aid, stop)))
            if k is not None and k in scores and scores[k] >= score - JOIN_MARGIN
        ]
        joined = [k for _, k in sorted(options, reverse=True)[: max(0, 3 - count)]]
        for _, s, e in joined:
            start, stop = min(start, s), max(stop, e)
        return start, stop, joined


def with_context(at: dict[Key, int], tokens: list[set[str]], question: set[str], near: Neighbours) -> list[float]:
    """Each sentence's share of the question's words, blended with the share it covers together with the
    sentences right before and after it in its article, when those are among the sentences scored (`at` gives
    each one's index in `tokens`; CONTEXT_WEIGHT)."""
    out = [0.0] * len(tokens)
    for key, i in at.items():
        words = tokens[i].union(*(tokens[at[n]] for n in near.of(key)))
        own = len(question & tokens[i]) / max(len(question), 1)
        together = len(question & words) / max(len(question), 1)
        out[i] = (1 - CONTEXT_WEIGHT) * own + CONTEXT_WEIGHT * together
    return out


def reach_back(text: str, start: int, end: int) -> int:
    """Where the quote of the sentence at `start` begins: the sentence before comes along when this one opens by
    pointing back to it ("He said ...", "These devices ...", "But the company ..."), so the quote names its subject."""
    if not _POINTS_BACK.match(text, start) and not _DEMONSTRATIVE.search(text, start, end):
        return start
    lo = max(0, start - _LOOK_BACK)
    spans = sentence_spans(text, lo, start)
    # the sentence before must end just before this one, and be whole (not cut by the look-back window)
    if not spans or text[spans[-1][1] : start].strip() or (len(spans) == 1 and lo > 0):
        return start
    return spans[-1][0]


def extend(hit: Hit, start: int, end: int) -> int:
    """The end of the quote: a short sentence takes the next one of its chunk along, and so does a sentence
    whose successor carries on from it ("These maps indicated ...", "It was ...")."""
    sents = list(hit.chunk.sentences)
    i = sents.index((start, end))
    if i + 1 >= len(sents):
        return end
    nxt = sents[i + 1]
    carries_on = _CARRIES_ON.match(hit.chunk.text, nxt[0] - hit.chunk.start) is not None
    return nxt[1] if end - start < SHORT_SENTENCE or carries_on else end
