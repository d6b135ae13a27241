"""What only the PostgreSQL backend has: its metadata row, parameters-only SQL, passwords kept out of messages,
BM25 statistics kept true across updates, read replicas, several processes, and killed builds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest
from conftest import CORPUS, ROOT, create_database

from qa.assistant import Assistant
from qa.config import Settings
from qa.errors import DatabaseError, IndexBusy, IndexMismatch, IndexNotBuilt
from qa.models import Filters
from qa.search.backend import is_database, location, open_index, redact
from qa.search.build import build_index
from qa.search.chunk import chunk_articles
from qa.search.embed import HashEmbedder
from qa.search.pg.schema import BUILD_LOCK

pytestmark = pytest.mark.postgres
EMB = HashEmbedder(64)
SETTINGS = Settings(model="hash-64", reader=None)
INJECTIONS = [
    "'; DROP TABLE qa_chunks; --",
    "x' OR '1'='1",
    "%s %(a)s {0} $1",
    'Robert"); DELETE FROM qa_articles; --',
    "\\'; SELECT pg_sleep(5); --",
]


def _records(n: int, tag: str = "r", sentences: int = 6) -> str:
    return "".join(
        json.dumps(
            {
                "id": f"{tag}{i}",
                "title": f"Report {tag}{i}",
                "text": " ".join(
                    f"Sentence {j} of report {tag}{i} says harbour {i % 13} saw {j + i} ships in town {j}."
                    for j in range(sentences)
                ),
                "outlet": f"Outlet {i % 3}",
                "section": "News",
            }
        )
        + "\n"
        for i in range(n)
    )


def _check_consistent(uri: str) -> None:
    """Document frequencies and totals equal what the chunks hold; every article's chunks are all there."""
    with psycopg.connect(uri) as con:
        df = dict(
            con.execute(
                "SELECT t.id, t.df FROM qa_terms t WHERE t.df <> 0 OR EXISTS (SELECT 1 FROM qa_bm25 c "
                "WHERE t.id = ANY(c.lex))"
            ).fetchall()
        )
        actual = dict(con.execute("SELECT u, count(*) FROM qa_bm25, unnest(lex) u GROUP BY u").fetchall())
        assert df == actual
        n, total = con.execute("SELECT n_chunks, total_length FROM qa_meta").fetchone()
        assert (n, total) == con.execute("SELECT count(*), coalesce(sum(length), 0) FROM qa_bm25").fetchone()
        assert n == con.execute("SELECT count(*) FROM qa_chunks").fetchone()[0]
    index = open_index(uri)
    try:
        for article in index.articles():
            expected = chunk_articles([article], SETTINGS)
            got = [c for _, c in index.chunks_of(article.id)]
            assert got == expected, f"article {article.id} is half written"
    finally:
        index.close()


def test_metadata_row_is_checked_on_open(pg_uri: str) -> None:
    with pytest.raises(IndexNotBuilt, match="no index in postgresql://"):
        open_index(pg_uri)
    build_index([CORPUS], pg_uri, SETTINGS)
    with pytest.raises(IndexMismatch, match="built with model 'hash-64'"):
        open_index(pg_uri, model="hash-32")
    with pytest.raises(IndexMismatch, match="holds an index built with model 'hash-64'"):
        build_index([CORPUS], pg_uri, Settings(model="hash-32"))
    with psycopg.connect(pg_uri) as con:
        con.execute("UPDATE qa_meta SET format_version = 99")
    with pytest.raises(IndexMismatch, match="format version 99"):
        open_index(pg_uri)


