"""The phone simulator at /dev/ in a real Chromium, against a real server (uvicorn).

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. With SCREENSHOT=1 it also refreshes docs/simulator.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from tests.support.browser import ROOT
from tests.support.dev_app import dev_server

pytestmark = pytest.mark.browser

SCREENSHOT = ROOT / "docs" / "simulator.png"
STEP_TIMEOUT_MS = 5_000  # each reply comes through the full signed, encrypted /wechat path


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev app on a fresh database; its base URL."""
    with dev_server(tmp_path_factory.mktemp("simulator")) as base:
        yield base


async def _tap_menu(page: Page, top: str, item: str) -> None:
    """Open a top menu button's popup and tap one of its sub-buttons."""
    await page.get_by_test_id("menu-top").filter(has_text=top).click()
    popup = page.get_by_test_id("menu-popup")
    await expect(popup).to_be_visible()
    await popup.get_by_test_id("menu-item").filter(has_text=item).click()
    await expect(popup).to_be_hidden()


async def test_chat_and_menu_through_the_real_callback(server: str, page: Page) -> None:
    """Type 帮助, tap 我的 → 使用帮助 and 参与 → 提建议; each answer arrives in the chat."""
    await page.set_viewport_size({"width": 1200, "height": 800})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(f"{server}/dev/")
    await expect(page.get_by_test_id("account-name")).to_have_text("神特党建")

    first = page.get_by_test_id("member-item").first
    await expect(first).to_contain_text("王建国（演示）")
    await first.click()
    await expect(first).to_have_attribute("aria-pressed", "true")
    await expect(page.get_by_test_id("current-member")).to_have_text("王建国（演示）")

    replies = page.get_by_test_id("message-account")
    await page.get_by_test_id("text-input").fill("帮助")
    await page.get_by_test_id("send-button").click()
    await expect(page.get_by_test_id("message-member").locator(".sim-bubble")).to_have_text(
        ["帮助"]
    )
    await expect(replies).to_have_count(1)
    await expect(replies.nth(0)).to_contain_text("「帮助」")

    await _tap_menu(page, "我的", "使用帮助")
    await expect(replies).to_have_count(2)
    await expect(replies.nth(1)).to_contain_text("「帮助」")

    await _tap_menu(page, "参与", "提建议")
    await expect(replies).to_have_count(3)
    await expect(replies.nth(2)).to_contain_text("提合理化建议")
    # Passive replies are in the sandbox's delivery log too: polling must not repeat them.
    await page.wait_for_timeout(2_500)
    await expect(replies).to_have_count(3)
    await expect(
        page.get_by_test_id("system-notice").filter(has_text="无法提供服务")
    ).to_have_count(0)
    assert errors == []

    if os.environ.get("SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
