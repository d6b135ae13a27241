"""The rules a follow-up question is read by: the words and patterns of questions about sources, filters and
follow-ups, and the rewriting of an ellipsis or a pronoun into a standalone question (see qa.chat)."""

from __future__ import annotations

import re

from .models import Answer, Field

_DOC = r"(?:article|piece|op-?ed|story|report|column|text|source)"
_REF = rf"(?:it|that|this|the {_DOC}|this {_DOC}|that {_DOC})"


def _any(*alternatives: str) -> re.Pattern[str]:
    """One case-insensitive pattern matching any of `alternatives`."""
    return re.compile("|".join(alternatives), re.I)


_GENRE = r"(?:opinion|op-?ed|news|editorial|commentary|analysis|interview|review|report|fact|column)"
SOURCE_RULES: tuple[tuple[Field, re.Pattern[str]], ...] = (
    (
        "why",
        _any(
            rf"^why (?:is|was) {_REF} (?:labell?ed|marked|called|classed|classified|tagged|considered|an?\b)",
            r"^why (?:an? )?(?:opinion|op-?ed|news|editorial|commentary|analysis)\b",
            r"^how do you know (?:it|that|this)(?:'s| is)",
        ),
    ),
    (
        "genre",
        _any(
            rf"^(?:is|was) {_REF} (?:an? |just )?{_GENRE}",
            rf"^what (?:kind|sort|type|genre) of (?:article|piece|text|source) is {_REF}",
            rf"^what(?:'s| is) the genre of {_REF}",
        ),
    ),
    (
        "author",
        _any(
            rf"^who (?:wrote|writes|has written|authored|is the author of|penned) {_REF}\s*\??$",
            rf"^who(?:'s| is| was) (?:the |its )?(?:author|writer|columnist)(?: of {_REF})?\s*\??$",
            rf"^(?:what|which) (?:author|writer)\b.*\b{_REF}",
        ),
    ),
    (
        "date",
        _any(
            rf"^when (?:was|is) {_REF} (?:published|written|posted|released|dated|from)",
            rf"^(?:what|which) (?:date|day|year) (?:was|is) {_REF}",
            rf"^how old is {_REF}",
            rf"^what(?:'s| is) the date of {_REF}",
        ),
    ),
    (
        "outlet",
        _any(
            rf"^(?:which|what) (?:outlet|publication|site|website|newspaper|paper|magazine|media|source) "
            rf"(?:is|was|published|ran|carried) {_REF}",
            rf"^(?:where|who) (?:was|is)? ?{_REF} (?:published|from)",
            rf"^who published {_REF}",
            rf"^where (?:does|did) {_REF} come from",
            r"^what outlet\b",
        ),
    ),
    (
        "link",
        _any(
            rf"^where can i (?:read|find|see) {_REF}\s*\??$",
            rf"^(?:give me |what is |what's )?(?:the )?(?:link|url)(?: (?:to|of|for) {_REF})?\s*\??$",
        ),
    ),
)
# A source question may name its article by topic: "Who wrote the op-ed about landmines?".
TOPIC_TAIL = re.compile(
    rf"\b{_REF} (?:about|on|regarding) (?P<topic>.+?)(?: published| written| an? {_GENRE}\w*(?: piece)?)?\s*\??$", re.I
)
_ABOUT = r"(?:about|on|regarding)"
NAMED_SOURCE: dict[Field, re.Pattern[str]] = {
    "author": _any(rf"^who (?:wrote|writes|has written|authored|penned|is the author of) {_REF} {_ABOUT}"),
    "outlet": _any(rf"^(?:which|what) (?:outlet|publication|site|newspaper) (?:published|ran|carried) {_REF} {_ABOUT}"),
    "date": _any(rf"^when was {_REF} {_ABOUT} .+ (?:published|written)"),
    "genre": _any(rf"^(?:is|was) {_REF} {_ABOUT} .+ an? {_GENRE}"),
}
WITHIN = _any(
    rf"^(?:and )?what (?:else )?(?:does|did) {_REF} (?:say|tell us|report|write|claim|argue) "
    r"(?:about|on|regarding) (?P<topic>.+)$",
    rf"^(?:tell me |show me )?(?:more|anything else) (?:about|on) (?P<topic2>.+?) (?:from|in) {_REF}$",
)
AUTHOR_MORE = _any(
    r"^(?:show me |give me )?more (?:from|by) (?:this|that|the same|the) (?:author|writer|columnist)\b",
    r"^what else (?:has|did) (?:he|she|this author|the author|that author) (?:written|write)\b",
    r"^(?:other|more) (?:articles|pieces) by (?:this|that|the same|the) (?:author|writer)\b",
)
_SOURCES = r"(?:sources|outlets|papers|newspapers|media|articles|publications|reports|press)"
_SOME = r"(?:the )?(?:different |various |other |several |all the |many )?"
# "What do different sources say about X?", "How do the outlets differ on X?": the best quote of each outlet.
VIEWPOINTS = _any(
    rf"^what do(?:es)? {_SOME}{_SOURCES} (?:say|report|write|think|claim|tell us) (?:about|on|regarding) "
    r"(?P<topic>.+?)\s*\??$",
    rf"^how do {_SOME}{_SOURCES} (?:differ|compare|disagree|vary) (?:on|about|over|regarding|in (?:their )?"
    r"(?:coverage|reporting) of) (?P<topic2>.+?)\s*\??$",
    r"^(?:what are |show me |give me )?(?:the )?(?:different |various |other )?(?:views|viewpoints|perspectives|"
    r"sides|takes|angles|positions) (?:on|about|of) (?P<topic3>.+?)\s*\??$",
    rf"^how (?:is|are|was|were) (?P<topic4>.+?) (?:covered|reported|seen|described) (?:by|in|across) {_SOME}"
    rf"{_SOURCES}\s*\??$",
)
# "Who else reports this?": the supports of the last answer's first quote.
WHO_ELSE = _any(
    rf"^who else (?:reports?|reported|says?|said|writes?|wrote|covers?|covered|confirms?|mentions?) {_REF}\b",
    r"^(?:does|do|did|has|have) (?:anyone|anybody|any other (?:source|outlet|paper)|other (?:sources|outlets|papers))"
    r" (?:else )?(?:report|say|confirm|back|corroborate|reported|said|confirmed)",
    rf"^(?:is|was) {_REF} (?:corroborated|confirmed|reported elsewhere|reported by anyone else)",
    rf"^(?:which|what) other {_SOURCES} (?:report|say|confirm|mention)",
    rf"^(?:any|are there (?:any )?)other {_SOURCES}\b",
)