def test_injection_strings_are_only_values(pg_uri: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    # Article text and metadata full of SQL too: stored and returned verbatim.
    (src / "x.jsonl").write_text(
        "".join(
            json.dumps(
                {
                    "id": f"inj{i}",
                    "title": s,
                    "text": f"The council said {s} was typed into the form.",
                    "outlet": s,
                    "author": s,
                }
            )
            + "\n"
            for i, s in enumerate(INJECTIONS)
        )
    )
    build_index([CORPUS, src], pg_uri, SETTINGS)
    assistant = Assistant.load(pg_uri, SETTINGS)
    for s in INJECTIONS:
        assistant.ask(s)
        for filters in (Filters(outlet=s), Filters(author=s), Filters(genres=(s,)), Filters(articles=(s,))):
            answer = assistant.ask(f"what was typed {s}", filters=filters)
            assert {q.article_id for q in answer.quotes} <= {f"inj{i}" for i in range(len(INJECTIONS))}
        assert {a for a in assistant.index.article_ids(Filters(outlet=s))} == {f"inj{INJECTIONS.index(s)}"}
        article = assistant.article(f"inj{INJECTIONS.index(s)}")
        assert article is not None and article.outlet == s and s in article.text
    assert assistant.article("'; DROP TABLE qa_articles; --") is None
    assistant.index.close()
    with psycopg.connect(pg_uri) as con:
        tables = {r[0] for r in con.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'qa_%'")}
        assert tables == {"qa_meta", "qa_articles", "qa_chunks", "qa_bm25", "qa_terms"}
        assert con.execute("SELECT count(*) FROM qa_articles").fetchone()[0] == 3 + len(INJECTIONS)


def test_passwords_never_in_messages() -> None:
    uri = "postgresql://alice:s3cret-pw@127.0.0.1:1/db?sslmode=disable&connect_timeout=2"
    assert redact(uri) == "postgresql://alice:***@127.0.0.1:1/db?sslmode=disable&connect_timeout=2"
    assert redact("postgresql://bob@host/db") == "postgresql://bob@host/db"
    assert is_database(uri) and is_database("postgres://h/db") and not is_database("index")
    assert location("postgresql://h/db") == "postgresql://h/db" and location("idx") == Path("idx")
    for call in (lambda: open_index(uri), lambda: build_index([CORPUS], uri, SETTINGS), lambda: Assistant.load(uri)):
        with pytest.raises(DatabaseError) as info:
            call()
        assert "s3cret-pw" not in str(info.value) and "alice:***@127.0.0.1" in str(info.value)


def test_cli_with_a_database(pg_uri: str, capsys: pytest.CaptureFixture[str]) -> None:
    from qa.app.cli import main

    secret = pg_uri.replace("postgres:@", "postgres:not-needed@")  # local socket trust: the password is ignored
    assert main(["build", str(CORPUS), "--index", secret, "--model", "hash-64", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "3 articles" in out and "not-needed" not in out and "postgres:***@" in out
    assert main(["ask", "How many anti-tank landmines did ANAMA defuse?", "--index", secret, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert any("4,133 anti-tank" in q["text"] for q in answer["quotes"])
    assert main(["eval", "--gold", str(ROOT / "eval" / "seed_gold.jsonl"), "--index", pg_uri]) == 0
    assert "answer_in_quote@3" in capsys.readouterr().out


def test_bm25_statistics_stay_true_and_weights_follow_the_average_length(
    pg_uri: str, pg_server: str, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_text(_records(30, "a", sentences=3))
    build_index([src], pg_uri, SETTINGS)
    _check_consistent(pg_uri)
    (src / "b.jsonl").write_text(_records(30, "b", sentences=12))  # much longer chunks: avgdl moves
    report = build_index([src], pg_uri, SETTINGS)
    assert report.reweighted > 0 and report.avgdl_before and report.avgdl_after
    assert abs(report.avgdl_after - report.avgdl_before) / report.avgdl_before > 0.02
    _check_consistent(pg_uri)
    (src / "a.jsonl").write_text(_records(29, "a", sentences=3))  # one removed: a small move, no re-weighting
    small = build_index([src], pg_uri, SETTINGS)
    assert small.removed == 1 and small.reweighted == 0
    _check_consistent(pg_uri)
    # The scores equal those of a database built from scratch with the same files, and bm25s's.
    fresh = create_database(pg_server)
    build_index([src], fresh, SETTINGS)
    build_index([src], tmp_path / "folder", SETTINGS)
    queries = ["harbour 3 saw ships", "report b7 town 9", "sentence 11 ships"]
    scores = []
    for where in (pg_uri, fresh, tmp_path / "folder"):
        index = open_index(where)
        results = index.bm25_search(queries, 5)
        scores.append([[round(s, 2) for _, s in r] for r in results])
        index.close()
    assert scores[0] == scores[1]
    # bm25s uses the exact average length; the database the one its weights were written with (within 2%).
    for mine, theirs in zip(scores[1], scores[2], strict=True):
        assert mine == pytest.approx(theirs, rel=0.02)


def test_searches_go_to_the_replica(pg_uri: str, pg_server: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "a.jsonl").write_text(_records(5, "primary"))
    build_index([src], pg_uri, SETTINGS)
    # A stand-in for a streaming replica: another database the searches can be told apart in.
    replica = create_database(pg_server)
    (src / "a.jsonl").write_text(_records(5, "replica"))
    build_index([src], replica, SETTINGS)
    assistant = Assistant.load(pg_uri, SETTINGS.model_copy(update={"search_replica": replica}))
    answer = assistant.ask("report 3 harbour ships")
    assert answer.quotes and all(q.article_id.startswith("replica") for q in answer.quotes)
    assistant.index.close()


def test_one_build_at_a_time(pg_uri: str) -> None:
    build_index([CORPUS], pg_uri, SETTINGS)
    with psycopg.connect(pg_uri) as con:
        con.execute("SELECT pg_advisory_lock(%s)", (BUILD_LOCK,))
        with pytest.raises(IndexBusy, match="being built by another process"):
            build_index([CORPUS], pg_uri, SETTINGS)


def test_searches_answer_while_a_build_adds_articles(pg_uri: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    (src / "seed.jsonl").write_text(_records(20, "s"))
    for seed in CORPUS.iterdir():
        (src / seed.name).write_bytes(seed.read_bytes())
    build_index([src], pg_uri, SETTINGS)
    assistant = Assistant.load(pg_uri, SETTINGS)
    errors: list[BaseException] = []
    answered = [0]
    stop = threading.Event()

    def ask() -> None:
        try:
            while not stop.is_set():
                for q in ["How many anti-tank landmines did ANAMA defuse?", "harbour 5 ships in town 2"]:
                    answer = assistant.ask(q)
                    assert answer.quotes, q
                    for quote in answer.quotes:
                        article = assistant.article(quote.article_id)
                        assert article is not None and article.text[quote.start : quote.end] == quote.text
                    answered[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    (src / "more.jsonl").write_text(_records(300, "m"))
    (src / "seed.jsonl").write_text(_records(20, "s", sentences=8))  # every seed report changes too
    report = build_index([src], pg_uri, SETTINGS)
    stop.set()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    assert report.added == 300 and report.changed == 20 and answered[0] > 4
    _check_consistent(pg_uri)
    assistant.index.close()


def test_one_question_reads_one_state_of_the_index_while_a_build_replaces_what_it_found(
    pg_uri: str, tmp_path: Path
) -> None:
    # Inside a snapshot the search, the chunk lookup and the article read see the index as it was when the
    # snapshot began, although a build replaces the articles found in between; afterwards, the new state.
    src = tmp_path / "src"
    src.mkdir()
    (src / "seed.jsonl").write_text(_records(20, "s"))
    build_index([src], pg_uri, SETTINGS)
    index = open_index(pg_uri, settings=SETTINGS)
    try:
        with index.snapshot():
            rows = [r for r, _ in index.bm25_search(["harbour 5 ships in town 2"], 5)[0]]
            (src / "seed.jsonl").write_text(_records(20, "s", sentences=8))
            errors: list[BaseException] = []
            builder = threading.Thread(target=lambda: _catching(errors, build_index, [src], pg_uri, SETTINGS))
            builder.start()
            builder.join(120)
            assert not builder.is_alive() and not errors, errors
            looked = index.lookup(rows)
            assert rows and set(looked) == set(rows)
            for found in looked.values():
                article = index.article(found.chunk.article_id)
                assert article is not None
                assert article.text[found.chunk.start : found.chunk.end] == found.chunk.text
        assert index.lookup(rows) == {}  # the build replaced those chunks: outside the snapshot they are gone
    finally:
        index.close()


def _catching(errors: list[BaseException], run: Callable[..., object], *args: object) -> None:
    try:
        run(*args)
    except BaseException as exc:
        errors.append(exc)


@pytest.mark.integration
def test_sigkill_mid_build_keeps_every_committed_article(pg_uri: str, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for seed in CORPUS.iterdir():
        (src / seed.name).write_bytes(seed.read_bytes())
    (src / "base.jsonl").write_text(_records(50, "b"))
    build_index([src], pg_uri, SETTINGS)
    cmd = [sys.executable, "-m", "qa", "build", str(src), "--index", pg_uri, "--model", "hash-64", "--quiet"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    (src / "more.jsonl").write_text(_records(3000, "m", sentences=8))
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, capture_output=True, cwd=tmp_path, timeout=600)
    full = time.perf_counter() - start
    complete = open_index(pg_uri)
    total = complete.manifest.articles
    complete.close()
    seen = []
    for fraction in (0.15, 0.3, 0.45, 0.6, 0.75):
        (src / "more.jsonl").write_text(_records(3000, "m", sentences=8 + int(fraction * 20)))  # every one changes
        proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(full * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _check_consistent(pg_uri)
        index = open_index(pg_uri)
        assert index.manifest.articles == total  # changed articles are replaced, never missing
        assistant = Assistant(index, EMB, SETTINGS)
        answer = assistant.ask("How many anti-tank landmines did ANAMA defuse?")
        assert any("4,133 anti-tank" in q.text for q in answer.quotes)
        lengths = {len(index.chunks_of(f"m{i}")) for i in range(0, 3000, 300)}
        seen.append(lengths)
        index.close()
    assert any(len(s) > 1 for s in seen), "no kill landed mid-build: every article was old or every one new"
    subprocess.run(cmd, check=True, env=env, capture_output=True, cwd=tmp_path, timeout=600)
    _check_consistent(pg_uri)
    index = open_index(pg_uri)
    want = len(chunk_articles([index.article("m0")], SETTINGS))  # type: ignore[list-item]
    assert {len(index.chunks_of(f"m{i}")) for i in range(0, 3000, 300)} == {want}
    index.close()
