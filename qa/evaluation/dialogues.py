"""Dialogue evaluation: follow-up turns scored in conversation and, as the reference, asked standalone.

A dialogue file holds one JSON object per line: `{"id", "turns": [{"q", "answers": [...], "genre"?,
"unanswerable"?, "standalone"?, "follow_up"?}]}`. `standalone` is the turn rewritten by hand so that it stands on
its own; `follow_up` (default: every turn after the first) says whether the turn depends on the earlier ones.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from pydantic import Field

from ..assistant import Assistant
from ..chat import Conversation
from ..errors import QAError
from ..models import Answer, Record
from .gold import read_jsonl
from .metrics import answer_in_quotes, genre_family, mean, percentile, prf


class DialogueError(QAError):
    """A dialogue file is missing or has a malformed line; the message names the line."""


class GoldTurn(Record):
    """One turn of a gold dialogue."""

    q: str
    answers: tuple[str, ...] = ()
    genre: str | None = None
    unanswerable: bool = False
    standalone: str | None = None
    follow_up: bool | None = None


class Dialogue(Record):
    """A gold dialogue: turns asked in order in one conversation."""

    id: str
    turns: tuple[GoldTurn, ...] = Field(min_length=1)


def read_dialogues(path: Path) -> list[Dialogue]:
    """Dialogues from a JSONL file; a malformed line is a DialogueError naming it."""

    def pick(raw: dict[str, Any]) -> dict[str, Any]:
        turns = [t for t in raw.get("turns") or [] if isinstance(t, dict)]
        return {
            "id": raw.get("id"),
            "turns": [{k: v for k, v in t.items() if k in GoldTurn.model_fields} for t in turns],
        }

    return read_jsonl(path, Dialogue, DialogueError, "dialogue", pick)


def turn_right(turn: GoldTurn, answer: Answer) -> bool:
    """A turn is right when it abstains exactly when it should, its answer is in the first three quotes (or, for a
    question about a source, in the metadata answer), and the genre of its top source is the expected one."""
    if turn.unanswerable:
        return answer.abstained
    if answer.abstained:
        return False
    found = answer_in_quotes(turn.answers, [q.text for q in answer.quotes], 3) or (
        bool(answer.sources) and answer_in_quotes(turn.answers, [answer.summary], 1)
    )
    return found and genre_right(turn, answer) is not False


def genre_right(turn: GoldTurn, answer: Answer) -> bool | None:
    """Whether the top quote's (or source's) genre is the expected one; None when no genre is expected."""
    if not turn.genre:
        return None
    top = answer.quotes[0].genre if answer.quotes else (answer.sources[0].genre if answer.sources else None)
    return top is not None and genre_family(top) == genre_family(turn.genre)


class DialogueReport(Record):
    """Turn-level scores of dialogues asked in conversation, with the standalone rewrites as the reference."""

    dialogues: int
    turns: int
    follow_up_turns: int
    answer_in_quote_3: float | None
    genre_accuracy: float | None
    abstention_precision: float | None
    abstention_recall: float | None
    abstention_f1: float | None
    follow_up_right: float | None
    dialogues_all_right: float | None
    standalone_answer_in_quote_3: float | None
    standalone_follow_up_right: float | None
    latency_ms_p50: float
    latency_ms_p95: float
    failures: tuple[dict[str, object], ...] = ()

    def to_json(self) -> dict[str, object]:
        """The report as `qa eval --dialogues --json` writes it."""
        data = self.model_dump()
        data["answer_in_quote@3"] = data.pop("answer_in_quote_3")
        data["standalone_answer_in_quote@3"] = data.pop("standalone_answer_in_quote_3")
        data["failures"] = list(self.failures)
        return data


def evaluate_dialogues(assistant: Assistant, dialogues: list[Dialogue], k: int = 10) -> DialogueReport:
    """Ask each dialogue's turns in one new conversation, then each turn's standalone rewrite on its own."""
    aiq: list[bool] = []
    ref_aiq: list[bool] = []
    genres: list[bool] = []
    follow: list[bool] = []
    ref_follow: list[bool] = []
    predicted: list[bool] = []
    actual: list[bool] = []
    whole: list[bool] = []
    latencies: list[float] = []
    failures: list[dict[str, object]] = []
    for dialogue in dialogues:
        conversation = Conversation()
        all_right = True
        for i, turn in enumerate(dialogue.turns):
            start = time.perf_counter()
            answer = assistant.ask(turn.q, k=k, conversation=conversation)
            latencies.append((time.perf_counter() - start) * 1000)
            right = turn_right(turn, answer)
            reference = assistant.ask(turn.standalone, k=k, conversation=Conversation()) if turn.standalone else None
            is_follow_up = turn.follow_up if turn.follow_up is not None else i > 0
            predicted.append(answer.abstained)
            actual.append(turn.unanswerable)
            if not turn.unanswerable:
                aiq.append(right)
                if reference is not None:
                    ref_aiq.append(turn_right(turn, reference))
            if (g := genre_right(turn, answer)) is not None:
                genres.append(g)
            if is_follow_up:
                follow.append(right)
                if reference is not None:
                    ref_follow.append(turn_right(turn, reference))
            all_right = all_right and right
            if not right:
                failures.append(
                    {
                        "dialogue": dialogue.id,
                        "turn": i + 1,
                        "question": turn.q,
                        "understood_as": answer.standalone,
                        "expected": "abstain" if turn.unanswerable else list(turn.answers),
                        "got": "abstained" if answer.abstained else [q.text for q in answer.quotes[:3]],
                        "summary": answer.summary,
                    }
                )
        whole.append(all_right)
    p, r, f = prf(predicted, actual)
    return DialogueReport(
        dialogues=len(dialogues),
        turns=len(predicted),
        follow_up_turns=len(follow),
        answer_in_quote_3=mean(aiq),
        genre_accuracy=mean(genres),
        abstention_precision=None if p is None else round(p, 4),
        abstention_recall=None if r is None else round(r, 4),
        abstention_f1=None if f is None else round(f, 4),
        follow_up_right=mean(follow),
        dialogues_all_right=mean(whole),
        standalone_answer_in_quote_3=mean(ref_aiq),
        standalone_follow_up_right=mean(ref_follow),
        latency_ms_p50=round(percentile(latencies, 50), 1),
        latency_ms_p95=round(percentile(latencies, 95), 1),
        failures=tuple(failures),
    )


def dialogue_table(report: DialogueReport) -> str:
    """The report as an aligned table: in conversation beside the standalone reference."""

    def fmt(x: float | None) -> str:
        return "-" if x is None else f"{x:.3f}"

    rows = [
        ("dialogues / turns / follow-ups", f"{report.dialogues} / {report.turns} / {report.follow_up_turns}", ""),
        ("answer_in_quote@3", fmt(report.answer_in_quote_3), fmt(report.standalone_answer_in_quote_3)),
        ("follow-up turns right", fmt(report.follow_up_right), fmt(report.standalone_follow_up_right)),
        ("dialogues with every turn right", fmt(report.dialogues_all_right), ""),
        ("genre_accuracy", fmt(report.genre_accuracy), ""),
        (
            "abstention P / R / F1",
            " / ".join(fmt(x) for x in (report.abstention_precision, report.abstention_recall, report.abstention_f1)),
            "",
        ),
        ("latency ms p50 / p95", f"{report.latency_ms_p50:.0f} / {report.latency_ms_p95:.0f}", ""),
    ]
    width = max(len(r[0]) for r in rows)
    lines = [f"{'':{width}}  {'conversation':>24}  {'standalone (reference)':>22}"]
    lines += [f"{name:{width}}  {a:>24}  {b:>22}" for name, a, b in rows]
    return "\n".join(lines)
