"""A newsletter in a real Chromium against a real server: compose, preview, 立即发送, 100 %.

Needs Debian's Chromium (`apt-get install chromium fonts-wqy-microhei`); without it the test is
skipped, or fails with CI=true. The server has the demo data (`shente seed-demo`): 24 people,
王建国 and 李秀英 bound to the sandbox's demo WeChats. SCREENSHOT=1 refreshes docs/broadcast.png.
"""

from __future__ import annotations

import os
import re
import struct
import zlib
from collections.abc import Iterator

import httpx
import pytest
from playwright.async_api import Dialog, FilePayload, Page, expect

from app.dev.demo import DEMO_OPENIDS
from tests.support.browser import ROOT
from tests.support.dev_app import demo_database, dev_server

pytestmark = pytest.mark.browser

ADMIN_USERNAME, ADMIN_PASSWORD = "dangban", "browser-test-password"
SCREENSHOT = ROOT / "docs" / "broadcast.png"
STEP_TIMEOUT_MS = 8_000
MASS_LATENCY_MS = 2_500
SEND_TIMEOUT_MS = 20_000  # WeChat (the sandbox) uploads the cover, saves the draft, mass-sends


def _png() -> bytes:
    """A small real PNG (a grey 16×9 image), made here so the test needs no image file."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    width, height = 16, 9
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    idat = chunk(b"IDAT", zlib.compress(pixels))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + idat + chunk(b"IEND", b"")


@pytest.fixture(scope="module")
def demo_server(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dev app on the demo data, with its first admin."""
    tmp = tmp_path_factory.mktemp("newsletter")
    demo_database(tmp)
    with dev_server(tmp, ADMIN_USERNAME=ADMIN_USERNAME, ADMIN_PASSWORD=ADMIN_PASSWORD) as base:
        yield base


async def _sign_in(page: Page, base: str) -> None:
    await page.goto(f"{base}/admin/newsletters")
    await expect(page).to_have_url(re.compile(r"/admin/login\?next="))
    await page.get_by_label("用户名").fill(ADMIN_USERNAME)
    await page.get_by_label("密码").fill(ADMIN_PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page).to_have_url(f"{base}/admin/newsletters")


async def _accept(dialog: Dialog) -> None:
    await dialog.accept()


async def _compose(page: Page) -> None:
    await page.get_by_role("link", name="新建一期").first.click()
    await page.get_by_label("标题").fill("浏览器里写的一期")
    await page.get_by_label("正文（Markdown）").fill(
        "## 学习要点\n\n**第一**，认真学习。\n\n<b>不加粗</b>"
    )
    await page.get_by_label("封面图片（JPG 或 PNG，不超过 2 MB）").set_input_files(
        files=FilePayload(name="cover.png", mimeType="image/png", buffer=_png())
    )
    await page.get_by_role("button", name="保存并预览").click()


async def test_compose_preview_send_and_watch_it_reach_100_percent(
    demo_server: str, page: Page
) -> None:
    """From an empty form to a finished broadcast, as the branch's propaganda officer does it."""
    base = demo_server
    await page.set_viewport_size({"width": 1280, "height": 900})
    page.set_default_timeout(STEP_TIMEOUT_MS)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    await _sign_in(page, base)
    await _compose(page)

    await expect(page).to_have_url(re.compile(r"/admin/newsletters/\d+$"))
    await expect(page.get_by_test_id("article-title")).to_have_text("浏览器里写的一期")
    body = page.get_by_test_id("article-body")
    await expect(body.locator("h2")).to_have_text("学习要点")
    await expect(body.locator("strong")).to_have_text("第一")
    await expect(body).to_contain_text("<b>不加粗</b>")  # shown as text, never as markup
    cover = page.get_by_test_id("cover")
    await expect(cover).to_be_visible()
    assert await cover.evaluate("img => img.naturalWidth") == 16
    await expect(page.get_by_test_id("reach-群发图文")).to_have_text("2")
    await expect(page.get_by_test_id("reach-unreachable")).to_have_text("22")
    await expect(page.get_by_test_id("unreachable-row").filter(has_text="张伟")).to_contain_text(
        "未绑定微信"
    )

    # A slow mass send: the progress page opens mid-way, and its script must catch up.
    slow = {"latency_ms": MASS_LATENCY_MS, "paths": ["/cgi-bin/message/mass/send"]}
    httpx.put(f"{base}/sandbox/_sandbox/faults", json=slow).raise_for_status()
    page.once("dialog", _accept)
    await page.get_by_role("button", name="立即发送").click()
    await expect(page).to_have_url(re.compile(r"/admin/broadcasts/\d+$"))
    await expect(page.get_by_test_id("progress")).to_have_attribute("data-final", "false")
    await expect(page.get_by_test_id("percent")).not_to_have_text("100%")
    await expect(page.get_by_test_id("percent")).to_have_text("100%", timeout=SEND_TIMEOUT_MS)
    await expect(page.get_by_test_id("status")).to_have_text("已完成")
    await expect(page.get_by_test_id("count-sent")).to_have_text("2")
    sent = page.get_by_test_id("recipient-row").filter(has_text="王建国")
    await expect(sent.get_by_test_id("recipient-status")).to_have_text("已发送")
    if os.environ.get("SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOT))
    assert errors == []
    # The demo members' phones (the sandbox) got the article, once each (beside the demo's
    # pledge and test notices, which link to their own pages).
    for openid in DEMO_OPENIDS[:2]:
        found = httpx.get(f"{base}/sandbox/_sandbox/deliveries", params={"openid": openid}).json()
        articles = [d["payload"] for d in found["deliveries"] if "/m/n/" in str(d["payload"])]
        assert len(articles) == 1, found["deliveries"]

    # On 王建国's phone (the simulator) the article's card shows the uploaded cover, not the
    # blank of an unreachable mmbiz URL: the sandbox serves what it was given.
    await page.goto(f"{base}/dev/")
    await page.get_by_test_id("member-item").filter(has_text="王建国").click()
    card = page.get_by_test_id("news-card").filter(has_text="浏览器里写的一期")
    cover_style = await card.get_by_test_id("news-cover").evaluate(
        "c => getComputedStyle(c).backgroundImage"
    )
    shown = re.search(r'url\("([^"]+)"\)', cover_style)
    assert shown and "/_sandbox/images/" in shown.group(1), cover_style
    width = await page.evaluate(
        """src => new Promise((done, failed) => {
             const img = new Image();
             img.onload = () => done(img.naturalWidth);
             img.onerror = () => failed(new Error("cover did not load: " + src));
             img.src = src;
           })""",
        shown.group(1),
    )
    assert width == 16
    assert errors == []
