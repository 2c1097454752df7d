"""刊物 and 推送记录 in the console: write an issue, preview it, send it, follow and export it."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import httpx
from openpyxl import load_workbook
from sqlmodel import select

from app.models import AdminRole, Broadcast, NewsletterIssue, NewsletterSeries
from app.services.newsletters import issues as newsletter_service
from tests.support.app import AppClient
from tests.support.broadcasts import (
    Member,
    add_members,
    deliveries_by_openid,
    make_broadcast,
    rows_of,
)
from tests.support.console import (
    add_person,
    add_user,
    admin_console,
    audit_entries,
    csrf,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import count_rows


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A real (tiny, grey) PNG, built by hand so the test needs no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    pixels = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


async def first_series(client: AppClient) -> int:
    """《神特组宣》 and 《神特清风》 (the app creates them at start-up; tests have no lifespan)."""
    async with client.sessions() as session:
        await newsletter_service.ensure_default_series(session)
        await session.commit()
        series = await newsletter_service.all_series(session)
        assert series[0].id is not None
        return series[0].id


async def add_issue(client: AppClient, **fields: Any) -> int:
    """An issue stored directly (with a cover unless told otherwise)."""
    series_id = await first_series(client)
    values: dict[str, Any] = {
        "series_id": series_id,
        "number": 1,
        "title": "学习贯彻会议精神",
        "body": "# 会议精神\n\n**认真学习**",
        "cover_image": tiny_png(),
        "cover_filename": "cover.png",
        **fields,
    }
    async with client.sessions() as session:
        issue = NewsletterIssue(**values)
        session.add(issue)
        await session.commit()
        assert issue.id is not None
        return issue.id


async def stored_issue(client: AppClient, issue_id: int) -> NewsletterIssue:
    """The issue as stored now."""
    async with client.sessions() as session:
        issue = await session.get(NewsletterIssue, issue_id)
        assert issue is not None
        return issue


async def post_issue(
    client: AppClient,
    path: str,
    data: dict[str, str],
    cover: tuple[str, bytes, str] | None = None,
) -> httpx.Response:
    """Submit the issue form (multipart, as the browser does) with the CSRF token."""
    files = {"cover": cover} if cover else {"cover": ("", b"", "application/octet-stream")}
    form = {"csrf_token": await csrf(client), **data}
    return await client.post(path, data=form, files=files)


def form_values(series_id: int, **changes: str) -> dict[str, str]:
    """A complete, valid issue form."""
    return {
        "series_id": str(series_id),
        "number": "",
        "title": "七一专题",
        "author": "党群部",
        "digest": "本期摘要",
        "body": "## 重温誓词\n\n- 第一条\n- 第二条",
        "channel_mode": "auto",
        "scheduled_at": "",
        **changes,
    }


async def test_create_with_cover_edit_and_unschedule(console: AppClient) -> None:
    """The form checks every field and the cover; edits forget the stale WeChat draft."""
    await admin_console(console)
    series_id = await first_series(console)
    new = await console.get("/admin/newsletters/new")
    assert new.status_code == 200 and 'name="number"' in new.text and 'value="1"' in new.text

    bad = form_values(series_id, title="长" * 65, author="作" * 17, scheduled_at="2001-01-01T08:00")
    response = await post_issue(console, "/admin/newsletters/new", bad, ("a.png", b"GIF89a", "x"))
    assert response.status_code == 400
    assert 'id="title-error">最多 64 个字<' in response.text
    assert 'id="author-error">最多 16 个字<' in response.text
    assert 'id="cover-error">封面只能是 JPG 或 PNG 图片<' in response.text
    assert 'id="scheduled_at-error">定时发送的时间已经过去' in response.text
    too_big = ("big.png", b"\x89PNG\r\n\x1a\n" + b"0" * (2 * 1024 * 1024), "image/png")
    response = await post_issue(console, "/admin/newsletters/new", form_values(series_id), too_big)
    assert response.status_code == 400 and "封面图片不能超过 2 MB" in response.text
    assert await count_rows(console, NewsletterIssue) == 0

    png = tiny_png()
    response = await post_issue(
        console, "/admin/newsletters/new", form_values(series_id), ("封面.PNG", png, "image/png")
    )
    assert response.status_code == 303, re.findall(r"field-error[^<]*<", response.text)
    issue_id = int(response.headers["location"].rsplit("/", 1)[1])
    issue = await stored_issue(console, issue_id)
    assert (issue.number, issue.status, issue.title) == (1, "draft", "七一专题")
    assert issue.cover_image == png and issue.cover_filename == "封面.png"
    cover = await console.get(f"/admin/newsletters/{issue_id}/cover")
    assert cover.headers["content-type"] == "image/png" and cover.content == png
    again = await post_issue(console, "/admin/newsletters/new", form_values(series_id, number="1"))
    assert again.status_code == 400 and "这个刊物的第 1 期已经存在" in again.text

    # As if a publish had got as far as WeChat: a new body needs a new draft, same cover.
    async with console.sessions() as session:
        row = await session.get(NewsletterIssue, issue_id)
        assert row is not None
        row.cover_media_id, row.draft_media_id = "COVER1", "DRAFT1"
        await session.commit()
    edit = await console.get(f"/admin/newsletters/{issue_id}/edit")
    assert edit.status_code == 200 and "七一专题" in edit.text and "重温誓词" in edit.text
    path = f"/admin/newsletters/{issue_id}/edit"
    changed = form_values(series_id, number="1", body="新的正文", scheduled_at="2099-07-01T09:30")
    assert (await post_issue(console, path, changed)).status_code == 303
    issue = await stored_issue(console, issue_id)
    assert issue.body == "新的正文" and issue.draft_media_id is None
    assert issue.cover_media_id == "COVER1" and issue.cover_image == png
    assert issue.status == "scheduled"
    assert issue.scheduled_at == datetime(2099, 7, 1, 1, 30, tzinfo=UTC)  # 09:30 China time
    other = tiny_png(8, 8)
    response = await post_issue(console, path, changed, ("new.jpg", other, "image/png"))
    assert response.status_code == 303
    issue = await stored_issue(console, issue_id)
    assert issue.cover_image == other and issue.cover_filename == "new.png"
    assert issue.cover_media_id is None and issue.cover_url is None

    preview = await console.get(f"/admin/newsletters/{issue_id}")
    assert "取消定时" in preview.text and "2099-07-01 09:30" in preview.text
    response = await post_form(console, f"/admin/newsletters/{issue_id}/unschedule", {})
    assert response.status_code == 303
    issue = await stored_issue(console, issue_id)
    assert issue.status == "draft" and issue.scheduled_at is None

    (created,) = await audit_entries(console, "newsletter.create")
    assert created.after["title"] == "七一专题" and "cover_image" not in created.after
    updates = await audit_entries(console, "newsletter.update")
    assert len(updates) == 2 and updates[-1].before["body"].startswith("## 重温誓词")
    assert len(await audit_entries(console, "newsletter.unschedule")) == 1
    listing = await console.get("/admin/newsletters")
    assert "七一专题" in listing.text and "草稿" in listing.text


async def test_viewer_reads_but_every_write_is_403(console: AppClient) -> None:
    """A viewer sees the issues and the broadcasts; forms, sending and cancelling are refused."""
    issue_id = await add_issue(console)
    members = await add_members(console, 2)
    broadcast_id = await make_broadcast(console, members)
    await add_user(console, "viewer", AdminRole.VIEWER)
    await sign_in(console, "viewer")
    listing = await console.get("/admin/newsletters")
    assert listing.status_code == 200 and "学习贯彻会议精神" in listing.text
    assert "新建一期" not in listing.text
    preview = await console.get(f"/admin/newsletters/{issue_id}")
    assert preview.status_code == 200 and "立即发送" not in preview.text
    assert (await console.get(f"/admin/broadcasts/{broadcast_id}")).status_code == 200
    for path in ("/admin/newsletters/new", f"/admin/newsletters/{issue_id}/edit"):
        assert (await console.get(path)).status_code == 403, path
    assert (await console.get("/admin/newsletters/series")).status_code == 403
    writes = [
        "/admin/newsletters/new",
        f"/admin/newsletters/{issue_id}/edit",
        f"/admin/newsletters/{issue_id}/send",
        f"/admin/newsletters/{issue_id}/unschedule",
        "/admin/newsletters/series",
        f"/admin/broadcasts/{broadcast_id}/cancel",
    ]
    for path in writes:
        response = await post_form(console, path, {"title": "改", "code": "x", "name": "x"})
        assert response.status_code == 403, path
    assert await count_rows(console, Broadcast) == 1
    assert (await stored_issue(console, issue_id)).status == "draft"
    assert {r.status for r in await rows_of(console, broadcast_id)} == {"pending"}


async def test_series_form_is_for_admins(console: AppClient) -> None:
    """Admins add a series (unique code, name, menu key); secretaries write issues, not series."""
    await admin_console(console)
    await first_series(console)
    taken = {"code": "zuxuan", "name": "《神特党课》", "menu_key": ""}
    response = await post_form(console, "/admin/newsletters/series", taken)
    assert response.status_code == 400 and 'id="code-error">已被另一个刊物使用<' in response.text
    good = {
        "code": "dangke",
        "name": "《神特党课》",
        "description": "党课",
        "menu_key": "archive_dk",
    }
    assert (await post_form(console, "/admin/newsletters/series", good)).status_code == 303
    async with console.sessions() as session:
        names = {s.code: s for s in (await session.exec(select(NewsletterSeries))).all()}
    assert names["dangke"].menu_key == "ARCHIVE_DK"
    assert len(await audit_entries(console, "newsletter.series_create")) == 1
    units = await default_units(console)
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    async with second_browser(console) as secretary:
        await sign_in(secretary, "sec")
        assert (await secretary.get("/admin/newsletters/new")).status_code == 200
        assert (await secretary.get("/admin/newsletters/series")).status_code == 403


async def test_preview_renders_markdown_escapes_html_and_shows_reach(
    console: AppClient,
) -> None:
    """The article as WeChat shows it (no raw HTML runs); people per channel; who is missed."""
    await admin_console(console)
    await add_members(console, 3)
    await add_person(console, "U001", "未绑者", None)
    body = (
        "# 小标题\n\n**加粗**\n\n<script>alert(1)</script>\n\n"
        "| 项目 | 人数 |\n|---|---|\n| 学习 | 3 |"
    )
    issue_id = await add_issue(console, body=body, author="宣传委员", digest="摘要一句")
    page = await console.get(f"/admin/newsletters/{issue_id}")
    assert page.status_code == 200
    assert "<h1>小标题</h1>" in page.text and "<strong>加粗</strong>" in page.text
    assert "<td>学习</td>" in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert" not in page.text
    assert "宣传委员" in page.text and "摘要一句" in page.text
    assert f'src="/admin/newsletters/{issue_id}/cover"' in page.text
    assert re.search(r'data-testid="reach-群发图文">3<', page.text)
    assert re.search(r'data-testid="reach-unreachable">1<', page.text)
    row = re.search(r'data-testid="unreachable-row">(.*?)</tr>', page.text, re.S)
    assert row and "未绑者" in row.group(1) and "U001" in row.group(1)
    assert "未绑定微信" in row.group(1)

    notify = await add_issue(console, number=2, channel_mode="notify")
    page = await console.get(f"/admin/newsletters/{notify}")
    assert re.search(r'data-testid="reach-模板消息">3<', page.text)
    assert "群发图文</div>" not in page.text


async def test_send_delivers_once_progress_and_export(console: AppClient) -> None:
    """立即发送: one message per bound member, once however often it is clicked; 100 %; xlsx."""
    await admin_console(console)
    members = await add_members(console, 5)
    await add_person(console, "U001", "未绑者", None)
    issue_id = await add_issue(console)
    response = await post_form(console, f"/admin/newsletters/{issue_id}/send", {})
    assert response.status_code == 303, response.text[:800]
    location = response.headers["location"]
    broadcast_id = int(location.rsplit("/", 1)[1])
    assert location == f"/admin/broadcasts/{broadcast_id}"
    await console.state.broadcasts.drain(10)
    assert deliveries_by_openid(console) == Counter({m.openid: 1 for m in members})
    issue = await stored_issue(console, issue_id)
    assert issue.status == "sent" and issue.broadcast_id == broadcast_id

    twice = await post_form(console, f"/admin/newsletters/{issue_id}/send", {})
    assert twice.status_code == 303 and twice.headers["location"] == location
    await console.state.broadcasts.drain(10)
    assert await count_rows(console, Broadcast) == 1
    assert deliveries_by_openid(console) == Counter({m.openid: 1 for m in members})
    assert len(await audit_entries(console, "newsletter.send")) == 1

    figures = (await console.get(f"/admin/broadcasts/{broadcast_id}/progress.json")).json()
    assert figures["percent"] == 100 and figures["final"] is True
    assert figures["counts"]["sent"] == 5 and figures["counts"]["unreachable"] == 1
    assert figures["total"] == 6 and figures["status_label"] == "已完成"
    page = await console.get(f"/admin/broadcasts/{broadcast_id}")
    assert page.status_code == 200 and 'data-final="true"' in page.text
    assert page.text.count('data-testid="recipient-row"') == 6
    assert "群发图文" in page.text and "未绑定微信" in page.text
    only = await console.get(f"/admin/broadcasts/{broadcast_id}", params={"status": "unreachable"})
    assert only.text.count('data-testid="recipient-row"') == 1 and "未绑者" in only.text
    listing = await console.get("/admin/broadcasts")
    assert "学习贯彻会议精神" in listing.text and "100%" in listing.text
    issues = await console.get("/admin/newsletters")
    assert "5 / 6 人" in issues.text and "已发送" in issues.text
    assert "立即发送" not in (await console.get(f"/admin/newsletters/{issue_id}")).text

    export = await console.get(f"/admin/broadcasts/{broadcast_id}/export.xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    assert book.sheetnames == ["推送明细", "汇总"]
    rows = list(book["推送明细"].iter_rows(values_only=True))
    assert rows[0][:4] == ("姓名", "工号", "渠道", "状态")
    by_name = {row[0]: row for row in rows[1:]}
    assert len(by_name) == 6
    for index in range(5):
        assert by_name[f"成员{index}"][3] == "已发送"
        assert by_name[f"成员{index}"][2] == "群发图文"
    assert by_name["未绑者"][3] == "无法送达" and by_name["未绑者"][4] == "未绑定微信"
    summary = {row[0]: row[1] for row in book["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["总人数"] == 6 and summary["已发送"] == 5 and summary["完成度"] == "100%"
    assert len(await audit_entries(console, "broadcast.export")) == 1


async def test_publish_error_is_shown_on_the_preview(console: AppClient) -> None:
    """An issue that cannot go out says why, in the page, and nothing is created."""
    await admin_console(console)
    await add_members(console, 2)
    issue_id = await add_issue(console, body="   ")
    response = await post_form(console, f"/admin/newsletters/{issue_id}/send", {})
    assert response.status_code == 400
    assert 'data-testid="publish-error"' in response.text and "标题和正文不能为空" in response.text
    assert await count_rows(console, Broadcast) == 0
    assert (await stored_issue(console, issue_id)).status == "draft"


async def test_cancel_stops_what_is_not_sent(console: AppClient) -> None:
    """取消发送 before the sender ran: every pending row is 已取消, and nothing reaches anyone."""
    await admin_console(console)
    members = await add_members(console, 4)
    broadcast_id = await make_broadcast(console, members)  # stored, never kicked
    page = await console.get(f"/admin/broadcasts/{broadcast_id}")
    assert "取消发送" in page.text and 'data-final="false"' in page.text
    response = await post_form(console, f"/admin/broadcasts/{broadcast_id}/cancel", {})
    assert response.status_code == 303
    rows = await rows_of(console, broadcast_id)
    assert Counter(r.status for r in rows) == Counter({"cancelled": 4})
    page = await console.get(f"/admin/broadcasts/{broadcast_id}")
    assert page.text.count('data-testid="recipient-status">已取消<') == 4
    assert "已取消发送，4 人的消息不再发出" in page.text
    assert (await console.get(f"/admin/broadcasts/{broadcast_id}/progress.json")).json()["final"]
    again = await post_form(console, f"/admin/broadcasts/{broadcast_id}/cancel", {})
    assert again.status_code == 303
    assert "不能再取消" in (await console.get(again.headers["location"])).text
    (entry,) = await audit_entries(console, "broadcast.cancel")
    assert entry.target_id == str(broadcast_id)
    await console.state.broadcasts.sender().run()
    assert deliveries_by_openid(console) == Counter()


async def test_secretary_lists_only_their_own_people(console: AppClient) -> None:
    """The numbers count everyone; the names listed are the secretary's units only."""
    units = await default_units(console)
    mine = await add_person(console, "S001", "本组成员", units.groups[0])
    theirs = await add_person(console, "S002", "他组成员", units.groups[1])
    broadcast_id = await make_broadcast(console, [Member(mine, ""), Member(theirs, "")])
    await add_user(console, "sec", AdminRole.SECRETARY, units.groups[0])
    await sign_in(console, "sec")
    page = await console.get(f"/admin/broadcasts/{broadcast_id}")
    assert "本组成员" in page.text and "他组成员" not in page.text
    assert re.search(r'data-testid="count-total">2<', page.text)
    export = await console.get(f"/admin/broadcasts/{broadcast_id}/export.xlsx")
    names = [
        row[0]
        for row in load_workbook(io.BytesIO(export.content))["推送明细"].iter_rows(
            min_row=2, values_only=True
        )
    ]
    assert names == ["本组成员"]


async def test_at_night_the_preview_says_when_sending_will_start(
    make_client: Any, clock: Any
) -> None:
    """免打扰时段: the admin is told before clicking; the broadcast waits, nothing goes out."""
    from datetime import datetime

    from app.models.types import CHINA

    night = await make_client(quiet_hours="22:00-07:30")
    clock.set(datetime(2026, 12, 1, 23, 0, tzinfo=CHINA))
    await admin_console(night)
    await add_members(night, 2)
    issue_id = await add_issue(night)
    page = await night.get(f"/admin/newsletters/{issue_id}")
    assert "现在是免打扰时段：点「立即发送」后，消息在 12-02 07:30 才开始发出。" in page.text
    response = await post_form(night, f"/admin/newsletters/{issue_id}/send", {})
    assert response.status_code == 303
    await night.state.broadcasts.drain(10)
    assert sum(deliveries_by_openid(night).values()) == 0
    progress = await night.get(response.headers["location"])
    assert "免打扰时段（22:00–07:30），12-02 07:30 自动继续" in progress.text
