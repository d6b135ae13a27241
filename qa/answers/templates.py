"""Every fixed text a reader sees in an answer, the same in the CLI and the web: labels, headings, summaries,
notices and the answers about sources, filled in from article metadata and nothing else."""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import quote as urlquote

from ..models import OPINION_FAMILY, Answer, Article, Field, Quote, Support

# The abstention; the web chat puts NOT_IN_ARTICLES above it and does not repeat a summary that opens like it.
ABSTAIN_OPENING = "The articles in this corpus"
ABSTAIN = f"{ABSTAIN_OPENING} don't answer that."
NOT_IN_ARTICLES = "Not in these articles: the articles in this corpus don't answer that."
# The heading of the passages an abstention shows (they are not an answer).
NEARBY_HEADING = "Nearest passages (not an answer)"
# A question about "that" source before any answer gave one.
NO_FOCUS = "Ask a question about the articles first; then I can tell you about the source of the answer."
# Why a label was given, when the page held no cue for it.
NO_CUE = "no cue found; default label"
GENRE_NAMES = {
    "news": "News report",
    "opinion": "Opinion",
    "editorial": "Editorial",
    "commentary": "Commentary",
    "analysis": "Analysis",
    "interview": "Interview",
    "review": "Review",
    "unknown": "Unlabelled article",
}
SOURCE_NAMES = {
    "news": ("a news report", "news reports"),
    "opinion": ("an opinion piece", "opinion pieces"),
    "editorial": ("an editorial", "editorials"),
    "commentary": ("a commentary", "commentaries"),
    "analysis": ("an analysis", "analyses"),
    "interview": ("an interview", "interviews"),
    "review": ("a review", "reviews"),
    "unknown": ("an unlabelled article", "unlabelled articles"),
}
# Reporting comes first, then views and analysis, each under its own heading: an opinion never reads as fact.
GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Reporting", frozenset({"news", "interview"})),
    ("Opinion", OPINION_FAMILY),
    ("Analysis", frozenset({"analysis", "review"})),
    ("Unlabelled", frozenset({"unknown"})),
)
# A source question as it reads on its own, shown as what the question was understood as.
STANDALONE = {
    "author": "Who wrote “{title}”?",
    "date": "When was “{title}” published?",
    "outlet": "Which outlet published “{title}”?",
    "genre": "What kind of article is “{title}”?",
    "why": "Why is “{title}” labelled {genre}?",
    "link": "Where can I read “{title}”?",
}
_WORDS = re.compile(r"\S+")


def label(article: Article, speaker: str | None = None, cited: bool = False) -> str:
    """The one-line attribution a reader sees, e.g. 'News report — commonspace.eu; Mark Rutte speaking'.

    `cited` marks a source the sentence only cites ("according to X") rather than someone speaking.
    """
    who = (
        ", ".join(
            x
            for x in (", ".join(article.authors) if article.genre in OPINION_FAMILY else "", article.outlet or "")
            if x
        )
        or "unknown source"
    )
    line = f"{GENRE_NAMES[article.genre]} — {who}"
    if not speaker:
        return line
    return f"{line}; according to {speaker}" if cited else f"{line}; {speaker} speaking"


def fragment_url(url: str | None, text: str) -> str | None:
    """The URL with a #:~:text= fragment that highlights `text` in a browser."""
    if not url:
        return None
    words = _WORDS.findall(text)

    def enc(ws: list[str]) -> str:
        return urlquote(" ".join(ws), safe="").replace("-", "%2D")

    frag = enc(words) if len(words) <= 10 else f"{enc(words[:5])},{enc(words[-5:])}"
    return f"{url.split('#', 1)[0]}#:~:text={frag}"


def unmatched_line(answer: Answer) -> str | None:
    """'No passage searched mentions: Khazar University.' for an answer with unmatched names or numbers, or
    "The articles of the best passages don't mention: Ukraine." for names only other articles mention."""
    if answer.unmatched:
        return f"No passage searched mentions: {', '.join(answer.unmatched)}."
    if answer.absent_from_best:
        return f"The articles of the best passages don't mention: {', '.join(answer.absent_from_best)}."
    return None


# Under a quote card: who else states it, where figures differ, and a claim no report supports.
ALSO_REPORTED = "Also reported by: "
SOURCES_DIFFER = "Sources differ: "
OPINION_ONLY = "Only in opinion pieces in this archive"
_REPORTING = frozenset({"news", "interview"})


class CorroborationLine(NamedTuple):
    """One line under a quote: fixed `prefix`, then `items` (text, link to the sentence or None) joined by ", "."""

    prefix: str
    items: tuple[tuple[str, str | None], ...] = ()


