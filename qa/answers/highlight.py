"""Which words of a quote answer the question: spans to highlight, found by words shared with the question."""

from __future__ import annotations

import re

from ..search.sparse import stem
from .choose import wants_number

_WORD = re.compile(r"[\w'’]+(?:[.,-][\w'’]+)*")
_STOP = frozenset(
    "a an the of in on at to for by with from and or but is are was were be been being do does did has have had "
    "what which who whom whose when where why how many much that this these those it its there their they them "
    "he she his her i you we our your can could will would should may might must about into than then so not no "
    "say said says tell told according also just only more most".split()
)


def highlight_spans(text: str, question: str) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of the words that answer `question`: words the question shares, and numbers
    when it asks for an amount or a date. Offsets are into `text`, so the quote itself is never altered."""
    wanted = {stem(m.group(0).strip("'’")) for m in _WORD.finditer(question) if m.group(0).lower() not in _STOP}
    numbers = wants_number(question)
    spans = []
    for m in _WORD.finditer(text):
        word = m.group(0)
        if (word.lower() not in _STOP and stem(word.strip("'’")) in wanted) or (
            numbers and any(ch.isdigit() for ch in word)
        ):
            spans.append((m.start(), m.end()))
    return spans


def segments(text: str, question: str) -> list[tuple[str, bool]]:
    """`text` cut into (piece, highlighted) runs; joining the pieces gives `text` back."""
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in highlight_spans(text, question):
        if start > pos:
            out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    if pos < len(text):
        out.append((text[pos:], False))
    return out
