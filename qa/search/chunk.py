"""Article -> Chunks of whole sentences with character offsets. Pure: no I/O, no ML."""

from __future__ import annotations

import re

from sentencex import get_sentence_boundaries

from ..config import Settings
from ..models import Article, Chunk

_PARAGRAPH = re.compile(r"\n\s*\n")
# A paragraph this short with no sentence end is a heading: it joins the paragraph after it.
_HEADING_CHARS = 120
# Titles that sentencex sometimes takes for a sentence end ("Ms. Jones"): a split after one is undone.
# A quotation mark after a sentence end and a space opens the next sentence's quotation.
_OPENING_QUOTE = re.compile(r"(?<=[.!?])\s+([\"“])$")
_CLOSING_QUOTE = re.compile(r"([\"”])\s+(?=\S)")
_TITLE_ABBREV = re.compile(r"\b(?:Mr|Mrs|Ms|Mx|Dr|Prof|Sen|Rep|Gov|Gen|Col|Lt|Sgt|Capt|Rev|St|Mt|No|vs)\.$")


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence of text[start:end], whitespace trimmed, as offsets into `text`."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    for b in get_sentence_boundaries("en", text[start:end]):
        s, e = start + b["start_index"], start + b["end_index"]
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        if e <= s:
            continue
        if spans and _TITLE_ABBREV.search(text[spans[-1][0] : spans[-1][1]]):
            spans[-1] = (spans[-1][0], e)
        else:
            spans.append((s, e))
        if len(spans) > 1 and (m := _OPENING_QUOTE.search(text, spans[-2][0], spans[-2][1])):
            # sentencex ends a sentence after an opening quote mark ('weapons. "Allied'): give the mark back
            spans[-2], spans[-1] = (spans[-2][0], m.start()), (m.start(1), spans[-1][1])
        elif len(spans) > 1 and (m := _CLOSING_QUOTE.match(text, spans[-1][0], spans[-1][1])):
            # ...and sometimes starts the next one with the closing mark ('endured." Earlier'): give it back too
            spans[-2], spans[-1] = (spans[-2][0], m.end(1)), (m.end(), spans[-1][1])
    return spans


def paragraphs(text: str) -> list[list[tuple[int, int]]]:
    """Sentence spans grouped by paragraph; a heading-like paragraph is joined to the one after it."""
    groups: list[list[tuple[int, int]]] = []
    pending: list[tuple[int, int]] = []
    pos = 0
    for m in [*_PARAGRAPH.finditer(text), None]:
        stop = m.start() if m else len(text)
        spans = sentence_spans(text, pos, stop)
        pos = m.end() if m else len(text)
        if not spans:
            continue
        para = text[spans[0][0] : spans[-1][1]]
        if len(spans) == 1 and len(para) < _HEADING_CHARS and para[-1] not in ".!?\"”'’":
            pending += spans
            continue
        groups.append(pending + spans)
        pending = []
    if pending:
        groups.append(pending)
    return groups


def _windows(paras: list[list[tuple[int, int]]], settings: Settings) -> list[list[tuple[int, int]]]:
    """Runs of at most `chunk_sentences` sentences (and about `chunk_max_chars`).

    Short paragraphs are packed together; a window that would cut a paragraph stops at the last paragraph
    end inside it instead. Only windows inside one long paragraph overlap, by `chunk_overlap` sentences.
    """
    spans = [span for para in paras for span in para]
    ends = set()
    count = 0
    for para in paras:
        count += len(para)
        ends.add(count)  # index just past each paragraph's last sentence
    out: list[list[tuple[int, int]]] = []
    i = 0
    while i < len(spans):
        j = i + 1
        while (
            j < len(spans)
            and j - i < settings.chunk_sentences
            and spans[j][1] - spans[i][0] <= settings.chunk_max_chars
        ):
            j += 1
        cut = max((e for e in ends if i < e <= j), default=None)
        at_boundary = j in ends or j == len(spans)
        if not at_boundary and cut is not None:
            j, at_boundary = cut, True
        out.append(spans[i:j])
        i = j if at_boundary else max(i + 1, j - settings.chunk_overlap)
    return out


def chunk_article(article: Article, settings: Settings | None = None) -> list[Chunk]:
    """The chunks of one article; `chunk.text == article.text[chunk.start:chunk.end]` always holds."""
    settings = settings or Settings()
    chunks = []
    for window in _windows(paragraphs(article.text), settings):
        start, end = window[0][0], window[-1][1]
        chunk_id = f"{article.id}:{start}-{end}"
        text = article.text[start:end]
        chunks.append(
            Chunk(id=chunk_id, article_id=article.id, start=start, end=end, text=text, sentences=tuple(window))
        )
    return chunks


def chunk_articles(articles: list[Article], settings: Settings | None = None) -> list[Chunk]:
    """The chunks of many articles, in order."""
    return [c for a in articles for c in chunk_article(a, settings)]
