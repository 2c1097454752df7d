"""The phone simulator at /dev/ in a real Chromium, against a real server in a subprocess.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. With SCREENSHOT=1 it also refreshes docs/simulator.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.support.browser import CHROMIUM_ARGS, ROOT, chromium_or_skip, dev_server

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "simulator.png"
STEP_TIMEOUT_MS = 5_000  # each reply comes through the full signed, encrypted /wechat path


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium (or a skip / a CI failure)."""
    return chromium_or_skip()


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev app on a fresh database; its base URL."""
    with dev_server(tmp_path_factory.mktemp("simulator")) as base:
        yield base


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
