"""One rendering of an issue: the console's preview and the member page show the same article."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import httpx

from app.models import NewsletterImage
from app.services.newsletters import issues as newsletter_service
from app.services.newsletters.publishing import publish
from tests.newsletters.test_console import add_issue, first_series, form_values, tiny_png
from tests.support.app import AppClient
from tests.support.chat import oauth_open
from tests.support.console import admin_console, csrf
from tests.support.plugin import count_rows

BODY = (
    "## 活动回顾\n\n1. 重温入党誓词\n2. 参观展览\n\n"
    "| 项目 | 人数 |\n|---|---|\n| 学习 | 12 |\n\n"
    "详见[支部网站](https://example.com/dangjian)。"
)
SENT = datetime(2026, 7, 1, 2, 30, tzinfo=UTC)

# Any WeChat reading the archive: OAuth names the reader (a follower need not be bound).
READER = "oDEMO0000000000000000000001"  # a follower the dev sandbox always has


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
    member = await oauth_open(console, READER, f"/m/n/{issue_id}")
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
    member = await oauth_open(console, READER, f"/m/n/{issue_id}")
    assert "mmbiz.qpic.cn" not in member.text
    assert f'src="/m/n/{issue_id}/cover"' in member.text


async def test_a_draft_cover_and_a_missing_cover_are_not_served(console: AppClient) -> None:
    draft = await add_issue(console)
    assert (await console.get(f"/m/n/{draft}/cover")).status_code == 404
    bare = await add_issue(console, number=2, status="sent", sent_at=SENT, cover_image=None)
    assert (await console.get(f"/m/n/{bare}/cover")).status_code == 404
    page = await oauth_open(console, READER, f"/m/n/{bare}")
    assert page.status_code == 200 and 'data-testid="cover"' not in page.text


# --- photos in the body -----------------------------------------------------------------------
async def _post_with_images(
    console: AppClient, path: str, data: dict[str, str], images: list[tuple[str, bytes, str]]
) -> httpx.Response:
    files = [("cover", ("", b"", "application/octet-stream"))]
    files += [("images", image) for image in images]
    return await console.post(path, data={"csrf_token": await csrf(console), **data}, files=files)


async def test_photos_are_checked_like_the_cover_stored_and_shown_by_number(
    console: AppClient,
) -> None:
    await admin_console(console)
    series_id = await first_series(console)
    body = "## 活动现场\n\n![合影](image:1)\n\n![参观](image:2)\n\n![没有这张](image:9)"
    values = form_values(series_id, body=body)
    gif = ("a.gif", b"GIF89a", "image/gif")
    refused = await _post_with_images(console, "/admin/newsletters/new", values, [gif])
    assert refused.status_code == 400 and "正文图片「a.gif」不是 JPG 或 PNG 图片" in refused.text
    big = ("big.png", tiny_png() + bytes(1024 * 1024), "image/png")
    refused = await _post_with_images(console, "/admin/newsletters/new", values, [big])
    assert refused.status_code == 400 and "正文图片「big.png」超过 1 MB" in refused.text
    assert await count_rows(console, NewsletterImage) == 0

    first, second = tiny_png(5, 5), tiny_png(6, 6)
    photos = [("合影.PNG", first, "image/png"), ("参观.jpg", second, "image/png")]
    created = await _post_with_images(console, "/admin/newsletters/new", values, photos)
    assert created.status_code == 303, created.text[:2000]
    issue_id = int(created.headers["location"].rsplit("/", 1)[1])
    edit = await console.get(f"/admin/newsletters/{issue_id}/edit")
    assert edit.text.count('data-testid="body-image"') == 2 and "![图片说明](image:2)" in edit.text

    preview = _article((await console.get(f"/admin/newsletters/{issue_id}")).text)
    assert f'<img src="/admin/newsletters/{issue_id}/images/1" alt="合影"' in preview
    assert f'<img src="/admin/newsletters/{issue_id}/images/2" alt="参观"' in preview
    assert "（图片 9 不存在）" in preview
    served = await console.get(f"/admin/newsletters/{issue_id}/images/2")
    assert served.headers["content-type"] == "image/png" and served.content == second
    assert (await console.get(f"/admin/newsletters/{issue_id}/images/3")).status_code == 404

    # Deleting one keeps the other's number; the WeChat draft (none yet) would be made again.
    path = f"/admin/newsletters/{issue_id}/edit"
    changed = {**form_values(series_id, number="1", body=body), "remove_image": "1"}
    assert (await _post_with_images(console, path, changed, [])).status_code == 303
    async with console.sessions() as session:
        kept = await newsletter_service.images_of(session, issue_id=issue_id)
    assert [(i.number, i.filename, i.content) for i in kept] == [(2, "参观.png", second)]


async def test_photos_go_to_wechat_with_the_article_and_members_see_ours(
    console: AppClient,
) -> None:
    await admin_console(console)
    body = "活动现场：\n\n![合影](image:1)"
    issue_id = await add_issue(console, body=body)
    photo = tiny_png(7, 7)
    async with console.sessions() as session:
        await newsletter_service.add_images(session, issue_id=issue_id, files=[(photo, "合影.png")])
        await session.commit()
    app = console.app
    await publish(
        sessions=app.state.sessions,
        client=app.state.broadcast_client,
        settings=app.state.settings,
        issue_id=issue_id,
        actor="tester",
        now=app.state.clock(),
    )
    async with console.sessions() as session:
        (image,) = await newsletter_service.images_of(session, issue_id=issue_id)
    assert image.wechat_url and image.wechat_url.startswith("https://mmbiz.qpic.cn/")
    (draft,) = console.sandbox.drafts.values()
    assert f'<img src="{image.wechat_url}" alt="合影"' in draft.articles[0]["content"]
    key = image.wechat_url.removeprefix("https://mmbiz.qpic.cn/sandbox/").split("/")[0]
    assert console.sandbox.images[key] == photo  # what WeChat got is the stored photo

    member = _article((await oauth_open(console, READER, f"/m/n/{issue_id}")).text)
    assert f'<img src="/m/n/{issue_id}/images/1" alt="合影"' in member
    assert "mmbiz.qpic.cn" not in member
    served = await console.get(f"/m/n/{issue_id}/images/1")
    assert served.status_code == 200 and served.content == photo
    draft_photo = await add_issue(console, number=2)
    async with console.sessions() as session:
        await newsletter_service.add_images(session, issue_id=draft_photo, files=[(photo, "a.png")])
        await session.commit()
    assert (await console.get(f"/m/n/{draft_photo}/images/1")).status_code == 404
