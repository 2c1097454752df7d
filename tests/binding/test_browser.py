"""The console in a real Chromium against a real server: import, binding code, bind in /dev/.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. With SCREENSHOT=1 it also refreshes docs/console.png.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.support.browser import CHROMIUM_ARGS, ROOT, chromium_or_skip, dev_server

pytestmark = pytest.mark.browser

SAMPLE = ROOT / "tests" / "fixtures" / "roster_sample.xlsx"
SCREENSHOT = ROOT / "docs" / "console.png"
ADMIN_USERNAME, ADMIN_PASSWORD = "dangban", "browser-test-password"
STEP_TIMEOUT_MS = 8_000


@pytest.fixture(scope="module")
def chromium() -> str:
    """Debian's Chromium (or a skip / a CI failure)."""
    return chromium_or_skip()


@pytest.fixture(scope="module")
def console_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev app with its first admin (created at start-up, as is the organisation tree)."""
    with dev_server(
        tmp_path_factory.mktemp("console"),
        ADMIN_USERNAME=ADMIN_USERNAME,
        ADMIN_PASSWORD=ADMIN_PASSWORD,
    ) as base:
        yield base


def _sign_in(page: Page, base: str) -> None:
    page.goto(f"{base}/admin/people")
    expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    page.get_by_label("用户名").fill(ADMIN_USERNAME)
    page.get_by_label("密码").fill(ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{base}/admin/people")
    expect(page.get_by_test_id("signed-in")).to_contain_text("管理员")


def _import_sample(page: Page) -> None:
    page.get_by_role("link", name="导入名册").first.click()
    page.get_by_label("选择名册文件(.xlsx 或 .csv)").set_input_files(str(SAMPLE))
    page.get_by_role("button", name="上传并导入").click()
    expect(page.get_by_test_id("import-done")).to_be_visible()
    expect(page.get_by_test_id("created")).to_have_text("20")


def _bind_in_simulator(page: Page, base: str, code: str) -> None:
    """Be a member in the phone simulator and send 「绑定 CODE」 to the account."""
    page.goto(f"{base}/dev/")
    member = page.get_by_test_id("member-item").first
    member.click()
    expect(member).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("text-input").fill(f"绑定 {code}")
    page.get_by_test_id("send-button").click()
    reply = page.get_by_test_id("message-account").filter(has_text="绑定成功")
    expect(reply).to_have_count(1)


def test_import_issue_a_code_and_bind_through_the_simulator(
    chromium: str, console_server: str
) -> None:
    """From an empty console to a person marked 已绑定, as the branch secretary would do it."""
    base = console_server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800}, locale="zh-CN")
            page.set_default_timeout(STEP_TIMEOUT_MS)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            _sign_in(page, base)
            _import_sample(page)

            page.get_by_role("link", name="查看名册").click()
            expect(page.get_by_test_id("people-total")).to_have_text("20")
            expect(page.get_by_test_id("person-row")).to_have_count(20)
            if os.environ.get("SCREENSHOT") == "1":
                SCREENSHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(SCREENSHOT))

            first = page.get_by_test_id("person-row").first.get_by_role("link").first
            name = first.inner_text().strip()
            first.click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(name)
            person_url = page.url
            page.get_by_role("button", name="生成绑定码").click()
            code = page.get_by_test_id("binding-code").inner_text().strip()
            assert re.fullmatch(r"[A-Z0-9]{6,12}", code), code
            expect(page.get_by_test_id("binding-instruction")).to_have_text(
                f"请在公众号回复:绑定 {code}"
            )

            _bind_in_simulator(page, base, code)

            page.goto(person_url)
            expect(page.get_by_test_id("bound")).to_have_text("已绑定")
            page.get_by_role("link", name="党员与群众名册").click()
            row = page.get_by_test_id("person-row").filter(has_text=name)
            expect(row.get_by_test_id("bound")).to_have_text("已绑定")
            assert errors == []
        finally:
            browser.close()
