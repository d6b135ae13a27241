"""The web chat over corpus/: `python app.py [--index DIR|URI] [--corpus PATH ...] [--host H] [--port N]
[--quote-margin M]`.

Builds (or updates) the index first, with progress, then serves the chat on http://HOST:PORT.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from qa.app.cli import INDEX_HELP, quote_margin_option
from qa.app.commands import Bars
from qa.app.render import CSS
from qa.app.web import ChatApp, build_app
from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import QAError
from qa.search.backend import is_database, location, redact
from qa.search.build import build_index

ROOT = Path(__file__).resolve().parent


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="The web chat: answers are quotes from the articles.")
    ap.add_argument("--index", type=location, default=None, metavar="DIR|URI", help=INDEX_HELP)
    ap.add_argument(
        "--search-replica",
        default=None,
        metavar="URI",
        help="with a database --index: send searches to this read replica (writes go to --index)",
    )
    ap.add_argument(
        "--corpus",
        type=Path,
        nargs="+",
        default=None,
        metavar="PATH",
        help="articles to index before serving (default: corpus/ when --index is not given)",
    )
    ap.add_argument("--no-build", action="store_true", help="serve the index as it is, without building")
    ap.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    ap.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    quote_margin_option(ap)
    args = ap.parse_args(argv)
    # Without --index the app serves corpus/ from index/; with --index alone it serves that index as it is.
    corpus = args.corpus or ([] if args.index else [ROOT / "corpus"])
    args.index = args.index or ROOT / "index"
    settings = Settings(search_replica=args.search_replica, quote_margin=args.quote_margin)
    shown = redact(args.index) if is_database(args.index) else args.index
    assistant, problem = None, None
    try:
        if corpus and not args.no_build:
            print(f"Building the index of {', '.join(map(str, corpus))} in {shown} ...", file=sys.stderr)
            report = build_index(corpus, args.index, settings, progress=Bars())
            print(f"Index ready: {report.articles} articles, {report.chunks} chunks.", file=sys.stderr)
        assistant = Assistant.load(args.index, settings)
    except QAError as exc:  # the app still starts and says what is wrong in the chat
        problem = f"No index can be opened: {exc}"
        print(problem, file=sys.stderr)
    demo = build_app(ChatApp(assistant, problem))
    print(f"Serving on http://{args.host}:{args.port}", file=sys.stderr)
    demo.queue(default_concurrency_limit=8).launch(
        server_name=args.host, server_port=args.port, css=CSS, show_error=False, footer_links=["api"]
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
