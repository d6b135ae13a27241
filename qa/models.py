"""Typed, frozen records passed between modules."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

Genre = Literal["news", "opinion", "editorial", "commentary", "analysis", "interview", "review", "unknown"]
GENRES: tuple[str, ...] = ("news", "opinion", "editorial", "commentary", "analysis", "interview", "review", "unknown")
# Genres an answer must flag as someone's view rather than reporting.
OPINION_FAMILY: frozenset[str] = frozenset({"opinion", "editorial", "commentary"})

Kind = Literal["article", "teaser"]
# The metadata a question about a source asks for ("Who wrote that?" asks for the author).
Field = Literal["author", "date", "outlet", "genre", "why", "link"]


class Record(BaseModel):
    """Base for every record: immutable, and unknown fields are an error."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class GenreDecision(Record):
    """A genre label and the human-readable cues that decided it."""

    genre: Genre
    evidence: tuple[str, ...]


class Article(Record):
    """One article (or a teaser of one) read from a corpus file."""

    id: str
    title: str
    text: str
    authors: tuple[str, ...] = ()
    author_role: str | None = None
    outlet: str | None = None
    published: dt.date | None = None
    url: str | None = None
    genre: Genre = "unknown"
    genre_evidence: tuple[str, ...] = ()
    kind: Kind = "article"
    source_path: str

    @property
    def is_opinion(self) -> bool:
        """True when the article belongs to the opinion family."""
        return self.genre in OPINION_FAMILY


class ReadWarning(Record):
    """A problem met while reading; the file (and line) it happened in."""

    path: str
    line: int | None = None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.message}"


class ReadResult(Record):
    """What a corpus read produced: the articles and the warnings met on the way."""

    articles: tuple[Article, ...]
    warnings: tuple[ReadWarning, ...]


class GenreSignals(Record):
    """Everything the genre labeller may look at, gathered by a reader."""

    title: str = ""
    text: str = ""
    url: str | None = None
    # (where it came from, value), e.g. ("JSON-LD @type", "OpinionNewsArticle") or ("field 'section'", "Opinion").
    metadata: tuple[tuple[str, str], ...] = ()
    site_label: str | None = None
    # Lines that are not article text but speak about it: bylines, "source:" lines, disclaimers.
    byline: tuple[str, ...] = ()


class Draft(Record):
    """An article as a reader found it, before its id and genre are settled."""

    title: str
    text: str
    source_path: str
    line: int | None = None
    id: str | None = None
    authors: tuple[str, ...] = ()
    author_role: str | None = None
    outlet: str | None = None
    published: dt.date | None = None
    url: str | None = None
    kind: Kind = "article"
    signals: GenreSignals = GenreSignals()


class Chunk(Record):
    """A run of whole sentences of one article, with character offsets into `Article.text`."""

    id: str
    article_id: str
    start: int
    end: int
    text: str
    # (start, end) of each sentence, relative to the article text.
    sentences: tuple[tuple[int, int], ...]


class Hit(Record):
    """A retrieved chunk with its fused score and the ranks it had in each retriever (None: not found)."""

    row: int
    chunk: Chunk
    score: float
    dense_rank: int | None = None
    dense_score: float | None = None
    sparse_rank: int | None = None
    sparse_score: float | None = None
    # Cosine similarity of the chunk with the question, whichever retriever found it (None: not computed).
    similarity: float | None = None
    # Whether its article is dated in the week before the day the question was asked as of (Retriever.rank).
    fresh: bool = False


class Support(Record):
    """A sentence of another article that states the same fact as a quote ("agrees"), or gives another figure for
    the same quantity ("differs"); `text == article.text[start:end]`, checked."""

    article_id: str
    title: str
    outlet: str | None
    genre: Genre
    published: dt.date | None
    start: int
    end: int
    text: str
    relation: Literal["agrees", "differs"]
    # For "differs": the figure as the quote writes it and as this sentence writes it, e.g. ("1,200", "about 2,500").
    figures: tuple[str, str] | None = None
    # The article's address with a text fragment that scrolls to the sentence (None when the article has none).
    url: str | None = None


class Corroboration(Record):
    """Who else states a passage's fact. `single_source` is true when no article of another outlet agrees with it;
    `copies` are articles that carry the same story near word for word (a wire text republished): one source,
    not a second one, so never supports."""

    supports: tuple[Support, ...] = ()
    single_source: bool = True
    copies: tuple[str, ...] = ()


class Quote(Record):
    """An exact passage of an article: `text == article.text[start:end]`, with its source and labels."""

    text: str
    article_id: str
    start: int
    end: int
    title: str
    author: str | None
    outlet: str | None
    published: dt.date | None
    url: str | None
    genre: Genre
    genre_evidence: tuple[str, ...]
    score: float
    speaker: str | None = None
    label: str
    # The reader's probability that this passage answers the question (None with the hand-set scorer).
    probability: float | None = None
    # Who else in the archive states it (None when not computed: Settings.corroborate off, or a nearby passage).
    corroboration: Corroboration | None = None


class Source(Record):
    """An article as a question about sources sees it: its metadata, not its text."""

    article_id: str
    title: str
    author: str | None
    author_role: str | None = None
    outlet: str | None
    published: dt.date | None
    url: str | None
    genre: Genre
    genre_evidence: tuple[str, ...]
    label: str


class Answer(Record):
    """What the assistant says: ranked quotes, or an abstention with the nearest passages marked as such.

    `standalone` is the question as the assistant understood it (a follow-up resolved against the conversation);
    `sources` are the articles a question about sources ("who wrote that?") was answered from.
    """

    question: str
    quotes: tuple[Quote, ...]
    abstained: bool
    summary: str
    nearby: tuple[Quote, ...] = ()
    articles: tuple[str, ...] = ()
    standalone: str | None = None
    sources: tuple[Source, ...] = ()
    # The best candidate sentence's similarity to the question: below Settings.abstain_below, the answer abstains.
    confidence: float | None = None
    # Names and numbers of the question ("Khazar University", "2024") that no passage searched mentions: the
    # answer abstains when there are any.
    unmatched: tuple[str, ...] = ()
    # Names and numbers of the question that other passages mention but the articles of the best passages don't
    # ("Ukraine" asked of an article about mines in Azerbaijan): the answer abstains when there are any.
    absent_from_best: tuple[str, ...] = ()


class Filters(Record):
    """Which articles a search may return; empty fields allow everything.

    `genres` holds labels; "opinion" stands for the whole opinion family (opinion, editorial, commentary).
    Outlet and author match without regard to case (author: part of any author's name). An article with no
    date never passes a date bound.
    """

    genres: tuple[str, ...] = ()
    outlet: str | None = None
    author: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    # Only these articles (by id); a follow-up such as "what else does this article say about X?" sets it.
    articles: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        """True when any field restricts the search."""
        return bool(self.genres or self.outlet or self.author or self.since or self.until or self.articles)

    def allows(self, genre: str, outlet: str | None, authors: tuple[str, ...], published: dt.date | None) -> bool:
        """Whether an article with this metadata passes."""
        wanted = {g for x in self.genres for g in (OPINION_FAMILY if x == "opinion" else {x})}
        if wanted and genre not in wanted:
            return False
        if self.outlet and (outlet or "").casefold() != self.outlet.casefold():
            return False
        if self.author and not any(self.author.casefold() in a.casefold() for a in authors):
            return False
        if (self.since or self.until) and published is None:
            return False
        return not (
            (self.since and published and published < self.since)
            or (self.until and published and published > self.until)
        )
