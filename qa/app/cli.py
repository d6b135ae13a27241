"""The `qa` command: argument parsing and dispatch only; the commands are in qa.app.commands."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from pathlib import Path

from .. import __version__
from ..errors import QAError
from ..models import GENRES
from ..search.backend import location
from ..search.embed import ENCODERS
from .commands import cmd_articles, cmd_ask, cmd_build, cmd_chat, cmd_eval

INDEX_HELP = "index folder, or a PostgreSQL database as postgresql://user@host:port/db (default: index/)"


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
    build.add_argument("--index", type=location, default=None, metavar="DIR|URI", help=INDEX_HELP)
    build.add_argument(
        "--model",
        default=None,
        metavar="NAME_OR_PATH",
        help="sentence-transformers model folder (default: the shipped all-MiniLM-L6-v2)",
    )
    build.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=None,
        help="how the model runs: torch fp32, torch bf16, ONNX Runtime fp32 or int8 (default: see docs/performance.md)",
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
    ask.add_argument("--index", type=location, default=None, metavar="DIR|URI", help=INDEX_HELP)
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
    quote_margin_option(ask)
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
    where.add_argument(
        "--index", type=location, default=None, metavar="DIR|URI", help="an index to evaluate: " + INDEX_HELP
    )
    where.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        default=None,
        metavar="PATH",
        help="build (or reuse, by fingerprint) an index of these paths in .qa-cache/",
    )
    ev.add_argument("--model", default=None, metavar="NAME_OR_PATH", help="model for a --corpus build")
    ev.add_argument(
        "--encoder",
        choices=ENCODERS,
        default=None,
        help="encoder for a --corpus build",
    )
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
    ev.add_argument(
        "--reader",
        default=None,
        metavar="default|none|PATH",
        help="what picks the quotes: the shipped reader (default), the hand-set scorer (none, and when --reader "
        "is not given), or a local cross-encoder folder",
    )
    quote_margin_option(ev)
    ev.add_argument(
        "--compare",
        action="store_true",
        help="also run BM25 alone, dense alone and (with a reader) the hand-set scorer, side by side",
    )
    ev.add_argument("--json", type=Path, default=None, metavar="OUT", help="write the report (and a recall plot)")
    ev.add_argument("--k", type=int, default=10, metavar="N", help="results per question (default: 10)")
    chat = sub.add_parser("chat", help="a terminal chat: follow-up questions resolve against the conversation")
    chat.add_argument("--index", type=location, default=None, metavar="DIR|URI", help=INDEX_HELP)
    chat.add_argument("--k", type=int, default=None, metavar="N", help="chunks to retrieve (default: 10)")
    _as_of_option(chat)
    quote_margin_option(chat)
    return parser


def _as_of_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as-of", type=_date, default=None, metavar="YYYY-MM-DD", help="ask as of this day: prefer the week before it"
    )


def quote_margin_option(parser: argparse.ArgumentParser) -> None:
    """--quote-margin M (qa ask, chat and eval; the web app)."""
    parser.add_argument(
        "--quote-margin",
        type=_margin,
        default=None,
        metavar="M",
        help="show a second or third quote only when it scores within M of the first (default: up to three)",
    )


def _margin(value: str) -> float:
    try:
        margin = float(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {value!r}") from exc
    if not margin >= 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return margin


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from exc


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
