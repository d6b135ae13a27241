"""Training and validation groups for the reader, built from ../shared/data (see scripts/train_reader.py).

A group is one question with its candidate sentences: at most one positive (the sentence that answers) or none
(the question is not answered by any candidate: SQuAD 2.0's unanswerables, and near-misses made from news).

- squad2: each question of a training title against its paragraph's sentences (the sentence holding a gold answer
  positive, the others negative; every sentence negative for an unanswerable question), plus two hard negatives
  from other paragraphs of the same title.
- news cloze: a name, number or date blanked out of a news sentence and asked for with a wh-word ("who", "how many",
  "when", "where", "what"), from a window of the sentence's words; that sentence positive, other sentences of its
  article and of similar articles negative. Near-misses: the same question asked with the answering sentence removed,
  and the question with one of its names swapped for a name from another article.
- cross-report (cross_groups): a cloze question from one report of a story asked of another report of the same
  story (full_26k's articles retrieved for one question), whose sentence holding the same answer is the positive;
  near-misses are that report without its answering sentences.

Excluded from every group (never trained on): news_qa's articles and the first 1,000 lines of sample_5k (by
canonical URL and by normalised text), articles retrieved for a news_qa question, and articles dated May-December
2022 (the months of news_qa's questions, so no other report of the same stories is seen either).
"""

from __future__ import annotations

import gzip
import json
import random
import re
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from qa.search.chunk import sentence_spans

# The held-out squad2 titles: never trained on, used to select and report the model.
HELDOUT_TITLES = frozenset({"Huguenot", "Immune_system", "Scottish_Parliament", "Harvard_University"})
EXCLUDED_MONTHS = tuple(f"2022/{m:02d}" for m in range(5, 13))


@dataclass
class Group:
    """One question and its candidates; `positive` indexes the answering candidate, or is None."""

    question: str
    candidates: list[str]  # pair texts: sentence, then its context
    positive: int | None
    source: str  # "squad2", "cloze", "cloze-miss", "cloze-swap"
    answers: list[str] = field(default_factory=list)


def normalise(text: str) -> str:
    """Lower case, no punctuation or articles, single spaces (the metric's normalisation)."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = "".join(" " if ch in string.punctuation or ch in "“”‘’—–" else ch for ch in text)
    return " ".join(w for w in text.split() if w not in {"a", "an", "the"})


def canonical_url(url: str | None) -> str:
    """Scheme- and query-free URL, lower case, no trailing slash or index.html."""
    if not url:
        return ""
    parts = urlsplit(url.strip().lower())
    path = re.sub(r"/(index\.html?)?$", "", parts.path)
    return f"{parts.netloc.removeprefix('www.')}{path}"


def pair_text(sentences: list[str], i: int) -> str:
    """What the reader reads for sentence i: the sentence, then the one before it as context."""
    before = sentences[i - 1] if i > 0 else ""
    return f"{sentences[i]} [SEP] {before}" if before else sentences[i]


def split_sentences(text: str) -> list[str]:
    """The pipeline's own sentence split."""
    return [text[s:e] for s, e in sentence_spans(text)]


# --- exclusions ---------------------------------------------------------------------------------------------------