def _source_name(support: Support) -> str:
    genre = "unlabelled" if support.genre == "unknown" else support.genre
    return f"{support.outlet or '“' + support.title + '”'} ({genre})"


def corroboration_lines(quote: Quote) -> list[CorroborationLine]:
    """The lines under a quote card, from fixed templates: "Also reported by: Metropolis Gazette (news), ...",
    "Sources differ: 1,200 here, about 2,500 in Metropolis Gazette (news)", "Only in opinion pieces in this archive"."""
    c = quote.corroboration
    if c is None:
        return []
    own = (quote.outlet or "").casefold()
    agree = [s for s in c.supports if s.relation == "agrees" and (not own or (s.outlet or "").casefold() != own)]
    differ = [s for s in c.supports if s.relation == "differs" and s.figures]
    lines = []
    if agree:
        lines.append(CorroborationLine(ALSO_REPORTED, tuple((_source_name(s), s.url) for s in agree)))
    if differ:
        here = differ[0].figures[0] if differ[0].figures else ""
        items = tuple((f"{s.figures[1]} in {_source_name(s)}", s.url) for s in differ if s.figures)
        lines.append(CorroborationLine(f"{SOURCES_DIFFER}{here} here, ", items))
    if quote.genre in OPINION_FAMILY and not any(s.genre in _REPORTING for s in c.supports if s.relation == "agrees"):
        lines.append(CorroborationLine(OPINION_ONLY))
    return lines


def line_text(line: CorroborationLine) -> str:
    """A corroboration line as plain text."""
    return line.prefix + ", ".join(text for text, _ in line.items)


def _counts(quotes: tuple[Quote, ...]) -> str:
    counts: dict[str, int] = {}
    for q in quotes:
        counts[q.genre] = counts.get(q.genre, 0) + 1
    return ", ".join(f"{n} from {SOURCE_NAMES[g][0 if n == 1 else 1]}" for g, n in counts.items())


def summarise(quotes: tuple[Quote, ...]) -> str:
    """'3 quotes: 2 from news reports, 1 from an opinion piece', from fixed templates."""
    return f"{len(quotes)} quote{'s' if len(quotes) != 1 else ''}: {_counts(quotes)}"


def viewpoints_summary(quotes: tuple[Quote, ...]) -> str:
    """'The best quote of each of 4 sources, reporting first: 2 from news reports, ...'."""
    n = len(quotes)
    return f"The best quote of each of {n} source{'s' if n != 1 else ''}, reporting first: {_counts(quotes)}"


def supports_summary(quote: Quote) -> str:
    """What "who else reports this?" found for `quote`: how many agree and differ, or that none does."""
    c = quote.corroboration
    agree = [s for s in c.supports if s.relation == "agrees"] if c else []
    differ = [s for s in c.supports if s.relation == "differs"] if c else []
    if not agree and not differ:
        return "No other article in this archive states this."
    parts = []
    if agree:
        parts.append(
            f"{len(agree)} other article{'s' if len(agree) != 1 else ''} state{'s' if len(agree) == 1 else ''} the same"
        )
    if differ:
        parts.append(f"{len(differ)} give{'s' if len(differ) == 1 else ''} another figure")
    single = " (all from the same outlet)" if c and c.single_source and agree else ""
    return "; ".join(parts) + single + "."


def group_quotes(quotes: tuple[Quote, ...]) -> list[tuple[str, list[Quote]]]:
    """Quotes under fixed headings, reporting first; the ranking is kept inside each group."""
    return [(heading, qs) for heading, genres in GROUPS if (qs := [q for q in quotes if q.genre in genres])]


# --- answers about sources, every value taken from the article's metadata -------------------------------------------


def standalone_for(field: Field, article: Article) -> str:
    """The source question as it would read on its own: "Who wrote “Title”?"."""
    return STANDALONE[field].format(title=article.title, genre=GENRE_NAMES[article.genre].lower())


def _evidence(article: Article) -> str:
    return "; ".join(article.genre_evidence) if article.genre_evidence else "no cue in the page; the default label"


def source_summary(field: Field, article: Article, wanted: str | None) -> str:
    """The one-paragraph answer about `article`'s `field`, every value taken from its metadata; `wanted` is the
    genre a yes/no question about the genre names ("Is that an opinion piece?" -> "opinion"), if any."""
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
    in_family = wanted == "opinion" and article.genre in OPINION_FAMILY
    if wanted is None:
        verdict = f"{title} is {kind}"
    elif wanted == article.genre or in_family:
        verdict = f"Yes: {title} is {kind}"
    else:
        verdict = f"No: {title} is {kind}, not {SOURCE_NAMES.get(wanted, (wanted,))[0]}"
    return f"{verdict} (labelled {name}). Evidence: {_evidence(article)}."
