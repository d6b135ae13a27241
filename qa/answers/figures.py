"""Figures in a sentence: the number as written, its value, and what it counts ("1,200 protesters", "€45 million",
"12 per cent"), so that two sentences about the same quantity can be compared.

What a figure counts is its unit: a currency sign or word, "%", or the first words after the number that are not
stop words ("4,133 anti-tank landmines" counts {"anti-tank", "landmin"}). Two figures are about the same quantity
when their units share a word; they agree when their values are within 0.1% (so "1,200" meets "1200" and "€1.2
million" meets "1,200,000 euros"). A bare year ("in 2021") is a date, not a quantity.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from ..search.sparse import stem

_SCALES = {
    "thousand": 1e3,
    "k": 1e3,
    "million": 1e6,
    "m": 1e6,
    "mn": 1e6,
    "billion": 1e9,
    "bn": 1e9,
    "b": 1e9,
    "trillion": 1e12,
    "tn": 1e12,
}
_CURRENCY_SIGNS = {"€": "euro", "$": "dollar", "£": "pound", "¥": "yen", "₼": "manat", "₽": "rouble"}
_CURRENCY_WORDS = {
    "euro": "euro",
    "euros": "euro",
    "dollar": "dollar",
    "dollars": "dollar",
    "pound": "pound",
    "pounds": "pound",
    "manat": "manat",
    "manats": "manat",
    "usd": "dollar",
    "eur": "euro",
    "gbp": "pound",
}
_WORD_NUMBERS = {
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "dozen": 12,
}
_FIGURE = re.compile(
    r"(?P<sign>[€$£¥₼₽])?\s?(?P<num>\d+(?:[,.]\d{3})*(?:\.\d+)?|(?:"
    + "|".join(_WORD_NUMBERS)
    + r")\b)(?:\s?(?P<scale>thousand|million|billion|trillion|bn|mn|tn|[kmb])\b)?"
    r"(?:\s?(?P<pct>%|per\s?cent\b|percent\b))?",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*")
# Abbreviated units, spelled out so that "85mm" counts what "85 millimetres" counts.
_UNIT_ALIASES = {
    "mm": "millimetre",
    "cm": "centimetre",
    "km": "kilometre",
    "kms": "kilometre",
    "kg": "kilogram",
    "kgs": "kilogram",
    "mi": "mile",
    "ft": "feet",
    "hrs": "hour",
    "hr": "hour",
    "mins": "minute",
    "min": "minute",
    "yrs": "year",
    "sq": "square",
    "ha": "hectare",
    "mw": "megawatt",
    "gw": "gigawatt",
    "kw": "kilowatt",
}
# Words after a number that say nothing about what it counts.
_SKIP = frozenset(
    "a an the of and or to in on at by for from than more less about around some nearly almost over under up "
    "just only roughly approximately least most per each were was are is be been had have has who which that "
    "this these those its their his her new other some through into across with as while after before during "
    "since when where among between within without ahead behind".split()
)
_YEAR = re.compile(r"(1[6-9]|20)\d\d")


# Words that make a figure approximate or a bound; shown with it ("about 2,500").
_HEDGE = re.compile(
    r"\b(about|around|nearly|almost|some|over|roughly|approximately|more than|fewer than|less than|up to|"
    r"at least|at most|close to|an estimated|under)\s+$",
    re.I,
)


_LOWER = re.compile(r"over|more than|at least")
_UPPER = re.compile(r"fewer than|less than|up to|at most|under")
_ORDINAL = re.compile(r"(?:st|nd|rd|th)\b", re.I)
# A letter, or a letter and a hyphen or dot, right before a number: the number is part of a name.
_NAME_BEFORE = re.compile(r"[A-Za-z][-.]?$")


class Figure(NamedTuple):
    """A number as written in its sentence (with a hedge before it: "about 2,500"), its value, the words of what
    it counts, and where the number is."""

    text: str
    value: float
    unit: frozenset[str]
    start: int
    end: int
    # "more than 70%" is a lower bound ("min"), "under $4" an upper one ("max"): another number contradicts a
    # bound only from its wrong side (see conflicting).
    bound: str = ""


def _value(num: str, scale: str | None) -> float | None:
    word = _WORD_NUMBERS.get(num.lower())
    if word is not None:
        base = float(word)
    else:
        # "1,200" and "1.200" group thousands; "1.5" is a decimal.
        grouped = re.fullmatch(r"\d+(?:[,.]\d{3})+", num)
        cleaned = num.replace(",", "").replace(".", "") if grouped and "," in num else num.replace(",", "")
        try:
            base = float(cleaned)
        except ValueError:
            return None
    return base * _SCALES.get((scale or "").lower(), 1.0)


def figures(sentence: str) -> list[Figure]:
    """The figures of a sentence, bare years left out."""
    out = []
    for m in _FIGURE.finditer(sentence):
        num, sign, scale, pct = m.group("num"), m.group("sign"), m.group("scale"), m.group("pct")
        if _NAME_BEFORE.search(sentence, max(0, m.start("num") - 2), m.start("num")):
            continue  # "Covid-19", "F-35", "BA.4": part of a name
        if _ORDINAL.match(sentence, m.end("num")):
            continue  # "the 12th straight day", "a 17th-century astrolabe": a rank, not an amount
        if num.isalpha() and not (scale or pct):
            unit_words = _unit_after(sentence, m.end())
            if not unit_words:
                continue  # a bare "two" says nothing countable
        value = _value(num, scale)
        if value is None:
            continue
        if sign is None and scale is None and pct is None and _YEAR.fullmatch(num):
            continue  # a year is a date, not an amount
        if pct:
            unit = frozenset({"%"})
        elif sign:
            unit = frozenset({_CURRENCY_SIGNS[sign]})
        else:
            after = _unit_after(sentence, m.end())
            currency = [_CURRENCY_WORDS[w.lower()] for w in after if w.lower() in _CURRENCY_WORDS]
            unit = frozenset(currency) if currency else frozenset(stem(_UNIT_ALIASES.get(w.lower(), w)) for w in after)
        if unit:
            begin = m.start("sign") if sign else m.start("num")
            hedge = _HEDGE.search(sentence, max(0, begin - 20), begin)
            written = sentence[begin : m.end()].strip()
            said = hedge.group(1).lower() if hedge else ""
            bound = "min" if _LOWER.fullmatch(said) else "max" if _UPPER.fullmatch(said) else ""
            out.append(Figure(f"{hedge.group(1)} {written}" if hedge else written, value, unit, begin, m.end(), bound))
    return out


def _unit_after(sentence: str, end: int) -> list[str]:
    """Up to two words after a number that are not stop words, stopping at the next number or clause."""
    words: list[str] = []
    for m in _WORD.finditer(sentence, end):
        gap = sentence[end : m.start()]
        if any(ch.isdigit() for ch in gap) or any(p in gap for p in ".;:()"):
            break
        if m.group().lower() in _SKIP:
            if words:
                break
            end = m.end()
            continue
        words.append(m.group())
        end = m.end()
        if len(words) == 2 or "," in sentence[m.end() : m.end() + 1]:
            break
    return words


def same_quantity(a: Figure, b: Figure) -> bool:
    """Whether two figures count the same thing (their units share a word)."""
    return bool(a.unit & b.unit)


def same_value(a: Figure, b: Figure) -> bool:
    """Whether two figures give the same number (within 0.1%: "1,200" meets "1200" and "€1.2 million" meets
    "1,200,000 euros", but "$4.98" is not "$5")."""
    return abs(a.value - b.value) <= 0.001 * max(abs(a.value), abs(b.value), 1e-9)


def conflicting(a: Figure, b: Figure) -> bool:
    """Whether two figures for one quantity cannot both hold: different values, a bound only when the other
    number lies on its wrong side ("more than 6,000" against "around 2,000"; not "more than 70%" against "80%")."""
    if same_value(a, b):
        return False
    low_a, high_a = _range(a)
    low_b, high_b = _range(b)
    return high_a < low_b or high_b < low_a


def _range(f: Figure) -> tuple[float, float]:
    """The values a figure allows: itself, or all above (a lower bound) or below (an upper bound) it."""
    if f.bound == "min":
        return f.value, float("inf")
    if f.bound == "max":
        return -float("inf"), f.value
    return f.value, f.value
