"""Answers to questions about sources ("Who wrote that?"), from article metadata and fixed templates only."""

from __future__ import annotations

from .answer import GENRE_NAMES, SOURCE_NAMES, label
from .chat import STANDALONE, Field, asked_genre
from .models import OPINION_FAMILY, Article, Source


def source_of(article: Article) -> Source:
    """The metadata of an article as a Source record."""
    return Source(
        article_id=article.id,
        title=article.title,
        author=", ".join(article.authors) or None,
        author_role=article.author_role,
        outlet=article.outlet,
        published=article.published,
        url=article.url,
        genre=article.genre,
        genre_evidence=article.genre_evidence,
        label=label(article),
    )


def standalone_for(field: Field, article: Article) -> str:
    """The source question as it would read on its own: "Who wrote “Title”?"."""
    return STANDALONE[field].format(title=article.title, genre=GENRE_NAMES[article.genre].lower())


def _evidence(article: Article) -> str:
    return "; ".join(article.genre_evidence) if article.genre_evidence else "no cue in the page; the default label"


def source_summary(field: Field, article: Article, question: str) -> str:
    """The one-paragraph answer about `article`'s `field`, every value taken from its metadata."""
    title = f"“{article.title}”"
    kind = SOURCE_NAMES[article.genre][0]
    if field == "author":
        if not article.authors:
            where = f" from {article.outlet}" if article.outlet else ""
            return f"{title} names no author: it is {kind}{where}."
        role = f" ({article.author_role})" if article.author_role else ""
        return f"{title} was written by {', '.join(article.authors)}{role}. It is {kind}: {label(article)}."
    if field == "date":
        if article.published is None:
            return f"{title} gives no publication date in this corpus."
        return f"{title} was published on {article.published:%d %B %Y}" + (
            f" by {article.outlet}." if article.outlet else "."
        )
    if field == "outlet":
        if not article.outlet:
            return f"{title} names no outlet in this corpus."
        return f"{title} was published by {article.outlet}. It is {kind}."
    if field == "link":
        return f"{title}: {article.url}" if article.url else f"{title} has no web address in this corpus."
    name = GENRE_NAMES[article.genre]
    if field == "why":
        return f"{title} is labelled {name} because: {_evidence(article)}."
    wanted = asked_genre(question)
    in_family = wanted == "opinion" and article.genre in OPINION_FAMILY
    if wanted is None:
        verdict = f"{title} is {kind}"
    elif wanted == article.genre or in_family:
        verdict = f"Yes: {title} is {kind}"
    else:
        verdict = f"No: {title} is {kind}, not {SOURCE_NAMES.get(wanted, (wanted,))[0]}"
    return f"{verdict} (labelled {name}). Evidence: {_evidence(article)}."
