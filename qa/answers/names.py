"""The names and numbers a question asks about, and whether passages mention them.

A name is a run of capitalised words that doesn't open a sentence or a quotation ("Khazar University"), a number
any word with a digit ("2024"). Passages mention a name when they hold each of its words, compared as BM25
tokens with accents folded ("Temur" meets "Temür") and decades in either form ("1950's", "1950s"). Three
spellings count as well: an all-capitals name spelt out or dotted ("EU" for "European Union", "US" for
"U.S."), and a place's adjective for the place ("British" for "Britain", "Italian" for "Italy").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from ..models import Article
from ..search.sparse import base_forms, tokenize

_KEY_TERM = re.compile(r"(?<![.?!:;] )(?<![“\"‘'(])\b[A-Z]\w*(?:\s+[A-Z]\w*)*|\b\w*\d\w*")
_PARENTHESES = re.compile(r"\([^()]*\)")
_ACRONYM = re.compile(r"[A-Z]{2,5}")
# Capitalised words in a row, "of", "the", "and" allowed between them ("Bank of England"); their initials
# spell the acronym.
_SPELT_OUT = re.compile(r"[A-Z][\w'’-]*(?:\s+(?:(?:of|the|and|for)\s+)*[A-Z][\w'’-]*)+")
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")
# A place's adjective is its name with an ending swapped: Brit-ish/Brit-ain, Ital-ian/Ital-y, Chin-ese/Chin-a,
# Pol-ish/Pol-and, Europ-ean/Europ-e, Israel-i/Israel, German/German-y; its plural too (Americans).
_ADJECTIVE_ENDINGS = ("ish", "ian", "ean", "ese", "an", "i")
_PLACE_ENDINGS = ("", "a", "e", "o", "y", "ia", "ain", "and")
_CAPITALISED_WORD = re.compile(r"[A-Z][a-z]{3,}")
_LOWER_WORD = re.compile(r"[a-z]+")


def key_terms(question: str) -> list[str]:
    """The question's names and numbers; parenthesised asides ("(after: ...)", a follow-up's hint) left out."""
    plain = _PARENTHESES.sub(" ", question)
    return [m.group() for m in _KEY_TERM.finditer(plain) if plain[: m.start()].strip()]


def _fold(text: str) -> str:
    """The text with its accents folded ("Temür" -> "Temur")."""
    if text.isascii():
        return text
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _normal(token: str) -> str:
    """A token with its accents folded and a decade's "s" dropped ("1950s" -> "1950")."""
    token = _fold(token)
    return token[:-1] if token.endswith("s") and token[:-1].isdigit() else token


class Mentions:
    """What a set of passages mentions: their BM25 tokens (`words`, irregular forms at their base) and, for the
    rarer spellings, their `texts`."""

    def __init__(self, words: Iterable[str], texts: list[str]) -> None:
        self.words = {_normal(w) for w in words}
        self.texts = texts
        self._initials: set[str] | None = None
        self._lower: set[str] | None = None

    def has(self, term: str, tokens: set[str]) -> bool:
        """Whether the passages mention `term`, whose BM25 tokens are `tokens`."""
        if {_normal(t) for t in tokens} <= self.words:
            return True
        if _ACRONYM.fullmatch(term):
            return term in self._spelt_out()
        if _CAPITALISED_WORD.fullmatch(term):
            word = term.lower()
            word = word[:-1] if word.endswith("s") else word  # "Americans", "Israelis"
            roots = [word[: -len(e)] for e in _ADJECTIVE_ENDINGS if word.endswith(e) and len(word) - len(e) >= 3]
            places = {r + e for r in roots for e in _PLACE_ENDINGS} | ({word + "y"} if roots else set())
            return bool(places & self._plain())
        return False

    def _plain(self) -> set[str]:
        """The lower-cased words of the texts, accents folded."""
        if self._lower is None:
            self._lower = {w for text in self.texts for w in _LOWER_WORD.findall(_fold(text).lower())}
        return self._lower

    def _spelt_out(self) -> set[str]:
        """The initials of each run of capitalised words and each dotted abbreviation in the texts."""
        if self._initials is None:
            found: set[str] = set()
            for text in self.texts:
                for m in _SPELT_OUT.finditer(text):
                    initials = "".join(w[0] for w in m.group().split() if w[0].isupper())
                    found.update(initials[i:j] for i in range(len(initials)) for j in range(i + 2, len(initials) + 1))
                found.update(m.group().replace(".", "") for m in _DOTTED.finditer(text))
            self._initials = found
        return self._initials


def unmatched_terms(
    question: str, words: Iterable[str], texts: list[str], articles: dict[str, Article]
) -> tuple[str, ...]:
    """The question's names and numbers that neither the passages (`words`, their BM25 tokens, and `texts`) nor
    their articles' titles, authors or outlets mention."""
    terms = key_terms(question)
    if not terms:
        return ()
    meta = [" ".join([a.title, *a.authors, a.outlet or ""]) for a in articles.values()]
    known = Mentions([*words, *(w for t in tokenize(meta) for w in base_forms(t))], [*texts, *meta])
    asked = [set(base_forms(t)) for t in tokenize(terms)]
    return tuple(dict.fromkeys(term for term, tokens in zip(terms, asked, strict=True) if not known.has(term, tokens)))
