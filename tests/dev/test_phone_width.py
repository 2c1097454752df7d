"""The simulator and the console on a phone (390 × 844) in a real Chromium, on the demo data.

Nothing may stick out sideways (the page cannot be scrolled there on a phone): the simulator's
chat fills the screen with its input and menu on it, the console's menu folds behind 菜单.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from tests.support.browser import NewContext
from tests.support.dev_app import demo_database, dev_server

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
ADMIN_USERNAME, ADMIN_PASSWORD = "dangban", "browser-test-password"
STEP_TIMEOUT_MS = 5_000


@pytest.fixture(scope="module")
def server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("phone")
    demo_database(tmp)
    with dev_server(tmp, ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        yield base


@pytest.fixture
async def phone(new_context: NewContext) -> Page:
    """A phone-sized touch page."""
    context = await new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = await context.new_page()
    page.set_default_timeout(STEP_TIMEOUT_MS)
    return page


async def _page_width(page: Page) -> int:
    return int(await page.evaluate("document.scrollingElement.scrollWidth"))


async def test_the_simulator_fills_a_phone_and_chats(server: str, phone: Page) -> None:
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    await phone.goto(f"{server}/dev/")
    await expect(phone.get_by_test_id("menu-top").first).to_be_visible()
    assert await _page_width(phone) <= PHONE["width"]

    # The chat screen is the first thing on the phone: input and menu in view, not cut off.
    for part in ("text-input", "send-button"):
        await expect(phone.get_by_test_id(part)).to_be_in_viewport(ratio=1)
    study = phone.get_by_test_id("menu-top").filter(has_text="学习")
    await expect(study).to_be_in_viewport(ratio=1)
    screen = await phone.get_by_test_id("phone").bounding_box()
    assert screen is not None and screen["width"] <= PHONE["width"]

    # The member picker is below the chat; pick one, come back up, talk.
    await expect(phone.get_by_test_id("member-item").first).to_contain_text("王建国（演示）")
    # 张伟's WeChat is not bound: no push from the demo's scheduler (a 组织发展 reminder to
    # the secretary, say) arrives in the middle and scrolls the answer away.
    unbound = phone.get_by_test_id("member-item").filter(has_text="张伟")
    await unbound.tap()
    await expect(phone.get_by_test_id("current-member")).to_contain_text("张伟")
    await phone.evaluate("window.scrollTo(0, 0)")
    await phone.get_by_test_id("text-input").fill("帮助")
    await phone.get_by_test_id("send-button").tap()
    answer = phone.get_by_test_id("message-account").filter(has_text="「帮助」")
    await expect(answer).to_have_count(1)
    await expect(answer).to_be_in_viewport()

    await study.tap()
    popup = phone.get_by_test_id("menu-popup")
    await expect(popup).to_be_visible()
    box = await popup.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert await _page_width(phone) <= PHONE["width"]
    assert errors == []


async def test_the_console_menu_folds_on_a_phone(server: str, phone: Page) -> None:
    errors: list[str] = []
    phone.on("pageerror", lambda exc: errors.append(str(exc)))
    await phone.goto(f"{server}/admin/login")
    await phone.get_by_label("用户名").fill(ADMIN_USERNAME)
    await phone.get_by_label("密码").fill(ADMIN_PASSWORD)
    await phone.get_by_role("button", name="登录").tap()
    await expect(phone).to_have_url(f"{server}/admin/")
    assert await _page_width(phone) <= PHONE["width"]

    # Folded: the menu's links are hidden, the page's own content is at the top.
    menu = phone.get_by_role("navigation", name="主菜单")
    people = menu.get_by_role("link", name="党员与群众名册")
    await expect(people).to_be_hidden()
    await expect(phone.get_by_role("heading", level=1)).to_be_in_viewport()
    toggle = phone.get_by_test_id("menu-toggle")
    await expect(toggle).to_be_in_viewport(ratio=1)

    await toggle.tap()
    await expect(people).to_be_in_viewport(ratio=1)
    await expect(menu.get_by_role("button", name="退出登录")).to_be_visible()
    await people.tap()
    await expect(phone).to_have_url(re.compile(r"/admin/people$"))
    await expect(phone.get_by_role("heading", level=1)).to_contain_text("名册")
    await expect(people).to_be_hidden()
    assert await _page_width(phone) <= PHONE["width"]

    # Opened and closed again without going anywhere.
    await toggle.tap()
    await expect(people).to_be_visible()
    await phone.get_by_role("button", name="关闭菜单").tap()
    await expect(people).to_be_hidden()
    assert errors == []


async def test_the_console_menu_stays_in_place_on_a_desktop(server: str, page: Page) -> None:
    await page.goto(f"{server}/admin/login")
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{server}/admin/")
    await expect(page.get_by_test_id("menu-toggle")).to_be_hidden()
    menu = page.get_by_role("navigation", name="主菜单")
    people = menu.get_by_role("link", name="党员与群众名册")
    await expect(people).to_be_in_viewport(ratio=1)
    box = await people.bounding_box()
    assert box is not None and box["x"] < 240  # in the left column
