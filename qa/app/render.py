"""Answers as HTML quote cards for the web chat: every corpus and user string is escaped to inert text."""

from __future__ import annotations

import datetime as dt
import html

from ..answers.highlight import segments
from ..answers.templates import (
    ABSTAIN_OPENING,
    GENRE_NAMES,
    NEARBY_HEADING,
    NO_CUE,
    NOT_IN_ARTICLES,
    CorroborationLine,
    corroboration_lines,
    group_quotes,
    unmatched_line,
)
from ..models import OPINION_FAMILY, Answer, Quote, Source

# Characters that Markdown or HTML would read as markup; written as entities they are inert text.
_INERT = {ch: f"&#{ord(ch)};" for ch in "&<>\"'[]()*_`#~|\\$!{}=:"}

CSS = """
.qa-card {border: 1px solid #d0d4dc; border-radius: 8px; padding: 10px 12px; margin: 8px 0; background: #fff;}
.qa-quote {font-size: 1.02em; line-height: 1.45; margin: 6px 0;}
.qa-quote mark {background: #fff1a8; padding: 0 1px;}
.qa-meta {font-size: 0.86em; color: #4a5060;}
.qa-badge {display: inline-block; font-weight: 700; font-size: 0.8em; letter-spacing: 0.03em;
           text-transform: uppercase; border-radius: 4px; padding: 2px 8px; margin-right: 6px; color: #fff;}
.qa-badge-opinion {background: #c2410c;}
.qa-badge-news {background: #1d4ed8;}
.qa-badge-analysis {background: #7e22ce;}
.qa-badge-other {background: #52525b;}
.qa-heading {font-weight: 700; margin-top: 10px;}
.qa-understood {font-size: 0.8em; color: #6b7280; font-style: italic;}
.qa-speaker {font-size: 0.86em; color: #111827;}
.qa-error {color: #991b1b; font-weight: 600;}
.qa-corroboration {font-size: 0.86em; color: #374151; margin-top: 4px;}
.qa-corroboration a {color: #1d4ed8;}
"""


def inert(text: str) -> str:
    """`text` as HTML that shows exactly these characters: no tag, link, emphasis or formula can come of it."""
    return "".join(_INERT.get(ch, ch) for ch in text).replace("\n", "<br>")


def badge_class(genre: str) -> str:
    """The colour family of a genre: opinion family, news, analysis, or other."""
    if genre in OPINION_FAMILY:
        return "qa-badge-opinion"
    if genre in ("news", "interview"):
        return "qa-badge-news"
    return "qa-badge-analysis" if genre in ("analysis", "review") else "qa-badge-other"


def _badge(genre: str, evidence: tuple[str, ...]) -> str:
    why = "; ".join(evidence) or NO_CUE
    return (
        f'<span class="qa-badge {badge_class(genre)}" title="{inert("Why this label: " + why)}">'
        f"{inert(GENRE_NAMES[genre])}</span>"
    )


def _safe_url(url: str | None) -> str | None:
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _title_link(title: str, url: str | None) -> str:
    safe = _safe_url(url)
    shown = f"<strong>{inert(title)}</strong>"
    return (
        f'<a href="{html.escape(safe, quote=True)}" target="_blank" rel="noopener noreferrer">{shown}</a>'
        if safe
        else shown
    )


def _meta(author: str | None, outlet: str | None, published: dt.date | None) -> str:
    parts = [x for x in (author, outlet, published.isoformat() if published else None) if x]
    return inert(" · ".join(parts)) if parts else "source not named"


def render_quote(quote: Quote, question: str) -> str:
    """One quote card: highlighted sentence, badge with evidence, linked title, author, outlet, date, speaker."""
    text = "".join(f"<mark>{inert(p)}</mark>" if on else inert(p) for p, on in segments(quote.text, question))
    cited = quote.speaker is not None and quote.label.endswith(f"according to {quote.speaker}")
    speaker = (
        f'<div class="qa-speaker">{"According to" if cited else "Words of"} {inert(quote.speaker)}</div>'
        if quote.speaker
        else ""
    )
    evidence = "; ".join(quote.genre_evidence) or NO_CUE
    return (
        '<div class="qa-card">'
        f'<div>{_badge(quote.genre, quote.genre_evidence)}<span class="qa-meta">{inert(quote.label)}</span></div>'
        f'<div class="qa-quote">“{text}”</div>{speaker}'
        f'<div class="qa-meta">{_title_link(quote.title, quote.url)} — '
        f"{_meta(quote.author, quote.outlet, quote.published)}</div>"
        f"{''.join(_corroboration(line) for line in corroboration_lines(quote))}"
        f'<details class="qa-meta"><summary>Why labelled {inert(GENRE_NAMES[quote.genre])}</summary>'
        f"{inert(evidence)}</details>"
        "</div>"
    )


def _corroboration(line: CorroborationLine) -> str:
    """One corroboration line; each named source links to its sentence."""
    items = []
    for text, url in line.items:
        safe = _safe_url(url)
        items.append(
            f'<a href="{html.escape(safe, quote=True)}" target="_blank" rel="noopener noreferrer">{inert(text)}</a>'
            if safe
            else inert(text)
        )
    return f'<div class="qa-corroboration">{inert(line.prefix)}{", ".join(items)}</div>'


def render_source(source: Source) -> str:
    """A card for an article a question about sources was answered from."""
    return (
        '<div class="qa-card">'
        f"<div>{_badge(source.genre, source.genre_evidence)}"
        f'<span class="qa-meta">{inert(source.label)}</span></div>'
        f'<div class="qa-meta">{_title_link(source.title, source.url)} — '
        f"{_meta(source.author, source.outlet, source.published)}</div>"
        "</div>"
    )


def render_answer(answer: Answer) -> str:
    """The whole answer as HTML: how the question was understood, the summary, quotes grouped by kind."""
    parts = []
    if answer.standalone and answer.standalone != answer.question:
        parts.append(f'<div class="qa-understood">Understood as: {inert(answer.standalone)}</div>')
    if answer.abstained and not answer.sources:
        parts.append(f"<div><strong>{inert(NOT_IN_ARTICLES)}</strong></div>")
        if answer.summary not in (NOT_IN_ARTICLES,) and not answer.summary.startswith(ABSTAIN_OPENING):
            parts.append(f"<div>{inert(answer.summary)}</div>")
        if line := unmatched_line(answer):
            parts.append(f"<div>{inert(line)}</div>")
        if answer.nearby:
            cards = "".join(render_quote(q, answer.standalone or answer.question) for q in answer.nearby)
            parts.append(f"<details><summary>{NEARBY_HEADING}</summary>{cards}</details>")
        return "".join(parts)
    parts.append(f"<div>{inert(answer.summary)}</div>")
    parts += [render_source(s) for s in answer.sources]
    groups = group_quotes(answer.quotes)
    for heading, quotes in groups:
        if len(groups) > 1:
            parts.append(f'<div class="qa-heading">{inert(heading)}</div>')
        parts += [render_quote(q, answer.standalone or answer.question) for q in quotes]
    return "".join(parts)


def render_error(message: str) -> str:
    """A readable error inside the chat."""
    return f'<div class="qa-error">{inert(message)}</div>'