def viewpoint_topic(question: str) -> str | None:
    """The topic of a viewpoints question ("What do different sources say about the port?" -> "the port")."""
    m = VIEWPOINTS.search(question.strip())
    if not m:
        return None
    return next(g for g in m.groups() if g).strip(" ?.!")


_KINDS = r"(?:news(?: reports?| stories| articles)?|opinions?(?: pieces?| articles)?|op-?eds?|editorials?"
_KINDS += r"|commentar(?:y|ies)|analys[ie]s)"
ONLY = _any(
    rf"^(?:(?:please )?(?:show|give|tell) me |i want |)(?:only |just )?(?P<what>{_KINDS})(?: only| please)?\s*[.!?]?$",
    r"^(?:only|just) (?P<what2>news|opinion|editorials?|commentar(?:y|ies)|analys[ie]s)\b",
)
CLEAR = _any(
    r"^(?:show me |give me )?(?:everything|all (?:genres|articles|sources|kinds)|any genre|all of them)\s*[.!?]?$",
    r"^(?:remove|clear|drop|reset) (?:the |all )?filters?\b",
)
_GENRE_WORDS = {
    "news": "news",
    "opinion": "opinion",
    "op-ed": "opinion",
    "oped": "opinion",
    "editorial": "editorial",
    "commentar": "commentary",
    "analys": "analysis",
}
_CONTINUATION = _any(r"^(?:and|but|also|so|then|plus|(?:and )?(?:what|how) about|what of)\b[\s,]*")
# A bare question word or a short phrase opening with a preposition only makes sense after another question.
_BARE = re.compile(
    r"^\s*(?:(?:who|whom|when|where|why|how|which|what)\s*[?.!]*\s*$"
    r"|(?:in|on|at|by|since|from|for|to|with|until|after|before)\b(?:\s+\S+){0,3}\s*[?.!]*\s*$)",
    re.I,
)
_PERSON_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers)\b", re.I)
# "that" before a noun is a determiner ("that article", "those mines"), not a pronoun.
_THING_PRONOUN = re.compile(rf"\b(it|its|that|this|these|those|they|them|their)\b(?!\s+(?:{_DOC}|[a-z]+s)\b)", re.I)
_AUX = frozenset("did does do is are was were has have had will would can could should".split())
_WH = re.compile(rf"^(?:who|whom|whose|what|which|when|where|why|how|{'|'.join(sorted(_AUX))})\b", re.I)
_FUNCTION = frozenset(
    "how many much what which who when where why the a an of did does do is are was were has have had in on for to "
    "by with about and or last this that its their his her".split()
)
_PREPOSITIONS = {"for", "on", "about", "of", "in", "against", "after", "before", "during", "over", "behind", "from"}
_ORG_WORDS = re.compile(
    r"\b(?:Ministry|Agency|Office|Court|Union|Nations|Programme|Program|Institute|Council|Government|Service|NATO|Nato"
    r"|Centre|Center|Department|Committee|Commission|Bank|Party|Army|Forces|University|Company|Group)\b"
)
_NAME = re.compile(r"\b[A-Z][a-z][\w'’-]*(?:\s+[A-Z][a-z][\w'’-]*)+")


