"""Assistant: the one facade that the CLI, the web app and the evaluation use."""

from __future__ import annotations

import copy
import datetime as dt
import re

from .answers.choose import AnswerBuilder
from .answers.corroborate import ANSWER_LEGS, LEGS, Corroborator, source_key
from .answers.reader import Reader
from .answers.sources import source_of
from .answers.templates import (
    ABSTAIN,
    GROUPS,
    NO_FOCUS,
    source_summary,
    standalone_for,
    supports_summary,
    viewpoints_summary,
)
from .chat import Conversation, Turn, Understood
from .config import Settings
from .errors import EmptyQuestion, QAError
from .models import Answer, Article, Corroboration, Filters, Hit, Quote
from .rewrite import asked_genre, viewpoint_topic
from .search.backend import Location, SearchBackend, open_index
from .search.embed import Embedder, load_embedder, split_name
from .search.rerank import CrossEncoderReranker, Reranker, rerank
from .search.retrieve import Mode, Retriever, diversify

# Longer questions are cut here: no real question needs more, and embedding cost grows with length.
MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A follow-up prefers the articles of the previous answer: their hits gain this share of the best hit's score.
FOLLOW_UP_BOOST = 0.25
# A viewpoints question ("What do different sources say about X?") shows the best quote of at most this many
# sources (an outlet and genre family each).
VIEWPOINT_SOURCES = 6


def clean_question(question: str) -> str:
    """The question without control characters, spaces collapsed, cut to MAX_QUESTION_CHARS."""
    text = re.sub(r"\s+", " ", _CONTROL.sub(" ", question)).strip()[:MAX_QUESTION_CHARS]
    if not re.search(r"\w", text):
        raise EmptyQuestion("the question is empty: ask about something in the articles")
    return text


