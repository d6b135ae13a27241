"""The commands of `qa`: each runs the library for its arguments and prints the result; nothing else prints."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import TextIO

from ..answers.templates import NEARBY_HEADING, corroboration_lines, group_quotes, line_text, unmatched_line
from ..config import Settings
from ..errors import QAError
from ..ingest.corpus import read_articles
from ..models import Answer, Article, Filters, ReadResult
from ..search.backend import Location


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


class Bars:
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
    from ..search.build import build_index

    chosen = {"model": args.model, "ann": args.ann, "encoder": args.encoder}
    overrides = {k: v for k, v in chosen.items() if v is not None}
    settings = Settings(**overrides)
    bars = None if args.quiet else Bars()
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
        if report.updated:
            print(
                f"{report.updated} articles with the same text but a new record (fields or genre label) "
                "rewritten without embedding."
            )
        if report.reweighted and report.avgdl_before and report.avgdl_after:
            moved = (report.avgdl_after - report.avgdl_before) / report.avgdl_before
            print(
                f"BM25 weights of {report.reweighted} chunks rewritten: the average chunk length moved {moved:+.1%} "
                f"({report.avgdl_before:.1f} -> {report.avgdl_after:.1f} terms)."
            )
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """Answer one question and print the quotes with their labels, or the JSON."""
    from ..assistant import Assistant

    if args.k is not None and args.k <= 0:
        raise QAError(f"--k must be > 0, got {args.k}")
    filters = Filters(
        genres=tuple(args.genre or ()), outlet=args.outlet, author=args.author, since=args.since, until=args.until
    )
    assistant = Assistant.load(args.index, Settings(quote_margin=args.quote_margin))
    answer = assistant.ask(args.question, k=args.k, filters=filters, as_of=args.as_of)
    if args.json:
        print(answer.model_dump_json(indent=2))
        return 0
    _print_answer(answer)
    return 0


def _print_answer(answer: Answer, out: TextIO | None = None) -> None:
    """The summary, then the quotes under their headings with labels and sources."""
    out = out or sys.stdout
    print(answer.summary, file=out)
    if line := unmatched_line(answer):
        print(line, file=out)
    if answer.abstained:
        groups = [(NEARBY_HEADING, list(answer.nearby))] if answer.nearby else []
    else:
        groups = group_quotes(answer.quotes)
    for heading, quotes in groups:
        if len(groups) > 1 or answer.abstained:
            print(f"\n== {heading} ==", file=out)
        for quote in quotes:
            link = f" <{quote.url}>" if quote.url else ""
            print(f"\n{quote.label}\n    “{quote.text}”\n    — {quote.title}{link}", file=out)
            for row in corroboration_lines(quote):
                print(f"    {line_text(row)}", file=out)
                for text, url in row.items:
                    if url:
                        print(f"      {text}: <{url}>", file=out)


CHAT_HELP = 'Ask about the articles; follow-ups work ("who wrote that?"). /new starts over, /quit or Ctrl-D ends.'


def cmd_chat(args: argparse.Namespace) -> int:
    """A read-eval-print loop over one Conversation, with readline history."""
    from ..assistant import Assistant
    from ..chat import Conversation

    with contextlib.suppress(ImportError):  # readline is not on every platform; the chat works without it
        import readline  # noqa: F401  (line editing and history for input())
    if args.k is not None and args.k <= 0:
        raise QAError(f"--k must be > 0, got {args.k}")
    assistant = Assistant.load(args.index, Settings(quote_margin=args.quote_margin))
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
    from ..assistant import Assistant
    from ..evaluation.gold import compare, evaluate, plot_recall, read_gold, table

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
        main_report = reports[-1]
        data = main_report.to_json()
        data["baselines"] = {r.column: r.to_json() for r in reports if r is not main_report}
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
                "reader",
                "reader_depth",
                "quote_threshold",
                "quote_margin",
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
    from ..assistant import Assistant
    from ..evaluation.dialogues import dialogue_table, evaluate_dialogues, read_dialogues

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
    """Settings for `qa eval`: the defaults, with --model, --fusion, --encoder, --quote-margin and --reader when
    given."""
    chosen = {
        "model": args.model,
        "fusion": args.fusion,
        "encoder": getattr(args, "encoder", None),
        "quote_margin": getattr(args, "quote_margin", None),
    }
    settings = Settings(**{name: value for name, value in chosen.items() if value is not None})
    reader = getattr(args, "reader", None)
    if reader is not None:
        settings = settings.model_copy(update={"reader": None if reader.lower() == "none" else reader})
    return settings


def _eval_index(args: argparse.Namespace, settings: Settings) -> Location | None:
    """The index to evaluate: --index, or one built (or reused) for --corpus in the cache."""
    if not args.corpus:
        return args.index
    from ..evaluation.gold import cache_dir_for
    from ..search.build import build_index

    index_dir = cache_dir_for(args.corpus, settings)
    report = build_index(args.corpus, index_dir, settings, progress=Bars())
    print(
        f"index {index_dir}: {report.articles} articles, {report.chunks} chunks"
        + (" (reused)" if report.up_to_date else ""),
        file=sys.stderr,
    )
    return index_dir
