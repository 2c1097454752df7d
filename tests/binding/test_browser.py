"""The console in a real Chromium against a real server: import, binding code, bind in /dev/.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. With SCREENSHOT=1 it also refreshes docs/console.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.async_api import Page, expect

from tests.support.browser import ROOT
from tests.support.dev_app import dev_server

pytestmark = pytest.mark.browser

SAMPLE = ROOT / "tests" / "fixtures" / "roster_sample.xlsx"
SCREENSHOT = ROOT / "docs" / "console.png"
ADMIN_USERNAME, ADMIN_PASSWORD = "dangban", "browser-test-password"
STEP_TIMEOUT_MS = 8_000


@pytest.fixture(scope="module")
def console_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev app with its first admin (created at start-up, as is the organisation tree)."""
    with dev_server(
        tmp_path_factory.mktemp("console"),
        ADMIN_USERNAME=ADMIN_USERNAME,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
    ) as base:
        yield base


async def _sign_in(page: Page, base: str) -> None:
    await page.goto(f"{base}/admin/people")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{base}/admin/people")
    await expect(page.get_by_test_id("signed-in")).to_contain_text("管理员")


async def _import_sample(page: Page) -> None:
    await page.get_by_role("link", name="导入名册").first.click()
    await page.get_by_label("选择名册文件(.xlsx 或 .csv)").set_input_files(str(SAMPLE))
    await page.get_by_role("button", name="上传并导入").click()
    await expect(page.get_by_test_id("import-done")).to_be_visible()
    await expect(page.get_by_test_id("created")).to_have_text("20")


async def _bind_in_simulator(page: Page, base: str, code: str) -> None:
    """Be a member in the phone simulator and send 「绑定 CODE」 to the account."""
    await page.goto(f"{base}/dev/")
    member = page.get_by_test_id("member-item").first
    await member.click()
    await expect(member).to_have_attribute("aria-pressed", "true")
    await page.get_by_test_id("text-input").fill(f"绑定 {code}")
    await page.get_by_test_id("send-button").click()
    reply = page.get_by_test_id("message-account").filter(has_text="绑定成功")
    await expect(reply).to_have_count(1)


async def test_import_issue_a_code_and_bind_through_the_simulator(
    console_server: str, page: Page
) -> None:
    """From an empty console to a person marked 已绑定, as the branch secretary would do it."""
    base = console_server
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _sign_in(page, base)
    await _import_sample(page)

    await page.get_by_role("link", name="查看名册").click()
    await expect(page.get_by_test_id("people-total")).to_have_text("20")
    await expect(page.get_by_test_id("person-row")).to_have_count(20)
    if os.environ.get("SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))

    first = page.get_by_test_id("person-row").first.get_by_role("link").first
    name = (await first.inner_text()).strip()
    await first.click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text(name)
    person_url = page.url
    await page.get_by_role("button", name="生成绑定码").click()
    code = (await page.get_by_test_id("binding-code").inner_text()).strip()
    assert re.fullmatch(r"[A-Z0-9]{6,12}", code), code
    await expect(page.get_by_test_id("binding-instruction")).to_have_text(
        f"请在公众号回复：绑定 {code}"
    )

    await _bind_in_simulator(page, base, code)

    await page.goto(person_url)
    await expect(page.get_by_test_id("bound")).to_have_text("已绑定")
    await page.get_by_role("link", name="党员与群众名册").click()
    row = page.get_by_test_id("person-row").filter(has_text=name)
    await expect(row.get_by_test_id("bound")).to_have_text("已绑定")
    assert errors == []