class Assistant:
    """Answers questions from one index with exact quotes; safe to share between threads."""

    def __init__(
        self,
        index: SearchBackend,
        embedder: Embedder,
        settings: Settings | None = None,
        reranker: Reranker | None = None,
        reader: Reader | None = None,
    ) -> None:
        if embedder.name != index.manifest.model:
            raise QAError(f"embedder {embedder.name!r} does not match the index's model {index.manifest.model!r}")
        self.index = index
        self.settings = settings or Settings()
        if reranker is None and self.settings.reranker:
            reranker = CrossEncoderReranker(self.settings.reranker)
        self.reranker = reranker
        self.retriever = Retriever(index, embedder, self.settings)
        self.builder = AnswerBuilder(embedder, self.settings, reader)
        self.corroborator = Corroborator(index, embedder)

    @property
    def scorer(self) -> str:
        """What picks the quotes: "hand-set", or the reader's name ("default", a folder)."""
        return "hand-set" if self.builder.reader is None else self.builder.reader.name

    def with_reader(self, reader: Reader | None) -> Assistant:
        """This assistant (same index, embedder and settings) choosing quotes with another reader, or with the
        hand-set scorer when `reader` is None."""
        return self._variant({"reader": None if reader is None else reader.name}, reader)

    def with_quote_margin(self, margin: float | None) -> Assistant:
        """This assistant (same index, embedder, reader and settings) showing a second or third quote only when it
        scores within `margin` of the first (Settings.quote_margin); None shows up to max_quotes as by default."""
        if margin == self.settings.quote_margin:
            return self
        return self._variant({"quote_margin": margin}, self.builder.reader)

    def _variant(self, update: dict[str, object], reader: Reader | None) -> Assistant:
        """A shallow copy sharing the index, embedder and retriever, with `update` to its settings and an answer
        builder of its own that reads with `reader`."""
        other = copy.copy(self)
        other.settings = self.settings.model_copy(update=update)
        other.builder = AnswerBuilder(self.retriever.embedder, other.settings, reader)
        return other

    @classmethod
    def load(cls, index: Location | None = None, settings: Settings | None = None) -> Assistant:
        """Open the index (a folder, or a postgresql:// connection string) and the model it was built with.
        Against a database, searches go to `settings.search_replica` when it is set."""
        settings = settings or Settings()
        opened = open_index(index or settings.index_dir, settings=settings)
        model, encoder = split_name(opened.manifest.model)
        return cls(opened, load_embedder(model, settings.embed_batch_size, encoder, settings.cache_dir), settings)

    def ask(
        self,
        question: str,
        k: int | None = None,
        retriever: Mode = "hybrid",
        filters: Filters | None = None,
        conversation: Conversation | None = None,
        as_of: dt.date | None = None,
    ) -> Answer:
        """Answer one question, searching only articles that pass `filters`.

        `as_of` is the day the question is asked about ("this week" of a news quiz): articles dated in the week
        before it are preferred (Settings.recency_days, recency_weight). A conversation remembers it for its turns.

        With a `conversation`, the question is first resolved against its earlier turns (a follow-up becomes a
        standalone question, "who wrote that?" is answered from the last answer's article) and the turn is added
        to it; the conversation's own filters ("show me only news reports") apply as well.
        """
        if conversation is None:
            topic = viewpoint_topic(clean_question(question))
            if topic:
                return self.viewpoints(topic, retriever, filters, as_of, question=question)
            return self.ask_many([question], k, retriever, filters, as_of=as_of)[0]
        cleaned = clean_question(question)
        with conversation.lock:
            if as_of is not None:
                conversation.as_of = as_of
            plan = conversation.understand(cleaned)
            answer = self._carry_out(cleaned, plan, conversation, k, retriever, filters)
            conversation.add(
                Turn(
                    question=cleaned,
                    standalone=answer.standalone or cleaned,
                    intent=plan.intent,
                    follow_up=plan.follow_up,
                    answer=answer,
                    query=_query(plan, conversation),
                )
            )
            return answer

    def ask_many(
        self,
        questions: list[str],
        k: int | None = None,
        retriever: Mode = "hybrid",
        filters: Filters | None = None,
        prefer: tuple[str, ...] = (),
        as_of: dt.date | None = None,
    ) -> list[Answer]:
        """Answer several questions; retrieval is batched. Hits of `prefer` articles gain a small boost, and
        with `as_of` those of articles dated in the week before it (see `ask`)."""
        cleaned = [clean_question(q) for q in questions]
        k = k or self.settings.k
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        answers = []
        vectors = self.retriever.embedder.embed(cleaned)  # once: for retrieval and for scoring sentences
        # The searches and the article reads see one state of the index, even while a build writes to it, so
        # every hit's chunk is its article's text at its offsets.
        with self.index.snapshot():
            ranked_all = self.retriever.rank(cleaned, retriever, k, filters, vectors=vectors, as_of=as_of)
            pools = [self._pool(q, ranked, k, prefer) for q, ranked in zip(cleaned, ranked_all, strict=True)]
        for question, vector, (shown, pool, articles) in zip(cleaned, vectors, pools, strict=True):
            answer = self.builder.build(question, pool, articles, [h.chunk.article_id for h in shown], vector)
            answers.append(self._with_corroboration(answer, articles, pool))
        return answers

    def _pool(
        self, question: str, ranked: list[Hit], k: int, prefer: tuple[str, ...]
    ) -> tuple[list[Hit], list[Hit], dict[str, Article]]:
        """(the diverse hits shown, the hits quotes may come from, their articles)."""
        ranked = _boost(ranked, prefer)
        if self.reranker is not None:
            ranked = rerank(question, ranked, self.reranker, self.settings.rerank_depth)
        shown = diversify(ranked, k, self.settings.per_article)
        # Quotes may come from any of the best chunks, even several of one article; the article list is diverse.
        pool = list({h.row: h for h in ranked[: self.settings.answer_depth] + shown}.values())
        articles = {a: art for a in {h.chunk.article_id for h in pool} if (art := self.index.article(a))}
        return shown, pool, articles

    def viewpoints(
        self,
        topic: str,
        retriever: Mode = "hybrid",
        filters: Filters | None = None,
        as_of: dt.date | None = None,
        question: str | None = None,
    ) -> Answer:
        """The best quote on `topic` of each source (an outlet and genre family), reporting first, each labelled:
        the answer to "What do different sources say about X?"."""
        cleaned = clean_question(topic)
        vectors = self.retriever.embedder.embed([cleaned])
        by_article: dict[str, list[Hit]] = {}
        with self.index.snapshot():  # the search and the article reads see one state of the index (see ask_many)
            for hit in self.retriever.rank([cleaned], retriever, None, filters, vectors=vectors, as_of=as_of)[0]:
                by_article.setdefault(hit.chunk.article_id, []).append(hit)
            articles = {a: art for a in by_article if (art := self.index.article(a))}
        picked: dict[tuple[str, str], Quote] = {}
        for aid, hits in by_article.items():
            article = articles.get(aid)
            if article is None:
                continue
            group = (source_key(article), _family(article.genre))
            if group in picked:
                continue
            found = self.builder.build(cleaned, hits[: self.settings.answer_depth], {aid: article}, [aid], vectors[0])
            if found.quotes and not found.abstained:
                picked[group] = found.quotes[0]
                if len(picked) >= VIEWPOINT_SOURCES:
                    break
        order = [g for _, genres in GROUPS for g in genres]
        quotes = tuple(sorted(picked.values(), key=lambda q: order.index(q.genre) if q.genre in order else len(order)))
        standalone = f"What do different sources say about {cleaned}?"
        if not quotes:
            return Answer(question=question or topic, quotes=(), abstained=True, summary=ABSTAIN, standalone=standalone)
        answer = Answer(
            question=question or topic,
            quotes=quotes,
            abstained=False,
            summary=viewpoints_summary(quotes),
            articles=tuple(q.article_id for q in quotes),
            standalone=standalone,
        )
        return self._with_corroboration(answer, articles, [])

    def _who_else(self, question: str, conversation: Conversation) -> Answer:
        """The supports of the last answer's first quote, each as a labelled quote of its article."""
        last = next((t.answer.quotes[0] for t in reversed(conversation.turns) if t.answer.quotes), None)
        if last is None:
            return _notice(question, question, NO_FOCUS, abstained=True)
        corroboration = last.corroboration or self.corroborate(last.article_id, last.start, last.end)
        quoted = last.model_copy(update={"corroboration": corroboration})
        quotes = []
        for support in corroboration.supports:
            article = self.index.article(support.article_id)
            hit = next(
                (
                    Hit(row=row, chunk=chunk, score=0.0)
                    for row, chunk in (self.index.chunks_of(support.article_id) if article else [])
                    if (support.start, support.end) in chunk.sentences
                ),
                None,
            )
            if article is not None and hit is not None:
                quotes.append(self.builder.quote(article, hit, support.start, support.end, 0.0))
        return Answer(
            question=question,
            quotes=tuple(quotes),
            abstained=False,
            summary=supports_summary(quoted),
            articles=tuple(q.article_id for q in quotes),
            standalone=f"Who else reports: “{last.text}”?",
        )

    def corroborate(self, article_id: str, start: int, end: int) -> Corroboration:
        """Who else in the archive states `article.text[start:end]`: the sentences of other articles that agree
        with it or give another figure for the same quantity, and whether it has a single source."""
        article = self.index.article(article_id)
        if article is None:
            raise QAError(f"no article {article_id!r} in the index")
        return self.corroborator.corroborate([(article, start, end)])[0]

    def _with_corroboration(self, answer: Answer, articles: dict[str, Article], pool: list[Hit]) -> Answer:
        """The answer with every quote's corroboration (Settings.corroborate)."""
        if not self.settings.corroborate or not answer.quotes:
            return answer
        spans = [(articles[q.article_id], q.start, q.end) for q in answer.quotes]
        # With a question's hits, they stand in for the dense leg (see answers/corroborate.py).
        found = self.corroborator.corroborate(spans, pool, legs=ANSWER_LEGS if pool else LEGS)
        quotes = tuple(q.model_copy(update={"corroboration": c}) for q, c in zip(answer.quotes, found, strict=True))
        return answer.model_copy(update={"quotes": quotes})

    def _carry_out(
        self,
        question: str,
        plan: Understood,
        conversation: Conversation,
        k: int | None,
        retriever: Mode,
        filters: Filters | None,
    ) -> Answer:
        """The answer to one conversational turn, as `plan` says."""
        if plan.intent == "filter":
            conversation.filters = conversation.filters.model_copy(update={"genres": plan.genres or ()})
        merged = _merge(conversation.filters, filters)
        if plan.intent == "filter":
            last = conversation.last_search
            if last is None:
                return _notice(question, plan.standalone)
            query = last.query or ""
            standalone = f"{query} ({plan.standalone.lower()})"
            answer = self.ask_many([query], k, retriever, merged, as_of=conversation.as_of)[0]
            return answer.model_copy(update={"question": question, "standalone": standalone})
        if plan.intent == "viewpoints" and plan.topic:
            return self.viewpoints(plan.topic, retriever, merged, conversation.as_of, question=question)
        if plan.intent == "corroborate":
            return self._who_else(question, conversation)
        if plan.intent == "search":
            answer = self.ask_many(
                [plan.standalone], k, retriever, merged, prefer=plan.boost, as_of=conversation.as_of
            )[0]
            return answer.model_copy(update={"question": question, "standalone": plan.standalone})
        article_id = plan.article_id
        if plan.intent == "source" and plan.topic:  # the article is named by its topic: find it first
            found = self.ask_many([plan.topic], k, retriever, merged, as_of=conversation.as_of)[0]
            article_id = next((q.article_id for q in found.quotes), None)
        article = self.index.article(article_id) if article_id else None
        if article is None:
            return _notice(question, question, NO_FOCUS, abstained=True)
        if plan.intent == "source" and plan.field:
            quotes = self._byline(article) if plan.field == "author" else ()
            return Answer(
                question=question,
                quotes=quotes,
                abstained=False,
                summary=source_summary(plan.field, article, asked_genre(question)),
                articles=(article.id,),
                standalone=standalone_for(plan.field, article),
                sources=(source_of(article),),
            )
        if plan.intent == "within":
            topic = plan.topic or question
            only = (merged or Filters()).model_copy(update={"articles": (article.id,)})
            answer = self.ask_many([topic], k, retriever, only, as_of=conversation.as_of)[0]
            return answer.model_copy(
                update={"question": question, "standalone": f"What does “{article.title}” say about {topic}?"}
            )
        return self._more_by_author(question, plan, article, k, retriever, merged, conversation.as_of)

    def _more_by_author(
        self,
        question: str,
        plan: Understood,
        article: Article,
        k: int | None,
        retriever: Mode,
        filters: Filters | None,
        as_of: dt.date | None,
    ) -> Answer:
        """Other articles by the author of `article`, with quotes on the current topic from them."""
        if not article.authors:
            return _notice(question, question, f"“{article.title}” names no author.", sources=(article,))
        author = article.authors[0]
        others = tuple(a for a in self.index.article_ids(Filters(author=author)) if a != article.id)
        standalone = f"More from {author}" + (f": {plan.topic}" if plan.topic else "")
        if not others:
            text = f"This corpus holds no other article by {author} than “{article.title}”."
            return _notice(question, standalone, text, sources=(article,))
        scope = (filters or Filters()).model_copy(update={"author": author, "articles": others})
        answer = self.ask_many([plan.topic or author], k, retriever, scope, as_of=as_of)[0]
        found = tuple(a for a in (self.index.article(x) for x in others) if a)
        return answer.model_copy(
            update={"question": question, "standalone": standalone, "sources": tuple(source_of(a) for a in found)}
        )

    def _byline(self, article: Article) -> tuple[Quote, ...]:
        """The first sentence of the article that names its author, as a quote ("writes Vasif Huseynov ...")."""
        surnames = [a.split()[-1] for a in article.authors if a.split()]
        for row, chunk in self.index.chunks_of(article.id):
            for s, e in chunk.sentences:
                if any(name in article.text[s:e] for name in surnames):
                    hit = Hit(row=row, chunk=chunk, score=0.0)
                    return (self.builder.quote(article, hit, s, e, 1.0),)
        return ()

    def article(self, article_id: str) -> Article | None:
        """One article of the index by id."""
        return self.index.article(article_id)


