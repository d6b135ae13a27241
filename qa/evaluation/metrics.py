"""Scoring as small pure functions: answer normalisation, recall, abstention, fidelity, percentiles."""

from __future__ import annotations

import re
import statistics
import string
import unicodedata
from collections.abc import Sequence

from ..ingest.corpus import canonical_url
from ..models import OPINION_FAMILY, Article, Quote

_ARTICLES = re.compile(r"\b(a|an|the)\b")
# A possessive "'s" goes before punctuation is deleted, so "TikTok's ban" holds the answer "TikTok".
_POSSESSIVE = re.compile(r"(?<=\w)'s\b")
_SYMBOLS = str.maketrans({ch: "" for ch in string.punctuation if ch != "-"})
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "«": '"', "»": '"'})


def normalize_answer(text: str) -> str:
    """Lower case, curly quotes as straight, possessive 's, punctuation and a/an/the removed, spaces collapsed."""
    text = _POSSESSIVE.sub("", unicodedata.normalize("NFKC", text).translate(_QUOTES).lower())
    # Punctuation is deleted, not spaced, as in SQuAD's evaluation: "4,133" stays one token, "4133". Dashes and
    # hyphens part words instead, so that "17" is a whole word of "17-year-old".
    text = "".join(
        " " if unicodedata.category(ch) == "Pd" else "" if unicodedata.category(ch).startswith("P") else ch
        for ch in text.translate(_SYMBOLS)
    )
    return " ".join(_ARTICLES.sub(" ", text).split())


def answer_in_quotes(answers: Sequence[str], quotes: Sequence[str], k: int) -> bool:
    """Whether a normalised gold answer occurs inside one of the first k quotes (as whole words)."""
    texts = [f" {normalize_answer(q)} " for q in quotes[:k]]
    golds = [normalize_answer(a) for a in answers if normalize_answer(a)]
    return any(f" {g} " in t for g in golds for t in texts)


def first_gold_rank(doc_ids: Sequence[str], returned: Sequence[Article]) -> int | None:
    """1-based rank of the first returned article that is a gold one (by id or canonical URL)."""
    gold = {d for d in doc_ids} | {canonical_url(d) for d in doc_ids if "://" in d}
    for rank, art in enumerate(returned, start=1):
        if art.id in gold or (art.url and canonical_url(art.url) in gold):
            return rank
    return None


def prf(predicted: Sequence[bool], actual: Sequence[bool]) -> tuple[float | None, float | None, float | None]:
    """Precision, recall and F1 of the positive class; None where undefined."""
    tp = sum(p and a for p, a in zip(predicted, actual, strict=True))
    p = tp / sum(predicted) if any(predicted) else None
    r = tp / sum(actual) if any(actual) else None
    f = (
        2 * p * r / (p + r)
        if p is not None and r is not None and p + r > 0
        else (0.0 if p is not None and r is not None else None)
    )
    return p, r, f


def quote_fidelity(quotes: Sequence[Quote], articles: dict[str, Article]) -> float | None:
    """Share of quotes equal to their article's text at their offsets (must be 1.0)."""
    if not quotes:
        return None
    return sum(
        q.article_id in articles and articles[q.article_id].text[q.start : q.end] == q.text for q in quotes
    ) / len(quotes)


def genre_family(genre: str) -> str:
    """The opinion family counts as 'opinion'."""
    return "opinion" if genre in OPINION_FAMILY else genre


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the inclusive method; 0 for no values."""
    if len(values) < 2:
        return float(values[0]) if values else 0.0
    return float(statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1])


def mean(flags: Sequence[bool | float]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def rounded(x: float | None) -> float | None:
    """A figure to four places, as every report gives them; None stays None."""
    return None if x is None else round(x, 4)


def quote_precision(answered: Sequence[tuple[Sequence[str], Sequence[str]]]) -> float | None:
    """Over answered answerable questions, given as (gold answers, shown quote texts): the share of shown quotes
    that hold a gold answer."""
    flags = [answer_in_quotes(golds, [text], 1) for golds, texts in answered for text in texts]
    return mean(flags)
