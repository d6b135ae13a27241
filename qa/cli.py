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


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return {"articles": cmd_articles, "build": cmd_build}[args.command](args)
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
