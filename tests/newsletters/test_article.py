"""One rendering of an issue: the console's preview and the member page show the same article."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from tests.newsletters.test_console import add_issue, tiny_png
from tests.support.app import AppClient
from tests.support.console import admin_console

BODY = (
    "## 活动回顾\n\n1. 重温入党誓词\n2. 参观展览\n\n"
    "| 项目 | 人数 |\n|---|---|\n| 学习 | 12 |\n\n"
    "详见[支部网站](https://example.com/dangjian)。"
)
SENT = datetime(2026, 7, 1, 2, 30, tzinfo=UTC)


def _article(html: str) -> str:
    found = re.search(
        r'<article class="wx-article[^"]*" data-testid="article">.*?</article>', html, re.S
    )
    assert found, html
    return found.group(0)


async def _sent_issue(console: AppClient, **fields: object) -> int:
    return await add_issue(
        console,
        body=BODY,
        author="宣传委员",
        digest="七一主题党日的导读",
        status="sent",
        sent_at=SENT,
        **fields,
    )


async def test_preview_and_member_page_show_the_same_article(console: AppClient) -> None:
    await admin_console(console)
    issue_id = await _sent_issue(console)

    preview = await console.get(f"/admin/newsletters/{issue_id}")
    member = await console.get(f"/m/n/{issue_id}?oauth=done")
    assert preview.status_code == member.status_code == 200
    shown, read = _article(preview.text), _article(member.text)

    # Each page loads the cover from its own address (the console's needs a signed-in admin).
    assert f'src="/admin/newsletters/{issue_id}/cover"' in shown
    assert f'src="/m/n/{issue_id}/cover"' in read
    assert (
        shown.replace(" wx-article_framed", "").replace(
            f"/admin/newsletters/{issue_id}/cover", f"/m/n/{issue_id}/cover"
        )
        == read
    )
    for part in ("七一主题党日的导读", "宣传委员", "2026-07-01 10:30", "<ol>", "<th>项目</th>"):
        assert part in read
    assert 'href="https://example.com/dangjian"' in read
    # …styled by one stylesheet, the same file on both pages.
    for page in (preview.text, member.text):
        assert re.search(
            r'<link rel="stylesheet" href="(http://[^/"]+)?/static/article.css">', page
        )
    assert "<style>" not in member.text.split("</head>", 1)[1]

    cover = await console.get(f"/m/n/{issue_id}/cover")
    assert cover.status_code == 200 and cover.headers["content-type"] == "image/png"
    assert cover.content == tiny_png()


async def test_the_member_page_never_points_at_wechats_image_host(console: AppClient) -> None:
    """The cover's WeChat URL (stored on upload) is unreachable outside WeChat: ours is used."""
    issue_id = await _sent_issue(
        console, cover_url="https://mmbiz.qpic.cn/sandbox/abc/0?wx_fmt=png"
    )
    member = await console.get(f"/m/n/{issue_id}?oauth=done")
    assert "mmbiz.qpic.cn" not in member.text
    assert f'src="/m/n/{issue_id}/cover"' in member.text


async def test_a_draft_cover_and_a_missing_cover_are_not_served(console: AppClient) -> None:
    draft = await add_issue(console)
    assert (await console.get(f"/m/n/{draft}/cover")).status_code == 404
    bare = await add_issue(console, number=2, status="sent", sent_at=SENT, cover_image=None)
    assert (await console.get(f"/m/n/{bare}/cover")).status_code == 404
    page = await console.get(f"/m/n/{bare}?oauth=done")
    assert page.status_code == 200 and 'data-testid="cover"' not in page.text
