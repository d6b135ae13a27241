"""Conversation: follow-up questions resolved against the earlier turns with rules, not a language model.

`Conversation.understand(question)` reads a question in the light of the turns before it and says what to do:
search with a standalone question (an ellipsis such as "And anti-tank mines?" or a pronoun such as "Where did he
say it?" rewritten from the previous question and the entities of its quotes), answer a question about the
source of the last answer ("Who wrote that?"), search inside that article ("What else does it say about the
maps?"), or change the conversation's filters ("Show me only news reports"). A self-contained question is a
topic change and inherits nothing. The Assistant carries the plan out; the conversation is updated in place.
The rules themselves (patterns and rewriting) are in qa.rewrite.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Literal

from .models import Answer, Field, Filters, Record
from .rewrite import (
    AUTHOR_MORE,
    CLEAR,
    NAMED_SOURCE,
    ONLY,
    SOURCE_RULES,
    TOPIC_TAIL,
    WHO_ELSE,
    WITHIN,
    follow_up,
    genres_named,
    viewpoint_topic,
)

Intent = Literal["search", "source", "within", "filter", "author", "viewpoints", "corroborate"]


class Turn(Record):
    """One question and answer, with the standalone question it was understood as."""

    question: str
    standalone: str
    intent: Intent
    follow_up: bool
    answer: Answer
    # The words retrieval searched for: the standalone question, or the topic of "what else does it say about X?".
    query: str | None = None


class Understood(Record):
    """How a question was read: what to do, and the standalone question it stands for."""

    intent: Intent
    standalone: str
    follow_up: bool = False
    field: Field | None = None  # the metadata a source question asks for
    article_id: str | None = None  # the article "that", "it" or "this article" points to
    topic: str | None = None  # the words to search for inside the article or among the author's articles
    genres: tuple[str, ...] | None = None  # a filter change; () clears it
    boost: tuple[str, ...] = ()  # articles of the previous answer, preferred by a follow-up's search


# --- the conversation ---------------------------------------------------------------------------------------------


class Conversation:
    """The turns of one user, in order; independent of every other conversation and safe to use from one thread
    at a time per user (a lock serialises turns of the same conversation)."""

    def __init__(self, filters: Filters | None = None, as_of: dt.date | None = None) -> None:
        self.turns: list[Turn] = []
        self.filters = filters or Filters()
        # The day its questions are asked about, when the user gave one (see Assistant.ask).
        self.as_of = as_of
        self.lock = threading.RLock()

    def reset(self) -> None:
        """Forget every turn and filter: a new conversation (asked as of the same day, if one was given)."""
        with self.lock:
            self.turns.clear()
            self.filters = Filters()

    # Follow-ups only look a few turns back; a long-lived session keeps this many, so its memory stays bounded.
    MAX_TURNS = 50

    def add(self, turn: Turn) -> None:
        """Record a turn (the oldest is dropped past MAX_TURNS)."""
        with self.lock:
            self.turns.append(turn)
            del self.turns[: -self.MAX_TURNS]

    @property
    def last_search(self) -> Turn | None:
        """The latest turn that searched the corpus (its standalone question is the current topic)."""
        return next((t for t in reversed(self.turns) if t.query), None)

    @property
    def focus(self) -> tuple[str, ...]:
        """The articles the last answer came from, best first: what "it", "that" and "this article" point to."""
        for turn in reversed(self.turns):
            a = turn.answer
            ids = [q.article_id for q in a.quotes] + [s.article_id for s in a.sources]
            if not ids and a.abstained:
                ids = [q.article_id for q in a.nearby]
            if ids:
                return tuple(dict.fromkeys(ids))
        return ()

    def understand(self, question: str) -> Understood:
        """What to do with `question` given the turns so far (see the module docstring)."""
        q = question.strip()
        focus = self.focus
        top = focus[0] if focus else None
        if CLEAR.search(q):
            return Understood(intent="filter", standalone="Show articles of every genre", genres=(), follow_up=True)
        only = ONLY.search(q)
        if only:
            genres = genres_named(only.group("what") or only.group("what2") or "")
            return Understood(
                intent="filter", standalone=f"Show only {', '.join(genres)} articles", genres=genres, follow_up=True
            )
        if WHO_ELSE.search(q):
            return Understood(intent="corroborate", standalone=q, article_id=top, follow_up=top is not None)
        topic = viewpoint_topic(q)
        if topic:
            return Understood(
                intent="viewpoints", standalone=f"What do different sources say about {topic}?", topic=topic
            )
        for field, rule in SOURCE_RULES:
            if rule.search(q) or (field in NAMED_SOURCE and NAMED_SOURCE[field].search(q)):
                named = TOPIC_TAIL.search(q)
                if named:  # "Who wrote the op-ed about landmines?": the article is found by searching
                    return Understood(intent="source", standalone=q, field=field, topic=named.group("topic"))
                return Understood(intent="source", standalone=q, field=field, article_id=top, follow_up=top is not None)
        within = WITHIN.search(q)
        if within:
            topic = (within.group("topic") or within.group("topic2") or "").rstrip(" ?.!")
            return Understood(intent="within", standalone=q, topic=topic, article_id=top, follow_up=top is not None)
        if AUTHOR_MORE.search(q):
            last = self.last_search
            return Understood(
                intent="author",
                standalone=q,
                article_id=top,
                topic=last.query if last else None,
                follow_up=top is not None,
            )
        return self._search(q, focus)

    # --- search questions -----------------------------------------------------------------------------------------

    def _search(self, q: str, focus: tuple[str, ...]) -> Understood:
        last = self.last_search
        if last is None:
            return Understood(intent="search", standalone=q)
        standalone = follow_up(q, last.query or "", last.answer)
        if standalone is None:  # self-contained: a new topic, nothing inherited
            return Understood(intent="search", standalone=q)
        return Understood(intent="search", standalone=standalone, follow_up=True, boost=focus)