def _words(text: str) -> list[str]:
    return text.rstrip(" ?.!").split()


def _stem(word: str) -> str:
    w = word.lower().strip(",;:'\"“”’")
    return w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w


def genres_named(text: str) -> tuple[str, ...]:
    low = text.lower()
    return tuple(dict.fromkeys(g for k, g in _GENRE_WORDS.items() if k in low))


# --- follow-ups rewritten as standalone questions ----------------------------------------------------------------


def follow_up(q: str, prev: str, answer: Answer) -> str | None:
    """The standalone question that `q` stands for when it follows up the previous question `prev`, answered by
    `answer`; None when `q` is self-contained (a new topic: nothing is inherited)."""

    def after(text: str) -> str:  # asked in the frame of the last question
        return f"{text} (after: {prev.strip()})"

    cont = _CONTINUATION.match(q)
    body = q[cont.end() :] if cont else q
    continued = False
    if cont and _WH.match(body) and len(_words(body)) > 2:  # "And what would it cost?": a question of its own
        cont, continued = None, True
    # A short fragment is a follow-up when it says so ("And X?") or shares a word with the previous question.
    shared = {_stem(w) for w in _words(body)} & {_stem(w) for w in _words(prev)} - _FUNCTION
    fragment = cont is not None or (not _WH.match(body) and len(_words(body)) <= 4 and bool(shared))
    if _BARE.match(body):  # "When?", "In which district?", "By whom?", "In acres?": asked of the last topic
        return f"{prev.rstrip(' ?.!')}? {body.strip().rstrip(' ?.!')}?"
    if fragment and body.strip(" ?.!"):
        return _substitute(prev, body)
    if _PERSON_PRONOUN.search(body) or _THING_PRONOUN.search(body):
        rewritten = _resolve_pronouns(body, prev, answer)
        if _THING_PRONOUN.search(rewritten) or rewritten == body.strip():
            return after(rewritten)  # a pronoun is left with nothing to put in its place
        return rewritten
    if continued or re.search(r"\bthen\b", body, re.I):
        return after(body.strip())  # "And what was the national average then?"
    content = [w for w in _words(body)[1:] if w.lower() not in _FUNCTION]
    if _WH.match(body) and len(_words(body)) <= 5 and len(content) <= 2 and not _names(body):
        # "Who won in 2019?": too little to stand alone; it is asked about the names of the last question
        names = [n for n in _names(prev) if n.lower() not in body.lower()]
        if names:
            return f"{body.rstrip(' ?.!')} ({', '.join(names)})?"
    return None  # self-contained: a new topic, nothing inherited


def _names(text: str) -> list[str]:
    """Capitalised words and runs of them after the first word: "Warren Buffett", "ANAMA", "2019" excluded."""
    body = text.split(maxsplit=1)[1] if len(text.split()) > 1 else ""
    return list(dict.fromkeys(m.group(0) for m in re.finditer(r"\b[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*", body)))


