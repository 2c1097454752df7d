"""The phone simulator at /dev/ in a real Chromium, against a real server in a subprocess.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. With SCREENSHOT=1 it also refreshes docs/simulator.png.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
UVICORN_ARGS = ["--host", "127.0.0.1", "--log-level", "warning"]
SCREENSHOT = ROOT / "docs" / "simulator.png"
STEP_TIMEOUT_MS = 5_000  # each reply comes through the full signed, encrypted /wechat path


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium, or skip (fail with CI=true) when it is not installed."""
    if CHROMIUM.exists():
        return str(CHROMIUM)
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(
            f"{CHROMIUM} not found: CI runs the browser test "
            "(apt-get install -y chromium fonts-wqy-microhei)",
            pytrace=False,
        )
    pytest.skip(
        "Chromium not installed (apt-get install chromium fonts-wqy-microhei); browser test skipped"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Migrate a fresh SQLite database and serve the dev app with uvicorn; yield its base URL."""
    tmp = tmp_path_factory.mktemp("simulator")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "APP_ENV": "dev",
        "DATABASE_URL": f"sqlite:///{tmp}/t.db",
        "REDIS_URL": "",
        "PUBLIC_BASE_URL": base,
        "LOG_LEVEL": "WARNING",
    }
    subprocess.run(
        [sys.executable, "-m", "app.cli", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    log_path = tmp / "server.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "app.main:app", *UVICORN_ARGS, "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_healthy(proc, base, log_path)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_healthy(proc: subprocess.Popen[bytes], base: str, log_path: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"server exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    pytest.fail(f"server not healthy within 20 s:\n{log_path.read_text()}")


def _tap_menu(page: Page, top: str, item: str) -> None:
    """Open a top menu button's popup and tap one of its sub-buttons."""
    page.get_by_test_id("menu-top").filter(has_text=top).click()
    popup = page.get_by_test_id("menu-popup")
    expect(popup).to_be_visible()
    popup.get_by_test_id("menu-item").filter(has_text=item).click()
    expect(popup).to_be_hidden()


def test_chat_and_menu_through_the_real_callback(chromium: str, server: str) -> None:
    """Type 帮助, tap 我的 → 使用帮助 and 参与 → 提建议; each answer arrives in the chat."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 800}, locale="zh-CN")
            page.set_default_timeout(STEP_TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{server}/dev/")
            expect(page.get_by_test_id("account-name")).to_have_text("神特党建")

            first = page.get_by_test_id("member-item").first
            expect(first).to_contain_text("王建国(演示)")
            first.click()
            expect(first).to_have_attribute("aria-pressed", "true")
            expect(page.get_by_test_id("current-member")).to_have_text("王建国(演示)")

            replies = page.get_by_test_id("message-account")
            page.get_by_test_id("text-input").fill("帮助")
            page.get_by_test_id("send-button").click()
            expect(page.get_by_test_id("message-member").locator(".sim-bubble")).to_have_text(
                ["帮助"]
            )
            expect(replies).to_have_count(1)
            expect(replies.nth(0)).to_contain_text("「帮助」")

            _tap_menu(page, "我的", "使用帮助")
            expect(replies).to_have_count(2)
            expect(replies.nth(1)).to_contain_text("「帮助」")

            _tap_menu(page, "参与", "提建议")
            expect(replies).to_have_count(3)
            expect(replies.nth(2)).to_contain_text("功能即将开放")
            # Passive replies are in the sandbox's delivery log too: polling must not repeat them.
            page.wait_for_timeout(2_500)
            expect(replies).to_have_count(3)
            expect(
                page.get_by_test_id("system-notice").filter(has_text="无法提供服务")
            ).to_have_count(0)
            assert errors == []

            if os.environ.get("SCREENSHOT") == "1":
                SCREENSHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SCREENSHOT))
        finally:
            browser.close()
