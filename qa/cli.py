"""The `qa` command: argument parsing and printing only; the library does the work."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .config import Settings
from .corpus import read_articles
from .errors import QAError
from .models import GENRES, Answer, Article, Filters, ReadResult


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Ask questions of a news archive; answers are quotes.")
    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    arts = sub.add_parser("articles", help="list the articles read from files or folders")
    arts.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: corpus/)")
    arts.add_argument("--json", action="store_true", help="print one JSON array of articles with every field")
    arts.add_argument("--strict", action="store_true", help="exit non-zero when any warning was raised")
    build = sub.add_parser("build", help="build or update the search index")
    build.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: corpus/)")
    build.add_argument("--index", type=Path, default=None, metavar="DIR", help="index folder (default: index/)")
    build.add_argument(
        "--model",
        default=None,
        metavar="NAME_OR_PATH",
        help="sentence-transformers model folder (default: the shipped all-MiniLM-L6-v2)",
    )
    build.add_argument(
        "--ann",
        choices=["auto", "flat", "hnsw"],
        default=None,
        help="dense index: exact (flat), HNSW, or auto by size (default: auto)",
    )
    build.add_argument("--quiet", action="store_true", help="no progress bar and no warnings, only errors")
    ask = sub.add_parser("ask", help="answer a question with quotes from the index")
    ask.add_argument("question", help="the question, in quotes")
    ask.add_argument("--index", type=Path, default=None, metavar="DIR", help="index folder (default: index/)")
    ask.add_argument("--json", action="store_true", help="print the answer as JSON")
    ask.add_argument("--k", type=int, default=None, metavar="N", help="chunks to retrieve (default: 10)")
    ask.add_argument(
        "--genre",
        action="append",
        choices=list(GENRES),
        metavar="GENRE",
        help="only articles of this genre ('opinion' means the opinion family); repeatable",
    )
    ask.add_argument("--outlet", default=None, help="only articles of this outlet")
    ask.add_argument("--author", default=None, help="only articles with an author whose name contains this")
    ask.add_argument("--since", type=_date, default=None, metavar="YYYY-MM-DD", help="only articles from this date")
    ask.add_argument("--until", type=_date, default=None, metavar="YYYY-MM-DD", help="only articles up to this date")
    _as_of_option(ask)
    ev = sub.add_parser("eval", help="score the assistant against gold questions")
    what = ev.add_mutually_exclusive_group(required=True)
    what.add_argument("--gold", type=Path, default=None, metavar="FILE.jsonl", help="gold questions, one per line")
    what.add_argument(
        "--dialogues",
        type=Path,
        default=None,
        metavar="FILE.jsonl",
        help="gold dialogues: follow-up turns scored in conversation and asked standalone",
    )
    where = ev.add_mutually_exclusive_group()
    where.add_argument("--index", type=Path, default=None, metavar="DIR", help="an index to evaluate (default: index/)")
    where.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        default=None,
        metavar="PATH",
        help="build (or reuse, by fingerprint) an index of these paths in .qa-cache/",
    )
    ev.add_argument("--model", default=None, metavar="NAME_OR_PATH", help="model for a --corpus build")
    ev.add_argument("--retriever", choices=["hybrid", "dense", "bm25"], default="hybrid")
    ev.add_argument(
        "--fusion",
        choices=["convex", "rrf"],
        default=None,
        help="how hybrid fuses dense and BM25: weighted normalised scores or reciprocal ranks (default: convex)",
    )
    ev.add_argument(
        "--no-dates", action="store_true", help="ignore the questions' `date` (default: each is asked as of its date)"
    )
    ev.add_argument("--compare", action="store_true", help="also run BM25 alone and dense alone, side by side")
    ev.add_argument("--json", type=Path, default=None, metavar="OUT", help="write the report (and a recall plot)")
    ev.add_argument("--k", type=int, default=10, metavar="N", help="results per question (default: 10)")
    chat = sub.add_parser("chat", help="a terminal chat: follow-up questions resolve against the conversation")
    chat.add_argument("--index", type=Path, default=None, metavar="DIR", help="index folder (default: index/)")
    chat.add_argument("--k", type=int, default=None, metavar="N", help="chunks to retrieve (default: 10)")
    _as_of_option(chat)
    return parser


def _as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="ask as of this day: prefer the week before it"
    )


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


def _line(article: Article) -> str:
    author = ", ".join(article.authors) or "-"
    date = article.published.isoformat() if article.published else "-"
    return "\t".join([article.id, article.genre, author, article.outlet or "-", date, article.title])


def _print_articles(result: ReadResult, as_json: bool, out: TextIO) -> None:
    if as_json:
        json.dump([a.model_dump(mode="json") for a in result.articles], out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for article in result.articles:
            out.write(_line(article) + "\n")


def cmd_articles(args: argparse.Namespace) -> int:
    """List what was read; warnings go to stderr."""
    paths = args.paths or list(Settings().corpus_paths)
    result = read_articles(paths)
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    _print_articles(result, args.json, sys.stdout)
    if not args.json:
        print(f"{len(result.articles)} articles, {len(result.warnings)} warnings", file=sys.stderr)
    return 1 if args.strict and result.warnings else 0


class _Bars:
    """tqdm progress bars, one per build stage, on stderr."""

    def __init__(self) -> None:
        self.bars: dict[str, object] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        from tqdm import tqdm

        unit = {"read": "articles", "embed": "chunks"}.get(stage, "items")
        bar = self.bars.get(stage)
        if bar is None:
            bar = self.bars[stage] = tqdm(total=total, desc=stage, unit=f" {unit}", file=sys.stderr, leave=False)
        bar.update(done - bar.n)  # type: ignore[attr-defined]

    def close(self) -> None:
        for bar in self.bars.values():
            bar.close()  # type: ignore[attr-defined]


def cmd_build(args: argparse.Namespace) -> int:
    """Build or update the index and say what was done."""
    from .build import build_index

    overrides = {k: v for k, v in {"model": args.model, "ann": args.ann}.items() if v is not None}
    settings = Settings(**overrides)
    bars = None if args.quiet else _Bars()
    try:
        report = build_index(args.paths or list(settings.corpus_paths), args.index, settings, progress=bars)
    finally:
        if bars:
            bars.close()
    if not args.quiet:
        for warning in report.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    where = report.index_dir
    if report.up_to_date:
        print(f"{where} is up to date: nothing embedded ({report.articles} articles, {report.chunks} chunks).")
    else:
        print(
            f"{where}: {report.articles} articles, {report.chunks} chunks ({report.ann}); "
            f"embedded {report.embedded}, reused {report.reused}; articles added {report.added}, "
            f"changed {report.changed}, removed {report.removed}; {report.seconds:.1f}s."
        )
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question and print the quotes with their labels, or the JSON."""
    from .assistant import Assistant

    if args.k is not None and args.k <= 0:
        raise QAError(f"--k must be > 0, got {args.k}")
    filters = Filters(
        genres=tuple(args.genre or ()), outlet=args.outlet, author=args.author, since=args.since, until=args.until
    )
    answer = Assistant.load(args.index).ask(args.question, k=args.k, filters=filters, as_of=args.as_of)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    _print_answer(answer)
    return 0