def _family(genre: str) -> str:
    """The genre group a genre is shown under (reporting, opinion, analysis, unlabelled)."""
    return next((heading for heading, genres in GROUPS if genre in genres), genre)


def _query(plan: Understood, conversation: Conversation) -> str | None:
    """What retrieval searched for in this turn (None for answers from metadata)."""
    if plan.intent == "search":
        return plan.standalone
    if plan.intent in ("within", "author", "viewpoints"):
        return plan.topic
    last = conversation.last_search
    return last.query if plan.intent == "filter" and last else None


def _merge(own: Filters, given: Filters | None) -> Filters | None:
    """The conversation's filters with the caller's on top (the caller's non-empty fields win)."""
    if given is None:
        return own if own.active else None
    update = {name: value for name, value in given.model_dump().items() if value not in (None, ())}
    merged = own.model_copy(update=update)
    return merged if merged.active else None


def _boost(ranked: list[Hit], prefer: tuple[str, ...]) -> list[Hit]:
    """Hits of the preferred articles lifted by FOLLOW_UP_BOOST of the best score, order otherwise kept."""
    if not prefer or not ranked:
        return ranked
    bonus = FOLLOW_UP_BOOST * abs(ranked[0].score)
    lifted = [h.model_copy(update={"score": h.score + bonus}) if h.chunk.article_id in prefer else h for h in ranked]
    return sorted(lifted, key=lambda h: -h.score)


def _notice(
    question: str, standalone: str, text: str | None = None, abstained: bool = False, sources: tuple[Article, ...] = ()
) -> Answer:
    """An answer with no quotes: a fixed message (a filter change, a question with nothing to refer to)."""
    return Answer(
        question=question,
        quotes=(),
        abstained=abstained,
        summary=text or f"{standalone}. Ask your question.",
        standalone=standalone,
        articles=tuple(a.id for a in sources),
        sources=tuple(source_of(a) for a in sources),
    )