def excluded(data: Path) -> tuple[set[str], set[str], set[str]]:
    """URLs, normalised texts and news_qa question ids that no group may come from."""
    urls: set[str] = set()
    texts: set[str] = set()
    for line in (data / "news_qa/articles.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        urls.add(canonical_url(r.get("url")))
        if r.get("text"):
            texts.add(normalise(r["text"])[:2000])
    with (data / "news_corpus/sample_5k.jsonl").open(encoding="utf-8") as f:
        for n, line in enumerate(f):
            if n >= 1000:
                break
            r = json.loads(line)
            urls.add(canonical_url(r.get("url")))
            texts.add(normalise(r.get("text") or "")[:2000])
    qids = {json.loads(line)["id"] for line in (data / "news_qa/questions_dev.jsonl").open(encoding="utf-8")}
    urls.discard("")
    return urls, texts, qids


def news_articles(data: Path) -> Iterator[dict]:
    """The articles of full_26k that training may use."""
    urls, texts, qids = excluded(data)
    with gzip.open(data / "news_corpus/full_26k.jsonl.gz", "rt", encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            text = r.get("text") or ""
            if len(text) < 400 or (r.get("date") or "").startswith(EXCLUDED_MONTHS):
                continue
            if r.get("retrieved_for_question_id") in qids or canonical_url(r.get("url")) in urls:
                continue
            if normalise(text)[:2000] in texts:
                continue
            yield r


# --- cloze questions ------------------------------------------------------------------------------------------------

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_DATE = re.compile(rf"\b{_MONTH}(?:\s+\d{{1,2}})?(?:,\s+\d{{4}})?|\b(?:19|20)\d\d\b")
_NUMBER = re.compile(r"(?<![\w$])(\$?)(\d[\d,]*(?:\.\d+)?)(\s+(?:million|billion|trillion))?(?:\s+(percent|%))?")
_NAME = re.compile(r"\b([A-Z][a-z]+(?:[\s-][A-Z][a-z]+){0,3})\b")
_NOT_NAMES = frozenset(
    "The A An This That These Those It He She They We I You His Her Their Its Our Monday Tuesday Wednesday Thursday "
    "Friday Saturday Sunday January February March April May June July August September October November December "
    "But And Or If When While After Before Mr Mrs Ms Dr".split()
)
_SPEECH = re.compile(r"^\s*(?:,\s*)?(?:said|says|told|wrote|added|announced|tweeted)\b")
_WORD = re.compile(r"\S+")


@dataclass
class Blank:
    """An answer span of a sentence and the wh-phrase that asks for it."""

    start: int
    end: int
    wh: str


def blanks(sentence: str) -> list[Blank]:
    """Spans of a sentence a cloze question can ask for."""
    found: list[Blank] = []
    for m in _DATE.finditer(sentence):
        before = sentence[max(0, m.start() - 3) : m.start()]
        start = m.start() - 3 if before.lower() in {"in ", "on "} else m.start()
        found.append(Blank(start, m.end(), "when"))
    for m in _NUMBER.finditer(sentence):
        if any(b.start <= m.start() < b.end for b in found) or re.fullmatch(r"(?:19|20)\d\d", m.group(2)):
            continue
        wh = "how much" if m.group(1) else "what percentage" if m.group(4) else "how many"
        found.append(Blank(m.start(), m.end(), wh))
    for m in _NAME.finditer(sentence):
        words = m.group(1).split()
        if m.start() <= 1 or words[0] in _NOT_NAMES or any(b.start <= m.start() < b.end for b in found):
            continue
        before = sentence[max(0, m.start() - 5) : m.start()].lower()
        if before.endswith(("in ", "at ")) and len(words) <= 3:
            found.append(Blank(m.start() - 3, m.end(), "where"))
        elif _SPEECH.match(sentence[m.end() :]) or before.endswith("by "):
            found.append(Blank(m.start(), m.end(), "who"))
        else:
            found.append(Blank(m.start(), m.end(), "what"))
    return found


def cloze_question(sentence: str, blank: Blank, rng: random.Random) -> str:
    """A question from a window of the sentence's words around the blank, the wh-phrase in its place or in front."""
    before = _WORD.findall(sentence[: blank.start])
    after = _WORD.findall(sentence[blank.end :])
    before = before[-rng.randint(3, 9) :] if before else []
    after = after[: rng.randint(3, 9)]
    # drop one word at random from each side (noisy cloze: questions never copy a sentence word for word)
    for side in (before, after):
        if len(side) > 4 and rng.random() < 0.5:
            del side[rng.randrange(len(side))]
    front = rng.random() < 0.5 or not before
    words = [blank.wh, *before, *after] if front else [*before, blank.wh, *after]
    text = " ".join(words).strip(" ,;:.\"“”'’-—")
    return text[0].upper() + text[1:] + "?"


def _names_in(text: str) -> list[str]:
    return [m.group(1) for m in _NAME.finditer(text) if m.group(1).split()[0] not in _NOT_NAMES]


def cloze_groups(articles: list[dict], per_article: int, seed: int) -> list[Group]:
    """Cloze questions with hard negatives from their own article and from similar articles."""
    import bm25s

    rng = random.Random(seed)
    docs = [split_sentences(a["text"]) for a in articles]
    flat = [(d, i) for d, sents in enumerate(docs) for i in range(len(sents))]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([docs[d][i] for d, i in flat], stopwords="en", show_progress=False), show_progress=False
    )
    all_names = [n for sents in docs[:2000] for s in sents[:5] for n in _names_in(s)]
    groups: list[Group] = []
    for d, sents in enumerate(docs):
        usable = [i for i, s in enumerate(sents) if 60 <= len(s) <= 400 and s[-1] in '.!?"”' and blanks(s)]
        for i in rng.sample(usable, min(per_article, len(usable))):
            blank = rng.choice(blanks(sents[i]))
            answer = sents[i][blank.start : blank.end]
            if blank.wh == "where" or (blank.wh == "when" and answer[:3] in {"in ", "on "}):
                answer = answer[3:]
            question = cloze_question(sents[i], blank, rng)
            if normalise(answer) in normalise(question) or len(normalise(question).split()) < 4:
                continue
            key = normalise(answer)
            own = [j for j in range(len(sents)) if j != i and key not in normalise(sents[j])]
            rng.shuffle(own)
            q_tokens = bm25s.tokenize([question], stopwords="en", show_progress=False)
            rows, _ = retriever.retrieve(q_tokens, k=12, show_progress=False)
            similar = [
                flat[r] for r in rows[0] if flat[r][0] != d and key not in normalise(docs[flat[r][0]][flat[r][1]])
            ]
            negatives = [pair_text(sents, j) for j in own[:5]] + [pair_text(docs[e], j) for e, j in similar[:3]]
            if len(negatives) < 3:
                continue
            pos = pair_text(sents, i)
            cands = [pos, *negatives]
            order = list(range(len(cands)))
            rng.shuffle(order)
            shuffled = [cands[k] for k in order]
            groups.append(Group(question, shuffled, order.index(0), "cloze", [answer]))
            roll = rng.random()
            if roll < 0.3:  # near-miss: the article without the answering sentence
                groups.append(Group(question, list(negatives), None, "cloze-miss", [answer]))
            elif roll < 0.45 and all_names:  # a name of the question swapped for one from elsewhere
                names = [n for n in _names_in(question) if normalise(n) != key]
                if names:
                    swapped = question.replace(rng.choice(names), rng.choice(all_names), 1)
                    groups.append(Group(swapped, shuffled, None, "cloze-swap", [answer]))
    return groups


# --- squad2 -----------------------------------------------------------------------------------------------------------


def squad_groups(data: Path, heldout: bool) -> list[Group]:
    """squad2 questions of the held-out titles (heldout=True) or of the others, against their paragraph."""
    import bm25s

    paras = {}
    for line in (data / "squad2/paragraphs.jsonl").open(encoding="utf-8"):
        r = json.loads(line)
        if (r["title"] in HELDOUT_TITLES) == heldout:
            paras[r["id"]] = (r["title"], split_sentences(r["text"]))
    flat = [(p, i) for p, (_, sents) in paras.items() for i in range(len(sents))]
    retriever = bm25s.BM25()
    retriever.index(
        bm25s.tokenize([paras[p][1][i] for p, i in flat], stopwords="en", show_progress=False), show_progress=False
    )
    groups: list[Group] = []
    for line in (data / "squad2/questions_dev.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        pid = q["doc_ids"][0]
        if pid not in paras:
            continue
        title, sents = paras[pid]
        golds = [normalise(a) for a in q["answers"] if normalise(a)]
        holding = [i for i, s in enumerate(sents) if any(g in normalise(s) for g in golds)]
        if not q.get("unanswerable") and not holding:
            continue
        qwords = set(normalise(q["question"]).split())
        best = max(holding, key=lambda i: len(qwords & set(normalise(sents[i]).split()))) if holding else None
        cands = [pair_text(sents, i) for i in range(len(sents)) if i == best or i not in holding]
        positive = (
            None
            if q.get("unanswerable")
            else [i for i in range(len(sents)) if i == best or i not in holding].index(best)
        )
        rows, _ = retriever.retrieve(
            bm25s.tokenize([q["question"]], stopwords="en", show_progress=False), k=8, show_progress=False
        )
        others = [flat[r] for r in rows[0] if flat[r][0] != pid and paras[flat[r][0]][0] == title]
        others = [o for o in others if not any(g in normalise(paras[o[0]][1][o[1]]) for g in golds)]
        cands += [pair_text(paras[p][1], i) for p, i in others[:2]]
        groups.append(Group(q["question"], cands, positive, "squad2", q["answers"]))
    return groups


# The longest premise put before a question, in words.
PREMISE_WORDS = 30


def premise_groups(groups: list[Group], share: float, seed: int) -> list[Group]:
    """Quiz-style copies of a seeded `share` of the squad2 groups: a sentence of the candidates that does not answer
    goes before the question as its premise ("<premise> <question>"), as news quiz questions open with the story they
    ask about. That sentence stays a negative: the reader must answer the question, not match its premise."""
    rng = random.Random(seed)
    out = []
    for g in groups:
        if g.source != "squad2" or rng.random() >= share:
            continue
        sentences = [c.split(" [SEP] ")[0].strip() for c in g.candidates]
        # short premises: the pair must leave the passage room within the reader's 96 tokens
        others = [s for i, s in enumerate(sentences) if i != g.positive and len(s.split()) <= PREMISE_WORDS]
        if not others:
            continue
        premise = rng.choice(others)
        out.append(Group(f"{premise} {g.question}", g.candidates, g.positive, "squad2-premise", g.answers))
    return out


# --- cross-report questions -------------------------------------------------------------------------------------------

_STOP = frozenset(
    "a an the of to in on at for and or but is are was were be been by with from as that this it its his her their "
    "he she they we i you has have had will would said says not no than then there which who what when where "
    "how".split()
)


def _content(text: str) -> set[str]:
    return {w for w in normalise(text).split() if w not in _STOP and len(w) > 2}


def _inside_name(sentence: str, blank: Blank) -> bool:
    """The blank is part of a longer name or code ("Bank of [England]", "COVID-[19]", "[Food] and Drug
    Administration"): asking for it makes a question nothing answers."""
    before = sentence[max(0, blank.start - 5) : blank.start]
    after = sentence[blank.end : blank.end + 6]
    return bool(
        re.search(r"[-/]$|\b(?:of|and|&) $|[A-Z]\w* $", before)
        or re.match(r"^(?:[-/]|\s(?:of|and|&)\s[A-Z]|\s[A-Z])", after)
    )


def story_groups(articles: list[dict]) -> list[list[dict]]:
    """Articles retrieved for the same question (full_26k's `retrieved_for_question_id`): reports of one story,
    often by different outlets."""
    by: dict[str, list[dict]] = {}
    for a in articles:
        key = a.get("retrieved_for_question_id")
        if key:
            by.setdefault(key, []).append(a)
    return [v for _, v in sorted(by.items()) if len(v) >= 2]


def cross_groups(stories: list[list[dict]], per_story: int, seed: int) -> list[Group]:
    """Questions made from one report's sentence, asked of ANOTHER report of the same story.

    The question blanks a name, number or date out of a sentence of report A (as cloze_question does); the positive
    is the sentence of report B that holds the same answer and shares most of the question's content words, but is
    not a copy of A's sentence (word overlap under 0.6), so the reader must match a paraphrase, not a string. B's
    sentences without the answer are the negatives. A third of the questions are also asked of B with every
    sentence holding the answer removed: on topic, same story, no answer (a near-miss that must not be quoted)."""
    rng = random.Random(seed)
    groups: list[Group] = []
    for story in stories:
        split = [split_sentences(a["text"]) for a in story]
        made = 0
        tries = 0
        while made < per_story and tries < 10 * per_story:
            tries += 1
            a, b = rng.sample(range(len(story)), 2)
            sa, sb = split[a], split[b]
            usable = [s for s in sa if 60 <= len(s) <= 400 and blanks(s)]
            if not usable or len(sb) < 4:
                continue
            sentence = rng.choice(usable)
            blank = rng.choice(blanks(sentence))
            answer = sentence[blank.start : blank.end]
            if blank.wh == "where" or (blank.wh == "when" and answer[:3] in {"in ", "on "}):
                answer = answer[3:]
            key = normalise(answer)
            if len(key) < 2 or _inside_name(sentence, blank):
                continue
            question = cloze_question(sentence, blank, rng)
            if key in normalise(question) or len(normalise(question).split()) < 4:
                continue
            holding = [j for j, s in enumerate(sb) if f" {key} " in f" {normalise(s)} "]
            if not holding:
                continue
            qwords = _content(question)
            own = _content(sentence)
            best = max(holding, key=lambda j: len(qwords & _content(sb[j])))
            shared = qwords & _content(sb[best])
            copy = len(own & _content(sb[best])) / max(1, len(own | _content(sb[best])))
            if len(shared) < 3 or copy >= 0.6:
                continue
            others = [j for j in range(len(sb)) if j not in holding]
            rng.shuffle(others)
            negatives = [pair_text(sb, j) for j in others[:7]]
            if len(negatives) < 3:
                continue
            cands = [pair_text(sb, best), *negatives]
            order = list(range(len(cands)))
            rng.shuffle(order)
            groups.append(Group(question, [cands[k] for k in order], order.index(0), "cross", [answer]))
            misses = [pair_text(sb, j) for j in others[:7] if j - 1 not in holding]
            if rng.random() < 0.33 and len(misses) >= 3:
                groups.append(Group(question, misses, None, "cross-miss", [answer]))
            made += 1
    return groups
