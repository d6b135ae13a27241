"""Assistant: the one facade that the CLI, the web app and the evaluation use."""

from __future__ import annotations

import re
from pathlib import Path

from .answer import AnswerBuilder
from .config import Settings
from .embed import DEFAULT_MODEL, Embedder, load_embedder, model_name
from .errors import EmptyQuestion, QAError
from .index import Index
from .models import Answer, Article, Filters
from .retrieve import Mode, Retriever, diversify

# Longer questions are cut here: no real question needs more, and embedding cost grows with length.
MAX_QUESTION_CHARS = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean_question(question: str) -> str:
    """The question without control characters, spaces collapsed, cut to MAX_QUESTION_CHARS."""
    text = re.sub(r"\s+", " ", _CONTROL.sub(" ", question)).strip()[:MAX_QUESTION_CHARS]
    if not re.search(r"\w", text):
        raise EmptyQuestion("the question is empty: ask about something in the articles")
    return text


class Assistant:
    """Answers questions from one index with exact quotes; safe to share between threads."""

    def __init__(self, index: Index, embedder: Embedder, settings: Settings | None = None) -> None:
        if embedder.name != index.manifest.model:
            raise QAError(f"embedder {embedder.name!r} does not match the index's model {index.manifest.model!r}")
        self.index = index
        self.settings = settings or Settings()
        self.retriever = Retriever(index, embedder, self.settings)
        self.builder = AnswerBuilder(embedder, self.settings)

    @classmethod
    def load(cls, index_dir: Path | str | None = None, settings: Settings | None = None) -> Assistant:
        """Open the index and the model it was built with."""
        settings = settings or Settings()
        index = Index.load(index_dir or settings.index_dir)
        name = index.manifest.model
        model = DEFAULT_MODEL if name == model_name(DEFAULT_MODEL) else name
        return cls(index, load_embedder(model, settings.embed_batch_size), settings)

    def ask(
        self, question: str, k: int | None = None, retriever: Mode = "hybrid", filters: Filters | None = None
    ) -> Answer:
        """Answer one question, searching only articles that pass `filters`."""
        return self.ask_many([question], k, retriever, filters)[0]

    def ask_many(
        self, questions: list[str], k: int | None = None, retriever: Mode = "hybrid", filters: Filters | None = None
    ) -> list[Answer]:
        """Answer several questions; retrieval is batched."""
        cleaned = [clean_question(q) for q in questions]
        k = k or self.settings.k
        if k <= 0:
            raise ValueError(f"k must be > 0, got {k}")
        answers = []
        for question, ranked in zip(cleaned, self.retriever.rank(cleaned, retriever, k, filters), strict=True):
            shown = diversify(ranked, k, self.settings.per_article)
            # Quotes may come from any of the best chunks, even several of one article; the article list is diverse.
            pool = list({h.row: h for h in ranked[: self.settings.answer_depth] + shown}.values())
            articles = {a: art for a in {h.chunk.article_id for h in pool} if (art := self.index.article(a))}
            answers.append(self.builder.build(question, pool, articles, [h.chunk.article_id for h in shown]))
        return answers

    def article(self, article_id: str) -> Article | None:
        """One article of the index by id."""
        return self.index.article(article_id)