def _print_answer(answer: Answer, out: TextIO | None = None) -> None:
    """The summary, then the quotes under their headings with labels and sources."""
    from .answer import group_quotes, unmatched_line

    out = out or sys.stdout
    print(answer.summary, file=out)
    if line := unmatched_line(answer):
        print(line, file=out)
    if answer.abstained:
        groups = [("Nearest passages (not an answer)", list(answer.nearby))] if answer.nearby else []
    else:
        groups = group_quotes(answer.quotes)
    for heading, quotes in groups:
        if len(groups) > 1 or answer.abstained:
            print(f"\n== {heading} ==", file=out)
        for quote in quotes:
            link = f" <{quote.url}>" if quote.url else ""
            print(f"\n{quote.label}\n    “{quote.text}”\n    — {quote.title}{link}", file=out)


CHAT_HELP = 'Ask about the articles; follow-ups work ("who wrote that?"). /new starts over, /quit or Ctrl-D ends.'


def cmd_chat(args: argparse.Namespace) -> int:
    """A read-eval-print loop over one Conversation, with readline history."""
    from .assistant import Assistant
    from .chat import Conversation

    with contextlib.suppress(ImportError):  # readline is not on every platform; the chat works without it
        import readline  # noqa: F401  (line editing and history for input())
    if args.k is not None and args.k <= 0:
        raise QAError(f"--k must be > 0, got {args.k}")
    assistant = Assistant.load(args.index)
    conversation = Conversation(as_of=args.as_of)
    print(CHAT_HELP)
    while True:
        try:
            question = input("\n> ").strip()
        except EOFError:
            print()
            return 0
        if question in ("/quit", "/exit"):
            return 0
        if question == "/new":
            conversation.reset()
            print("New conversation.")
            continue
        if not question:
            continue
        try:
            answer = assistant.ask(question, k=args.k, conversation=conversation)
        except QAError as exc:
            print(f"error: {exc}")
            continue
        if answer.standalone and answer.standalone != answer.question:
            print(f"(understood as: {answer.standalone})")
        _print_answer(answer)


