"""Article signals -> genre label with the evidence that decided it. Pure functions, no I/O beyond the model."""

from __future__ import annotations

import re
from typing import cast
from urllib.parse import urlparse

import numpy as np

from ..config import Settings
from ..models import Genre, GenreDecision, GenreSignals
from .genre_model import TextReader, reader_for
from .textclf import FEATURES, TextClassifier, style_features

# Label words as sites, feeds and schema.org spell them, mapped to our genres.
_LABELS: dict[str, str] = {
    "opinion": "opinion",
    "opinions": "opinion",
    "op-ed": "opinion",
    "oped": "opinion",
    "op ed": "opinion",
    "op-eds": "opinion",
    "comment": "opinion",
    "commentisfree": "opinion",
    "column": "opinion",
    "columns": "opinion",
    "columnists": "opinion",
    "columnist": "opinion",
    "letters": "opinion",
    "letters to the editor": "opinion",
    "guest essay": "opinion",
    "blog": "opinion",
    "perspective": "opinion",
    "opinionnewsarticle": "opinion",
    "satiricalarticle": "opinion",
    "editorial": "editorial",
    "editorials": "editorial",
    "our view": "editorial",
    "leader": "editorial",
    "leaders": "editorial",
    "commentary": "commentary",
    "commentaries": "commentary",
    "analysis": "analysis",
    "news analysis": "analysis",
    "analysisnewsarticle": "analysis",
    "backgroundnewsarticle": "analysis",
    "explainer": "analysis",
    "news": "news",
    "breaking news": "news",
    "reportage": "news",
    "report": "news",
    "reportagenewsarticle": "news",
    "asknewsarticle": "news",
    "interview": "interview",
    "interviews": "interview",
    "q&a": "interview",
    "review": "review",
    "reviews": "review",
    "reviewnewsarticle": "review",
}
# Desks that publish reporting; a weak news cue, trusted below every explicit genre cue.
_NEWS_DESKS = frozenset(
    [
        "politics",
        "us",
        "world",
        "money",
        "business",
        "tech",
        "technology",
        "health",
        "science",
        "sports",
        "sport",
        "entertainment",
        "travel",
        "weather",
        "economy",
        "investing",
        "europe",
        "asia",
        "africa",
        "americas",
        "uk",
        "china",
        "middleeast",
        "australia",
        "media",
        "energy",
        "local",
        "nation",
        "national",
        "metro",
        "markets",
        "life",
        "lifestyle",
        "education",
        "culture",
        "climate",
        "environment",
    ]
)
_TITLE_PREFIX = re.compile(
    r"^\s*(opinion|op-ed|editorial|analysis|news analysis|commentary|column|interview|review|letters?)\s*[:|]", re.I
)
# Byline and disclaimer phrases, each with the genre it signals.
_PHRASES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rx, re.I), genre)
    for rx, genre in (
        (r"\bin this op-?ed\b|\bthis op-?ed was\b", "opinion"),
        (r"\bopinion contributor\b|\bopinion columnist\b|\bread more opinion\b", "opinion"),
        (r"\b(?:views|opinions) expressed (?:in|here|are)\b", "opinion"),
        (r"\bis a (?:contributing |regular |guest )?columnist\b", "opinion"),
        (r"\bthe editorial board\b|\bthis editorial\b", "editorial"),
        (r"\bin this commentary\b|\bthis commentary was\b", "commentary"),
        (r"\bin this analysis\b|\bthis analysis was\b", "analysis"),
    )
)
# Only a page's first and last lines hold bylines and disclaimers; the body may mention "an op-ed" in passing.
_EDGE_CHARS = 700
# Below this many words the style of a text says too little to call it either way.
_MIN_WORDS = 40


def label_genre(value: str) -> str | None:
    """The genre a label word names ("Monday Commentary" -> commentary), or None."""
    key = re.sub(r"\s+", " ", value.strip().lower().replace("_", " "))
    if key in _LABELS:
        return _LABELS[key]
    words = key.split()
    if words and words[-1] in _LABELS and len(words) <= 3:
        return _LABELS[words[-1]]
    return None


def _metadata_cues(signals: GenreSignals) -> list[tuple[str, str]]:
    out = []
    for where, value in signals.metadata:
        genre = label_genre(value)
        if genre:
            out.append((genre, f"{where} is '{value}'"))
    return out


def _url_cues(url: str | None) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(genre cues, weak news-desk cues) from the URL path's segments."""
    if not url:
        return [], []
    segments = [s.lower() for s in urlparse(url).path.split("/") if s]
    strong = [(g, f"URL section '/{s}/'") for s in segments[:-1] or segments if (g := label_genre(s))]
    desks = [("news", f"URL section '/{s}/' is a news desk") for s in segments[:-1] if s in _NEWS_DESKS]
    return strong[:1], desks[:1]