def _substitute(prev: str, fragment: str) -> str:
    """The previous question with its matching phrase replaced by `fragment` ("And anti-tank mines?")."""
    frag = fragment.strip().rstrip(" ?.!")
    words = _words(prev)
    mark = "?" if prev.rstrip().endswith("?") else ""
    head = _stem(frag.split()[-1])
    # 1. The phrase with the same head noun: "anti-personnel mines" -> "anti-tank mines".
    for i, w in enumerate(words):
        if _stem(w) == head:
            j = i
            while j > 0 and words[j - 1].lower() not in _FUNCTION and not words[j - 1].lower().startswith("how"):
                j -= 1
            return " ".join([*words[:j], frag, *words[i + 1 :]]) + mark
    low = [w.lower() for w in words]
    # 2. A fragment with its own article ("What about the attack on the Danish railway?") replaces the thing the
    #    previous question asked about ("... behind the cyberattack on German air traffic control?").
    topic = _topic(prev)
    if topic and frag.split()[0].lower() in ("the", "a", "an"):
        return prev.rstrip(" ?.!")[: -len(topic.rstrip(" ?.!"))] + frag + mark
    # 3. The noun phrase a "how many"/"which"/"what" asks about: "How many X did ..." -> "How many FRAG did ...".
    if len(low) > 2 and low[0] in ("how", "which", "what"):
        start = 2 if low[0] == "how" and low[1] in ("many", "much") else 1
        if start < len(low) and low[start] not in _AUX:
            end = next((k for k in range(start, len(low)) if low[k] in _AUX), len(low))
            return " ".join([*words[:start], frag, *words[end:]]) + mark
        # 4. The subject after the auxiliary: "What did the NATO chief warn?" -> "What did Putin warn?"
        if start < len(low) and low[start] in _AUX and 3 <= len(low) - start <= 5:
            return " ".join([*words[: start + 1], frag, words[-1]]) + mark
    # 5. Nothing to replace: ask about the fragment in the frame of the previous question.
    return f"{prev.rstrip(' ?.!')}: {frag}{mark}"


def _person(prev: str, answer: Answer) -> str | None:
    """Who "he"/"she" is: the speaker of the last answer's quotes, else a person named in them or the question."""
    for q in answer.quotes:
        if q.speaker and not _ORG_WORDS.search(q.speaker) and not q.speaker.lower().startswith(("a ", "the ")):
            return q.speaker
    # A name in the question or the quotes, the one whose surname the quotes repeat most ("Rob Gronkowski"
    # over "Four-time Super Bowl").
    texts = [prev, *(q.text for q in answer.quotes)]
    names = list(
        dict.fromkeys(m.group(0) for t in texts for m in _NAME.finditer(t) if not _ORG_WORDS.search(m.group(0)))
    )
    if names:
        joined = " ".join(texts)
        return max(names, key=lambda n: len(re.findall(rf"\b{re.escape(n.split()[-1])}\b", joined)))
    words = _words(prev)
    low = [w.lower() for w in words]
    # "What did the NATO chief warn?": the subject between the auxiliary and the verb.
    aux = next((k for k, w in enumerate(low) if w in _AUX), None)
    if aux is not None and len(words) - aux >= 3 and low[aux + 1] in ("the", "a", "an"):
        # after do/does/did the last word is the verb ("warn"); after is/was the phrase runs to the end
        return " ".join(words[aux + 1 : -1] if low[aux] in ("do", "does", "did") else words[aux + 1 :])
    return None


def _topic(prev: str) -> str | None:
    """What "it" is: the noun phrase the previous question asked about after a preposition or verb, e.g. "the
    attack on German air traffic control" in "Who is blamed for the attack on German air traffic control?"."""
    words = _words(prev)
    low = [w.lower() for w in words]
    for k in range(1, len(low)):
        if low[k] in ("the", "a", "an") and (
            low[k - 1] in _PREPOSITIONS or (k >= 2 and low[k - 1] not in _AUX and low[k - 1] not in _FUNCTION)
        ):
            return " ".join(words[k:])
    return None


def _resolve_pronouns(body: str, prev: str, answer: Answer) -> str:
    """The question with "he"/"she" replaced by the person of the last turn and "it" by its topic."""
    text = body.strip()
    person = _person(prev, answer)
    if person:

        def person_sub(m: re.Match[str]) -> str:
            return f"{person}'s" if m.group(1).lower() in ("his", "hers") else person

        text = _PERSON_PRONOUN.sub(person_sub, text, count=1)
    topic = _topic(prev)
    if topic and not (person and person.lower() in topic.lower()):
        # "When did it happen?": an event the last question named
        event = r"\b(it|that|this)\b(?=\s+(?:happen|take place|occur|start|begin|end)\w*)"
        text = re.sub(event, topic, text, count=1, flags=re.I)
    return text


# --- the genre a question about a source asks about ------------------------------------------------------------

_ASKED_FAMILY = (
    (re.compile(r"opinion|op-?ed|editorial|commentary|column", re.I), "opinion"),
    (re.compile(r"news|report|fact", re.I), "news"),
    (re.compile(r"analysis", re.I), "analysis"),
    (re.compile(r"interview", re.I), "interview"),
    (re.compile(r"review", re.I), "review"),
)


def asked_genre(question: str) -> str | None:
    """The genre a yes/no question names ("Is that an opinion piece?" -> "opinion"), if any."""
    body = re.sub(rf"^(?:is|was) {_REF}", "", question.strip(), flags=re.I)
    return next((g for rule, g in _ASKED_FAMILY if rule.search(body)), None)
