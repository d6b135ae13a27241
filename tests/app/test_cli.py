"""The `qa` CLI, called in-process through main(argv)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import CORPUS, DATA

from qa.app.cli import main

FIELDS = {
    "id",
    "title",
    "text",
    "authors",
    "author_role",
    "outlet",
    "published",
    "url",
    "genre",
    "genre_evidence",
    "kind",
    "source_path",
}


def test_articles_json_on_the_seed_corpus(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["articles", str(CORPUS), "--json"]) == 0
    articles = json.loads(capsys.readouterr().out)
    assert [(a["genre"], a["kind"]) for a in articles] == [
        ("opinion", "article"),
        ("news", "teaser"),
        ("news", "teaser"),
    ]
    assert all(set(a) == FIELDS for a in articles)
    assert articles[0]["authors"] == ["Vasif Huseynov"] and articles[0]["outlet"] == "commonspace.eu"


def test_articles_defaults_to_corpus_folder(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS.parent)
    assert main(["articles"]) == 0
    lines = capsys.readouterr().out.strip().split("\n")
    assert len(lines) == 3
    assert lines[0].split("\t")[1:4] == ["opinion", "Vasif Huseynov", "commonspace.eu"]


@pytest.mark.parametrize(
    ("argv", "code", "stderr"),
    [
        (["articles", str(DATA / "records.jsonl")], 0, "records.jsonl:4: invalid JSON"),
        (["articles", str(DATA / "records.jsonl"), "--strict"], 1, "records.jsonl:3: record has no text"),
        (["articles", str(CORPUS), "--strict"], 0, "3 articles, 0 warnings"),
        (["articles", "no/such/dir"], 2, "error: no/such/dir: no such file or folder"),
    ],
)
def test_exit_codes_and_messages(capsys: pytest.CaptureFixture[str], argv: list[str], code: int, stderr: str) -> None:
    assert main(argv) == code
    assert stderr in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_warnings_go_to_stderr_not_stdout(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "x.bin").write_bytes(b"\x00")
    (tmp_path / "y.jsonl").write_text('{"text": "Hello there."}\n')
    assert main(["articles", str(tmp_path), "--json"]) == 0
    out, err = capsys.readouterr()
    assert len(json.loads(out)) == 1 and "unknown file type" in err


def test_build_then_rebuild_says_nothing_was_embedded(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["build", str(CORPUS), "--index", str(tmp_path / "idx"), "--model", "hash-64", "--quiet"]
    assert main(argv) == 0
    first = capsys.readouterr()
    assert "3 articles, 21 chunks (flat); embedded 21, reused 0" in first.out and first.err == ""
    assert main(argv) == 0
    assert "is up to date: nothing embedded (3 articles, 21 chunks)" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "code", "stderr"),
    [
        (["--model", "/no/such/model"], 2, "error: embedding model '/no/such/model' is not a local folder"),
        (["--ann", "ivf"], 2, "invalid choice: 'ivf'"),
    ],
)
def test_build_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], code: int, stderr: str
) -> None:
    argv = ["build", str(CORPUS), "--index", str(tmp_path / "idx"), *extra]
    try:
        assert main(argv) == code
    except SystemExit as exc:
        assert exc.code == code
    assert stderr in capsys.readouterr().err
    assert not (tmp_path / "idx" / "CURRENT").exists()


def test_ask_prints_labelled_quotes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(CORPUS), "--index", str(tmp_path / "idx"), "--model", "hash-256", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["ask", "Which hacker collective attacked air traffic control?", "--index", str(tmp_path / "idx")]) == 0
    out = capsys.readouterr().out
    assert "News report — commonspace.eu" in out and "APT28" in out
    argv = ["ask", "Which hacker collective attacked air traffic control?", "--index", str(tmp_path / "idx"), "--json"]
    assert main(argv) == 0
    every = json.loads(capsys.readouterr().out)["quotes"]
    assert main([*argv, "--quote-margin", "0"]) == 0  # only quotes scoring as well as the first
    close = json.loads(capsys.readouterr().out)["quotes"]
    assert 1 <= len(close) < len(every) and close == every[: len(close)]
    assert main(["ask", "How long could demining take?", "--index", str(tmp_path / "idx"), "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert {"question", "quotes", "abstained", "summary"} <= set(answer)
    assert main(["ask", "When was the Khazar University founded?", "--index", str(tmp_path / "idx")]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "The articles in this corpus don't answer that.\nNo passage searched mentions: Khazar University."
    )
    assert main(["ask", "  ", "--index", str(tmp_path / "idx")]) == 2
    assert "error: the question is empty" in capsys.readouterr().err


def test_eval_with_corpus_writes_report_and_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps(
            {
                "id": "1",
                "question": "Which hacker collective attacked air traffic control?",
                "answers": ["APT28"],
                "doc_ids": ["a2ba43cb632bbe23"],
                "genre": "news",
            }
        )
        + "\n"
        + json.dumps({"id": "2", "question": "What is the recipe for plov?", "answers": [], "unanswerable": True})
        + "\n"
    )
    argv = [
        "eval",
        "--gold",
        str(gold),
        "--corpus",
        str(CORPUS),
        "--model",
        "hash-256",
        "--compare",
        "--json",
        str(tmp_path / "out" / "report.json"),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["metric", "bm25", "dense", "hybrid"]
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    for key in (
        "questions",
        "answerable",
        "unanswerable",
        "recall@1",
        "recall@5",
        "recall@10",
        "mrr",
        "answer_in_quote@1",
        "answer_in_quote@3",
        "genre_accuracy",
        "abstention_precision",
        "abstention_recall",
        "abstention_f1",
        "quote_fidelity",
        "latency_ms_p50",
        "latency_ms_p95",
        "failures",
    ):
        assert key in report, key
    assert report["questions"] == 2 and report["quote_fidelity"] == 1.0 and report["recall@10"] == 1.0
    assert set(report["baselines"]) == {"bm25", "dense"}
    assert report["settings"]["fusion"] == "convex" and report["settings"]["model"] == "hash-256"
    assert (tmp_path / "out" / "report.recall.png").read_bytes()[:4] == b"\x89PNG"
    assert any(p.name.startswith("eval-") for p in (tmp_path / ".qa-cache").iterdir())
    # the same run with reciprocal rank fusion says so in its report
    assert main([*argv[:-3], "--fusion", "rrf", "--json", str(tmp_path / "rrf.json")]) == 0
    assert json.loads((tmp_path / "rrf.json").read_text())["settings"]["fusion"] == "rrf"
    assert main([*argv[:-3], "--quote-margin", "0.1", "--json", str(tmp_path / "m.json")]) == 0
    assert json.loads((tmp_path / "m.json").read_text())["settings"]["quote_margin"] == 0.1


@pytest.mark.parametrize(
    ("argv", "stderr"),
    [
        (["eval", "--gold", "missing.jsonl", "--index", "x"], "missing.jsonl: cannot read the gold file"),
        (["eval", "--gold", "g.jsonl", "--index", "x", "--corpus", "y"], "not allowed with argument"),
        (["eval", "--gold", "g.jsonl", "--k", "0"], "--k must be > 0, got 0"),
        (["eval", "--gold", "g.jsonl", "--quote-margin", "-1"], "--quote-margin: must be 0 or more, got -1"),
        (["eval", "--gold", "g.jsonl", "--quote-margin", "x"], "--quote-margin: not a number: 'x'"),
    ],
)
def test_eval_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, argv: list[str], stderr: str
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "g.jsonl").write_text('{"id": "1", "question": "Q?"}\n')
    try:
        assert main(argv) == 2
    except SystemExit as exc:
        assert exc.code == 2
    assert stderr in capsys.readouterr().err
