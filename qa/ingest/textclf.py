"""A small opinion-vs-news text classifier that ships with the package as JSON (no download, no pickle).

It looks at style, not topic: how often the text reports speech ("said", "according to"), uses the first
person, modal verbs, evaluative words, quotations, numbers and weekdays. Style carries over between
outlets far better than word n-grams, which learn one outlet's topics and boilerplate.
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from importlib import resources

from ..errors import GenreModelError

_WORD = re.compile(r"[A-Za-z']+")
_SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
# Rates per 100 words of these word classes are the main features.
PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(rx, re.I)
    for name, rx in {
        "first_singular": r"\b(i|me|my|mine|myself|i'm|i've|i'd)\b",
        "first_plural": r"\b(we|us|our|ours|ourselves|we're|we've|let's)\b",
        "second_person": r"\b(you|your|yours)\b",
        "modal": r"\b(should|must|ought|shouldn't|mustn't|needs? to|have to|has to)\b",
        "reporting": r"\b(said|says|told|according to|stated|added|announced|reported|spokes(?:man|woman|person))\b",
        "weekday": r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
        "evaluative": r"\b(clearly|obviously|simply|surely|indeed|perhaps|merely|truly|absurd|shameful|outrageous"
        r"|disgrace\w*|ridiculous|wrong|right|better|worse|best|worst)\b",
        "negation": r"\b(not|no|never|nothing|n't)\b",
        "contrast": r"\b(but|yet|however|instead|rather)\b",
        "stance_verb": r"\b(think|believe|argue|hope|feel|wish|fear)\b",
        "past_aux": r"\b(was|were|had|did)\b",
        "present_aux": r"\b(is|are|has|does|do|can|will)\b",
        "honorific": r"\b(mr|mrs|ms|dr|sen|rep|gov)\.",
        "sources": r"\b(officials?|police|authorities|statement|reporters?|interview)\b",
        "news_time": r"\b(yesterday|today|last week|this week|last month)\b",
        "exhortation": r"\b(it is time|it's time|let us|we need|we must|we should|i think|i believe|in my view)\b",
        "demonstrative": r"\b(this|these)\b",
    }.items()
}
FEATURES: tuple[str, ...] = (*PATTERNS, "questions", "quotations", "digits", "sentence_length", "log_words")


def style_features(text: str) -> list[float]:
    """The feature vector of a text, in the order of FEATURES. The rates of the 1,024 texts read last are kept: a
    build asks for an article's when it reads it, and both models of the cascade read them again."""
    return list(_style_features(text))


def clear_style_cache() -> None:
    """Forget the style rates style_features keeps (for a benchmark that times computing them)."""
    _style_features.cache_clear()


@lru_cache(maxsize=1024)
def _style_features(text: str) -> tuple[float, ...]:
    text = text.replace("’", "'")
    words = max(1, len(_WORD.findall(text)))
    sentences = max(1, len(_SENTENCE_END.findall(text)))
    rates = [len(p.findall(text)) / words * 100 for p in PATTERNS.values()]
    quotes = text.count('"') + text.count("“")
    digits = sum(ch.isdigit() for ch in text)
    return (
        *rates,
        text.count("?") / sentences,
        quotes / sentences,
        digits / words * 10,
        words / sentences / 10,
        math.log(words),
    )


class TextClassifier:
    """Standardised style features into a logistic regression; `probabilities(texts)` gives P(opinion)."""

    def __init__(self, meta: dict[str, list[float] | float | str]) -> None:
        try:
            self.mean = [float(x) for x in meta["mean"]]  # type: ignore[union-attr]
            self.scale = [float(x) for x in meta["scale"]]  # type: ignore[union-attr]
            self.coef = [float(x) for x in meta["coef"]]  # type: ignore[union-attr]
            self.bias = float(meta["bias"])  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise GenreModelError(f"genre model is missing or has a bad field: {exc}") from exc
        if not len(self.mean) == len(self.scale) == len(self.coef) == len(FEATURES):
            raise GenreModelError(f"genre model has {len(self.coef)} weights, expected {len(FEATURES)}")

    def probabilities(self, texts: list[str]) -> list[float]:
        """P(opinion) for each text."""
        return [self.probability_of(style_features(t)) for t in texts]

    def probability(self, text: str) -> float:
        """P(opinion) for one text."""
        return self.probabilities([text])[0]

    def probability_of(self, feats: list[float]) -> float:
        """P(opinion) for an already computed feature vector."""
        z = self.bias + sum(c * (f - m) / s for c, f, m, s in zip(self.coef, feats, self.mean, self.scale, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@lru_cache(maxsize=1)
def load_classifier() -> TextClassifier:
    """Load the classifier shipped as qa/data/genre_model.json."""
    try:
        meta = json.loads((resources.files("qa") / "data" / "genre_model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise GenreModelError(f"cannot load the shipped genre model qa/data/genre_model.json: {exc}") from exc
    return TextClassifier(meta)
