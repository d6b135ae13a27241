"""Sentence -> who is speaking in it: "X said", "according to X", "writes X", direct quotes, "he added".

Rules, not a model: a reporting verb next to a noun phrase at a clause edge, a quotation that carries on
from the sentence before, and a pronoun that points back to the last named speaker.
"""

from __future__ import annotations

import re

_VERBS = (
    r"(?:said|says|say|told|tells|warned|warns|added|adds|stated|states|explained|explains|noted|notes|argued"
    r"|argues|claimed|claims|insisted|insists|wrote|writes|announced|announces|declared|declares|feared|fears"
    r"|urged|urges|admitted|admits|confessed|confesses|stressed|stresses|asked|asks|replied|replies|believes)"
)
_AUX = r"(?:(?:has|have|had|also|later|then|has also)\s+)?"
_NAME = r"[A-Z][\w'’.-]+(?:\s+(?:[A-Z][\w'’.-]+|of|for|de|van|von|al-?\w*)){0,5}"
# A speaker: a capitalised name, or a short noun phrase such as "a spokesperson for the Foreign Ministry".
_NP = (
    rf"(?:[A-Z][\w.-]*['’]s\s+[\w'’-]+(?:\s+[\w'’-]+){{0,4}}|{_NAME}"
    r"|(?:the|a|an|The|A|An)\s+[\w'’-]+(?:\s+[\w'’-]+){0,6}|[A-Z][a-z]+s|he|she|they|He|She|They)"
)
_QUOTE_END = r"[,.!?]?[\"”]"
_ACCORDING = re.compile(r"\b[Aa]ccording to (?P<sp>[^,.;]{3,80})")
_RULES = (
    # "the Secretary General of NATO, Mark Rutte, said": the name in apposition is the speaker
    re.compile(rf",\s+(?P<sp>{_NAME}),\s+{_AUX}{_VERBS}\b"),
    # '"...," Rutte said' and ', the Nato chief said'
    re.compile(rf"(?:{_QUOTE_END}|,)\s+(?P<sp>{_NP})\s+{_AUX}{_VERBS}\b"),
    # '"...," said Rutte' and 'writes Vasif Huseynov in this op-ed'
    re.compile(rf"(?:{_QUOTE_END}|,)?\s*\b{_VERBS}\s+(?P<sp>{_NAME})"),
    # "According to the German Foreign Office in Berlin, ..."
    _ACCORDING,
    # "Rutte warned in Berlin ...", "Earlier this month, Russia's President Vladimir Putin said ..."
    re.compile(rf"^(?:[^,]{{0,40}},\s+)?(?P<sp>{_NP})\s+{_AUX}{_VERBS}\b"),
)
_TITLES = re.compile(
    r"^(?:.*\b)?(?:President|Prime Minister|Chancellor|Minister|Secretary[- ]General|Secretary|Senator|Governor"
    r"|Mayor|General|Ambassador|spokesperson|spokesman|spokeswoman|Dr\.?|Professor|Prof\.?)\s+(?=[A-Z])"
)
_PRONOUNS = frozenset({"he", "she", "they"})
_NOT_SPEAKERS = frozenset({"it", "this", "that", "there", "which", "who", "what", "reports", "reporters"})


def _tidy(speaker: str) -> str | None:
    speaker = speaker.strip(' ,.;:"“”')
    speaker = _TITLES.sub("", speaker) if _TITLES.match(speaker) and len(speaker.split()) > 2 else speaker
    if not speaker or speaker.lower() in _NOT_SPEAKERS or len(speaker) > 80:
        return None
    return speaker


def attribution(sentence: str, previous: str | None = None) -> tuple[str, bool] | None:
    """(speaker, whether the sentence only cites them as a source: "according to X"), or None."""
    for rule in _RULES:
        if m := rule.search(sentence):
            found = _tidy(m.group("sp"))
            if found is None:
                continue
            if found.lower() in _PRONOUNS:
                return attribution(previous) if previous else None
            return found, rule is _ACCORDING
    if previous and sentence.lstrip().startswith(('"', "“")):
        return attribution(previous)  # a quotation that runs on from the sentence before
    return None


def speaker_of(sentence: str, previous: str | None = None) -> str | None:
    """Who speaks in `sentence`; `previous` is the sentence before it, for pronouns and running quotes."""
    found = attribution(sentence, previous)
    return found[0] if found else None