def cmd_eval(args: argparse.Namespace) -> int:
    """Evaluate, print the table, and write the JSON report and plot when asked."""
    from .assistant import Assistant
    from .evaluate import compare, evaluate, plot_recall, read_gold, table

    if args.k <= 0:
        raise QAError(f"--k must be > 0, got {args.k}")
    if args.dialogues:
        return _eval_dialogues(args)
    gold = read_gold(args.gold)
    settings = _eval_settings(args)
    assistant = Assistant.load(_eval_index(args, settings), settings)
    dates = not args.no_dates
    reports = (
        compare(assistant, gold, args.k, dates)
        if args.compare
        else [evaluate(assistant, gold, args.k, args.retriever, dates)]
    )
    print(table(reports))
    if args.json:
        main_report = next(r for r in reports if r.retriever == args.retriever) if not args.compare else reports[-1]
        data = main_report.to_json()
        data["baselines"] = {r.retriever: r.to_json() for r in reports if r is not main_report}
        data["gold"] = str(args.gold)
        data["settings"] = settings.model_dump(
            mode="json",
            include={
                "model",
                "fusion",
                "dense_weight",
                "sparse_weight",
                "rrf_k",
                "abstain_below",
                "recency_days",
                "recency_weight",
            },
        ) | {"dates": dates}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        plot = args.json.with_suffix(".recall.png")
        plot_recall(reports, plot, args.gold.name)
        print(f"wrote {args.json} and {plot}", file=sys.stderr)
    return 0


def _eval_dialogues(args: argparse.Namespace) -> int:
    from .assistant import Assistant
    from .dialogues import dialogue_table, evaluate_dialogues, read_dialogues

    dialogues = read_dialogues(args.dialogues)
    settings = _eval_settings(args)
    assistant = Assistant.load(_eval_index(args, settings), settings)
    report = evaluate_dialogues(assistant, dialogues, args.k)
    print(dialogue_table(report))
    if args.json:
        data = report.to_json() | {"dialogues_file": str(args.dialogues)}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def _eval_settings(args: argparse.Namespace) -> Settings:
    """Settings for `qa eval`: the defaults, with --model and --fusion when given."""
    chosen = {"model": args.model, "fusion": args.fusion}
    return Settings(**{name: value for name, value in chosen.items() if value is not None})


def _eval_index(args: argparse.Namespace, settings: Settings) -> Path | None:
    """The index to evaluate: --index, or one built (or reused) for --corpus in the cache."""
    if not args.corpus:
        return args.index
    from .build import build_index
    from .evaluate import cache_dir_for

    index_dir = cache_dir_for(args.corpus, settings)
    report = build_index(args.corpus, index_dir, settings, progress=_Bars())
    print(
        f"index {index_dir}: {report.articles} articles, {report.chunks} chunks"
        + (" (reused)" if report.up_to_date else ""),
        file=sys.stderr,
    )
    return index_dir


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return {
            "articles": cmd_articles,
            "build": cmd_build,
            "ask": cmd_ask,
            "eval": cmd_eval,
            "chat": cmd_chat,
        }[args.command](args)
    except QAError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader of our output (head, less) went away; that is not an error of ours.
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
