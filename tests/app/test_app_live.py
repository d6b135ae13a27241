"""The web chat as users meet it: `app.py` launched on a free port with the real model, called by gradio_client
and driven in Debian's Chromium by Playwright. Marked integration: they load the model, and still run in CI."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.integration


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    index_dir = tmp_path_factory.mktemp("live") / "index"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = tmp_path_factory.mktemp("log") / "app.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "app.py"), "--corpus", str(CORPUS), "--index", str(index_dir),
             "--port", str(port)],
            stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    pytest.fail(f"app.py exited with {proc.returncode}: {log.read_text()[-2000:]}")
                try:
                    urllib.request.urlopen(url, timeout=2)
                    break
                except OSError:
                    time.sleep(1)
            else:
                pytest.fail(f"app.py did not answer in time: {log.read_text()[-2000:]}")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_gradio_client_asks_with_a_session(app_url: str) -> None:
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    first = client.predict("How much will demining cost?", "s1", api_name="/ask")
    assert not first["abstained"] and any("$25 billion" in q["text"] for q in first["quotes"])
    assert first["quotes"][0]["label"].startswith("Opinion — Vasif Huseynov")
    follow = client.predict("Who wrote that?", "s1", api_name="/ask")
    assert follow["sources"][0]["author"] == "Vasif Huseynov"
    other = client.predict("Who wrote that?", "s2", api_name="/ask")  # a new session has nothing to refer to
    assert other["abstained"] and not other["sources"]
    dated = client.predict("How much will demining cost?", "", "2024-04-10", api_name="/ask")  # optional as_of
    assert dated["quotes"] == first["quotes"]  # one article on demining: the day changes nothing here
    bad = client.predict("How much will demining cost?", "", "soon", api_name="/ask")
    assert bad == {"error": "as_of: 'soon' is not a date; write it as YYYY-MM-DD"}


def test_page_sets_no_cookies_and_serves_the_app(app_url: str) -> None:
    with urllib.request.urlopen(app_url, timeout=10) as response:
        assert response.status == 200
        assert response.headers.get("Set-Cookie") is None


@pytest.mark.parametrize(
    "path",
    ["/gradio_api/file=/etc/passwd", "/file=/etc/passwd", "/gradio_api/file={root}/pyproject.toml",
     "/gradio_api/file={root}/index/CURRENT", "/../../etc/passwd", "/static/../../../../etc/passwd"],
)  # fmt: skip
def test_serves_nothing_outside_the_app(app_url: str, path: str) -> None:
    import urllib.error

    url = app_url + path.format(root=ROOT)
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            body = response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        assert exc.code in (403, 404, 405)
        return
    assert "root:x:" not in body and "[project]" not in body  # a 200 may only be the app's own page


def _shot(page: object, path: Path) -> None:
    """A full-page screenshot; with QA_SAVE_SCREENSHOT set it is copied to docs/ for the README."""
    page.screenshot(path=str(path), full_page=True)  # type: ignore[attr-defined]
    assert path.stat().st_size > 10_000
    if os.environ.get("QA_SAVE_SCREENSHOT"):
        shutil.copy(path, ROOT / "docs" / path.name)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed (.ci/run installs it)")
def test_browser_question_and_follow_up(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1100})
            page.goto(app_url, wait_until="domcontentloaded")
            box = page.locator("#qa-question textarea")
            box.wait_for(timeout=60_000)
            box.fill("How much will demining cost in Azerbaijan?")
            page.locator("#qa-ask").click()
            card = page.locator("#qa-chat .qa-card").first
            expect(card).to_be_visible(timeout=60_000)
            chat = page.locator("#qa-chat")
            expect(chat).to_contain_text("$25 billion")
            expect(chat).to_contain_text("Opinion: landmines remain a major problem for Azerbaijan")
            expect(chat.locator(".qa-badge-opinion").first).to_be_visible()
            expect(chat.locator(".qa-badge-opinion").first).to_have_text("Opinion")
            _shot(page, tmp_path / "web-chat.png")
            box.fill("Who wrote that?")
            page.locator("#qa-ask").click()
            expect(chat).to_contain_text("written by Vasif Huseynov", timeout=60_000)
            expect(chat).to_contain_text("Understood as: Who wrote")
            _shot(page, tmp_path / "web-chat-follow-up.png")
            dialogs: list[str] = []
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            hostile = "<img src=x onerror=alert(1)> [click](javascript:alert(2)) **landmines** <script>x()</script>"
            box.fill(hostile)
            page.locator("#qa-ask").click()
            expect(chat).to_contain_text("[click](javascript:alert(2)) **landmines**", timeout=60_000)
            assert chat.locator("img[src=x], a[href^='javascript'], script").count() == 0
            page.wait_for_timeout(500)
            assert dialogs == []
            page.locator("#qa-new").click()
            expect(chat).not_to_contain_text("written by Vasif Huseynov", timeout=10_000)
            box.fill("How much will demining cost in Azerbaijan?")
            page.locator("#qa-ask").click()
            expect(chat).to_contain_text("$25 billion", timeout=60_000)
            box.fill("Who wrote that?")
            page.locator("#qa-ask").click()
            expect(chat).to_contain_text("written by Vasif Huseynov", timeout=60_000)
            assert page.context.cookies() == []
        finally:
            browser.close()