def _phrase_cues(signals: GenreSignals) -> list[tuple[str, str]]:
    text = signals.text
    places = [*signals.byline, text[:_EDGE_CHARS], text[-_EDGE_CHARS:]]
    out: list[tuple[str, str]] = []
    for pattern, genre in _PHRASES:
        for place in places:
            if m := pattern.search(place):
                out.append((genre, f"byline or disclaimer says '{m.group(0)}'"))
                break
    return out


def _section_desk_cues(signals: GenreSignals) -> list[tuple[str, str]]:
    return [("news", f"{where} '{v}' is a news desk") for where, v in signals.metadata if v.lower() in _NEWS_DESKS]


def _style_decision(signals: GenreSignals, model: TextClassifier, threshold: float) -> GenreDecision:
    """The earlier two-class style classifier (qa/data/genre_model.json), kept as the baseline."""
    feats = style_features(signals.text)
    p = model.probability_of(feats)
    genre: Genre = "opinion" if p >= threshold else "news"
    sign = 1.0 if genre == "opinion" else -1.0
    pushes = [(model.coef[i] * (feats[i] - model.mean[i]) / model.scale[i], i) for i in range(len(FEATURES))]
    top = sorted(pushes, key=lambda push: -sign * push[0])[:3]
    why = ", ".join(
        f"{'more' if feats[i] > model.mean[i] else 'less'} {FEATURES[i].replace('_', ' ')} than usual" for _, i in top
    )
    return GenreDecision(
        genre=genre, evidence=(f"no genre cue; the text's style scores {p:.2f} for opinion (mostly: {why})",)
    )


def _text_decision(
    signals: GenreSignals, reader: TextReader, threshold: float, vector: np.ndarray | None = None
) -> GenreDecision:
    """The trained text model (genre_model.py): opinion when P(opinion) reaches `threshold`, else the likelier of
    reporting and neither."""
    reading = reader.read(signals.text, threshold, vector)
    return GenreDecision(genre=cast(Genre, reading.genre), evidence=(reading.evidence(),))


# The evidence of an article left pending by a build until its chunks are embedded (qa/ingest/corpus.finish); no
# article is written to an index with it.
PENDING_EVIDENCE = "no genre cue; to be read from the text once its chunks are embedded"


def _cues(signals: GenreSignals) -> list[tuple[str, str]]:
    """(genre, evidence) of every cue present, most trusted first."""
    url_strong, url_desk = _url_cues(signals.url)
    site = (
        [(g, f"site label '{signals.site_label}'")]
        if signals.site_label and (g := label_genre(signals.site_label))
        else []
    )
    title = (
        [(g, f"title starts with '{m.group(0).strip()}'")]
        if (m := _TITLE_PREFIX.match(signals.title)) and (g := label_genre(m.group(1)))
        else []
    )
    # Order of trust: explicit metadata, the site's label, URL section, title prefix, byline phrases, news desks.
    tiers = [
        _metadata_cues(signals),
        site,
        url_strong,
        title,
        _phrase_cues(signals),
        _section_desk_cues(signals) + url_desk,
    ]
    return [cue for tier in tiers for cue in tier]


def needs_text_vector(signals: GenreSignals, reader: TextReader, threshold: float = 0.5) -> bool:
    """True when classify would label these signals with the reader's embedding model: no cue, enough text, and
    a style the fast model is not sure of. A build labels such an article once its chunks are embedded."""
    return (
        reader.chunk_view > 0
        and len(signals.text.split()) >= _MIN_WORDS
        and not _cues(signals)
        and reader.needs_vector(signals.text, threshold)
    )


def classify(
    signals: GenreSignals,
    threshold: float = 0.5,
    model: TextClassifier | None = None,
    reader: TextReader | None = None,
    vector: np.ndarray | None = None,
) -> GenreDecision:
    """Decide the genre from the most trusted cue present; without one, from the text: the trained text model
    (`reader`, the shipped one by default; `vector`, the embedding it reads when already made), or the style
    classifier when `model` is given."""
    cues = _cues(signals)
    if not cues:
        if len(signals.text.split()) < _MIN_WORDS:
            return GenreDecision(genre="unknown", evidence=("no genre cue, and too little text to judge its style",))
        if model is not None:
            return _style_decision(signals, model, threshold)
        return _text_decision(signals, reader or reader_for(Settings()), threshold, vector)
    genre = cast(Genre, cues[0][0])
    agree = [text for g, text in cues if g == genre]
    other = [f"{text} (suggests {g}; outweighed)" for g, text in cues if g != genre]
    return GenreDecision(genre=genre, evidence=tuple(dict.fromkeys(agree + other)))
