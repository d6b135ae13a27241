"""Load test: many concurrent sessions asking dialogues of questions and follow-ups against the web app's API.

Usage: python scripts/load_test.py [--url URL] [--sessions 50] [--seconds 180] [--dialogues FILE]
Without --url, app.py is started on a free local port over corpus/ (index in a temporary folder). Each session
replays the dialogues of FILE (default eval/dialogues.jsonl) in its own conversation, over and over, until time
is up. Every answer's standalone question must equal the one a lone user gets for the same turn, so a session
that saw another's context shows up as a mismatch. Prints requests, errors, mismatches, latency and the
server's memory over time; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_app(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    """app.py over corpus/ on a free port; returns the process and its URL once it answers."""
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    cmd = [sys.executable, str(ROOT / "app.py"), "--corpus", str(ROOT / "corpus"), "--index", str(folder / "index"),
           "--port", str(port)]  # fmt: skip
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=2)
            return proc, url
        except OSError:
            time.sleep(1)
    proc.kill()
    raise SystemExit("app.py did not start")


def rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    """Run the sessions and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--url", default=None)
    ap.add_argument("--sessions", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=180)
    ap.add_argument("--dialogues", type=Path, default=ROOT / "eval" / "dialogues.jsonl")
    args = ap.parse_args()
    from gradio_client import Client

    dialogues = [json.loads(line) for line in args.dialogues.read_text(encoding="utf-8").splitlines() if line.strip()]
    tmp = tempfile.TemporaryDirectory()
    proc, url = (None, args.url) if args.url else start_app(Path(tmp.name))
    try:
        # What a lone user gets: the standalone question of every turn.
        lone = Client(url, verbose=False)
        expected: list[list[str | None]] = []
        for d, dialogue in enumerate(dialogues):
            expected.append([lone.predict(t["q"], f"lone-{d}", api_name="/ask").get("standalone")
                             for t in dialogue["turns"]])  # fmt: skip
        latencies: list[float] = []
        errors: list[str] = []
        mismatches: list[str] = []
        requests = 0
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def session(n: int) -> None:
            nonlocal requests
            client = Client(url, verbose=False)
            round_ = 0
            while time.monotonic() < deadline:
                d = (n + round_) % len(dialogues)
                name = f"s{n}-r{round_}"
                for i, turn in enumerate(dialogues[d]["turns"]):
                    start = time.perf_counter()
                    try:
                        got = client.predict(turn["q"], name, api_name="/ask")
                    except Exception as exc:
                        with lock:
                            errors.append(f"{name}: {type(exc).__name__}: {exc}")
                        continue
                    ms = (time.perf_counter() - start) * 1000
                    with lock:
                        requests += 1
                        latencies.append(ms)
                        if "error" in got:
                            errors.append(f"{name}: {got['error']}")
                        elif got.get("standalone") != expected[d][i]:
                            mismatches.append(f"{name} turn {i + 1}: {got.get('standalone')!r} != {expected[d][i]!r}")
                round_ += 1

        memory: list[float] = []
        threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
        started = time.monotonic()
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):
            if proc is not None and (m := rss_mib(proc.pid)) is not None:
                memory.append(m)
            time.sleep(5)
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        ordered = sorted(latencies)
        report = {
            "sessions": args.sessions,
            "seconds": round(elapsed, 1),
            "requests": requests,
            "requests_per_s": round(requests / elapsed, 1),
            "errors": len(errors),
            "context_mismatches": len(mismatches),
            "latency_ms_p50": round(statistics.median(ordered), 1) if ordered else None,
            "latency_ms_p95": round(ordered[int(0.95 * (len(ordered) - 1))], 1) if ordered else None,
            "server_rss_mib_first_last_max": [round(memory[0]), round(memory[-1]), round(max(memory))]
            if memory
            else None,
            "server_rss_mib_every_30s": [round(x) for x in memory[::6]],
            "first_errors": errors[:5],
            "first_mismatches": mismatches[:5],
        }
        print(json.dumps(report, indent=2))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        tmp.cleanup()


if __name__ == "__main__":
    main()
