"""Gold questions -> EvalReport: retrieval and answers scored apart. Metric functions are small and pure."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, ValidationError, field_validator

from ..assistant import Assistant
from ..config import Settings
from ..errors import QAError
from ..ingest.readers.fields import parse_date
from ..models import Answer, Article, Record
from ..search.embed import model_name
from ..search.retrieve import Mode
from .metrics import (
    answer_in_quotes,
    first_gold_rank,
    genre_family,
    mean,
    percentile,
    prf,
    quote_fidelity,
    quote_precision,
    rounded,
)

RECALL_KS = tuple(range(1, 11))
R = TypeVar("R", bound=Record)


class GoldError(QAError):
    """A gold file is missing or has a malformed line; the message names the line."""


class GoldQuestion(Record):
    """One gold question, as ../shared/data/README.md describes it; extra fields are ignored."""

    id: str
    question: str
    answers: tuple[str, ...] = ()
    unanswerable: bool = False
    doc_ids: tuple[str, ...] = ()
    genre: str | None = None
    # The day the question was asked (news_qa: "2022/06/16"); `qa eval` asks it as of that day.
    date: dt.date | None = None

    @field_validator("date", mode="before")
    @classmethod
    def _loose_date(cls, value: object) -> object:
        if value is None or isinstance(value, dt.date):
            return value
        parsed = parse_date(value)
        if parsed is None:
            raise ValueError(f"not a date: {str(value)[:40]!r}")
        return parsed


class EvalReport(Record):
    """The scores of one retriever on one gold set; `to_json()` gives the documented keys."""

    retriever: str
    # What chose the quotes: "hand-set" or the reader's name ("default", a folder).
    scorer: str = "hand-set"
    questions: int
    answerable: int
    unanswerable: int
    recall: dict[int, float | None]
    mrr: float | None
    answer_in_quote_1: float | None
    answer_in_quote_3: float | None
    quote_precision: float | None = None
    genre_accuracy: float | None
    abstention_precision: float | None
    abstention_recall: float | None
    abstention_f1: float | None
    quote_fidelity: float | None
    latency_ms_p50: float
    latency_ms_p95: float
    failures: tuple[dict[str, object], ...] = Field(default=())

    @property
    def column(self) -> str:
        """The report's name in a table and among baselines: the retriever ("hybrid" with the hand-set scorer),
        or "reader" for the full pipeline choosing quotes with a reader."""
        return "reader" if self.retriever == "hybrid" and self.scorer != "hand-set" else self.retriever

    def to_json(self) -> dict[str, object]:
        """The report with the keys `qa eval --json` promises."""
        out: dict[str, object] = {
            "retriever": self.retriever,
            "scorer": self.scorer,
            "questions": self.questions,
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
        }
        out |= {f"recall@{k}": self.recall.get(k) for k in (1, 5, 10)}
        out |= {
            "recall_curve": {str(k): v for k, v in self.recall.items()},
            "mrr": self.mrr,
            "answer_in_quote@1": self.answer_in_quote_1,
            "answer_in_quote@3": self.answer_in_quote_3,
            "quote_precision": self.quote_precision,
            "genre_accuracy": self.genre_accuracy,
            "abstention_precision": self.abstention_precision,
            "abstention_recall": self.abstention_recall,
            "abstention_f1": self.abstention_f1,
            "quote_fidelity": self.quote_fidelity,
            "latency_ms_p50": self.latency_ms_p50,
            "latency_ms_p95": self.latency_ms_p95,
            "failures": list(self.failures),
        }
        return out


def read_jsonl(
    path: Path, model: type[R], error: type[QAError], what: str, pick: Callable[[dict[str, Any]], dict[str, Any]]
) -> list[R]:
    """Records of `model` from a JSONL file, one per non-blank line; `pick` selects the fields of each object.
    A malformed line is an `error` naming the file, the line and, for a bad value, the field."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: cannot read the {what.split()[0]} file ({exc})") from exc
    out = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise error(f"{path}:{number}: expected a JSON object, got {type(raw).__name__}")
            out.append(model.model_validate(pick(raw)))
        except json.JSONDecodeError as exc:
            raise error(f"{path}:{number}: invalid JSON ({exc.msg})") from exc
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise error(f"{path}:{number}: field '{where}': {err['msg']}") from exc
    if not out:
        raise error(f"{path}: no {what}s")
    return out


def read_gold(path: Path) -> list[GoldQuestion]:
    """Gold questions from a JSONL file; a malformed line is a GoldError naming it."""

    def pick(raw: dict[str, Any]) -> dict[str, Any]:
        return {k: raw[k] for k in GoldQuestion.model_fields if k in raw and raw[k] is not None}

    return read_jsonl(path, GoldQuestion, GoldError, "gold question", pick)


def _run(
    assistant: Assistant, gold: list[GoldQuestion], k: int, retriever: Mode, dates: bool
) -> list[tuple[Answer, float]]:
    out = []
    for g in gold:
        start = time.perf_counter()
        answer = assistant.ask(g.question, k=k, retriever=retriever, as_of=g.date if dates else None)
        out.append((answer, (time.perf_counter() - start) * 1000))
    return out


