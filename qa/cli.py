"""The `qa` command: argument parsing and printing only; the library does the work."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from . import __version__
from .config import Settings
from .corpus import read_articles
from .errors import QAError
from .models import Article, ReadResult


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Ask questions of a news archive; answers are quotes.")
    parser.add_argument("--version", action="version", version=f"qa {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    arts = sub.add_parser("articles", help="list the articles read from files or folders")
    arts.add_argument("paths", nargs="*", type=Path, metavar="PATH", help="files or folders (default: corpus/)")
    arts.add_argument("--json", action="store_true", help="print one JSON array of articles with every field")
    arts.add_argument("--strict", action="store_true", help="exit non-zero when any warning was raised")
    return parser


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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return {"articles": cmd_articles}[args.command](args)
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
