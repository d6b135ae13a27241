"""The Source record of an article: the metadata a question about sources ("Who wrote that?") is answered from."""

from __future__ import annotations

from ..models import Article, Source
from .templates import label


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