def evaluate(
    assistant: Assistant, gold: list[GoldQuestion], k: int = 10, retriever: Mode = "hybrid", dates: bool = True
) -> EvalReport:
    """Ask every gold question one at a time and score retrieval, quotes, genre, abstention and latency.

    A question with a `date` is asked as of that day (`Assistant.ask(as_of=...)`) unless `dates` is False."""
    runs = _run(assistant, gold, k, retriever, dates)
    cache: dict[str, Article] = {}

    def art(aid: str) -> Article:
        if aid not in cache and (a := assistant.article(aid)):
            cache[aid] = a
        return cache[aid]

    ranks: list[int | None] = []
    aiq1: list[bool] = []
    aiq3: list[bool] = []
    genre_ok: list[bool] = []
    answered: list[tuple[tuple[str, ...], list[str]]] = []
    failures: list[dict[str, object]] = []
    for g, (answer, _) in zip(gold, runs, strict=True):
        texts = [q.text for q in answer.quotes]
        if not g.unanswerable:
            if g.doc_ids:
                ranks.append(first_gold_rank(g.doc_ids, [art(a) for a in answer.articles]))
            aiq1.append(answer_in_quotes(g.answers, texts, 1))
            aiq3.append(answer_in_quotes(g.answers, texts, 3))
            if not answer.abstained:
                answered.append((g.answers, texts))
        if g.genre:
            genre_ok.append(bool(answer.quotes) and genre_family(answer.quotes[0].genre) == genre_family(g.genre))
        wrong = answer.abstained != g.unanswerable or (not g.unanswerable and not aiq3[-1])
        if wrong or (g.genre and not genre_ok[-1]):
            failures.append(
                {
                    "id": g.id,
                    "question": g.question,
                    "expected": "abstain" if g.unanswerable else list(g.answers),
                    "expected_genre": g.genre,
                    "got": "abstained" if answer.abstained else texts[:3],
                    "got_genre": answer.quotes[0].genre if answer.quotes else None,
                }
            )
    quotes = [q for answer, _ in runs for q in (*answer.quotes, *answer.nearby)]
    p, r, f = prf([a.abstained for a, _ in runs], [g.unanswerable for g in gold])
    latencies = [ms for _, ms in runs]
    return EvalReport(
        retriever=retriever,
        scorer=assistant.scorer,
        questions=len(gold),
        answerable=sum(not g.unanswerable for g in gold),
        unanswerable=sum(g.unanswerable for g in gold),
        recall={n: mean([x is not None and x <= n for x in ranks]) for n in RECALL_KS},
        mrr=mean([1 / x if x else 0.0 for x in ranks]),
        answer_in_quote_1=mean(aiq1),
        answer_in_quote_3=mean(aiq3),
        quote_precision=quote_precision(answered),
        genre_accuracy=mean(genre_ok),
        abstention_precision=rounded(p),
        abstention_recall=rounded(r),
        abstention_f1=rounded(f),
        quote_fidelity=quote_fidelity(quotes, {q.article_id: art(q.article_id) for q in quotes}),
        latency_ms_p50=round(percentile(latencies, 50), 1),
        latency_ms_p95=round(percentile(latencies, 95), 1),
        failures=tuple(failures),
    )


def compare(assistant: Assistant, gold: list[GoldQuestion], k: int = 10, dates: bool = True) -> list[EvalReport]:
    """BM25 alone, dense alone and the full pipeline on the same questions, in one run; with a reader, the full
    pipeline twice: with the hand-set scorer, then with the reader (the last report)."""
    reports = [evaluate(assistant, gold, k, mode, dates) for mode in ("bm25", "dense")]
    if assistant.builder.reader is not None:
        reports.append(evaluate(assistant.with_reader(None), gold, k, "hybrid", dates))
    return [*reports, evaluate(assistant, gold, k, "hybrid", dates)]


ROWS = (
    "questions",
    "recall@1",
    "recall@5",
    "recall@10",
    "mrr",
    "answer_in_quote@1",
    "answer_in_quote@3",
    "quote_precision",
    "genre_accuracy",
    "abstention_precision",
    "abstention_recall",
    "abstention_f1",
    "quote_fidelity",
    "latency_ms_p50",
    "latency_ms_p95",
)


def table(reports: Sequence[EvalReport]) -> str:
    """A plain-text table, one column per retriever."""
    data = [r.to_json() for r in reports]
    head = f"{'metric':22}" + "".join(f"{r.column:>10}" for r in reports)
    lines = [head, "-" * len(head)]
    for row in ROWS:
        cells = "".join(f"{'-' if d[row] is None else format(d[row], 'g'):>10}" for d in data)
        lines.append(f"{row:22}{cells}")
    return "\n".join(lines)


def plot_recall(reports: Sequence[EvalReport], path: Path, title: str) -> None:
    """recall@k for k = 1..10, one line per retriever, as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5), dpi=120)
    for r in reports:
        ks = [k for k in RECALL_KS if r.recall.get(k) is not None]
        ax.plot(ks, [float(r.recall[k] or 0.0) for k in ks], marker="o", label=r.retriever)
    ax.set(xlabel="k (distinct articles)", ylabel="recall@k", title=title, ylim=(0, 1.02), xticks=list(RECALL_KS))
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def cache_dir_for(paths: Sequence[Path], settings: Settings) -> Path:
    """The cache folder of an evaluation index for these paths and this model."""
    key = json.dumps([sorted(str(Path(p).resolve()) for p in paths), model_name(settings.model, settings.encoder)])
    return settings.cache_dir / f"eval-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def first_lines(src: Path, n: int, folder: Path) -> Path:
    """A file in `folder` holding the first `n` lines of `src` (written once), e.g. the distractors of the news_qa
    evaluation corpus: the first 1,000 articles of sample_5k."""
    out = folder / f"{src.stem}-first-{n}{src.suffix}"
    if not out.exists():
        folder.mkdir(parents=True, exist_ok=True)
        with src.open(encoding="utf-8") as fh:
            out.write_text("".join(line for _, line in zip(range(n), fh, strict=False)), encoding="utf-8")
    return out
