"""The meeting's check-in QR code in the console: generate, reuse, renew, image, print, errors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import pytest

from app.dev.sandbox import QueuedErrcode
from app.dev.sandbox.callbacks import _ticket
from app.models import AdminRole, Meeting, MeetingStatus
from app.services.meetings import qr
from tests.support.app import AppClient
from tests.support.chat import china, make_meeting
from tests.support.console import (
    add_user,
    admin_console,
    audit_entries,
    default_units,
    post_form,
    sign_in,
)
from tests.support.plugin import Clock

CREATE = "/cgi-bin/qrcode/create"


async def stored(client: AppClient, meeting_id: int) -> Meeting:
    async with client.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting


async def generate(client: AppClient, meeting_id: int) -> str:
    """Press 生成签到二维码 and return the meeting page the redirect lands on."""
    page = f"/admin/meetings/{meeting_id}"
    response = await post_form(client, f"{page}/qr", {}, page=page)
    assert response.status_code == 303, response.text[:500]
    assert response.headers["location"] == f"{page}#qr"
    landed = await client.get(page)
    assert landed.status_code == 200
    return landed.text


async def soon_meeting(client: AppClient, clock: Clock, **fields: Any) -> int:
    """A meeting two days from the clock's now, in the branch."""
    clock.set(china(2026, 3, 2, 9))
    starts = china(2026, 3, 4, 14, 30)
    return await make_meeting(
        client, starts_at=starts, place="三楼会议室", title="三月学习日", **fields
    )


async def test_generate_then_reuse_print_and_serve_the_image(
    console: AppClient, clock: Clock
) -> None:
    await admin_console(console)
    meeting_id = await soon_meeting(console, clock)
    before = (await console.get(f"/admin/meetings/{meeting_id}")).text
    assert "生成签到二维码" in before and "qr.svg" not in before
    assert (await console.get(f"/admin/meetings/{meeting_id}/qr.svg")).status_code == 404

    page = await generate(console, meeting_id)
    assert "已生成签到二维码，有效期至 2026-03-04 17:30" in page
    assert f'src="/admin/meetings/{meeting_id}/qr.svg"' in page and "打印" in page
    meeting = await stored(console, meeting_id)
    assert meeting.qr_ticket == _ticket(f"meeting:{meeting_id}")
    assert meeting.qr_url and meeting.qr_url.startswith("http://weixin.qq.com/q/")
    # Until check-in closes (the meeting's end, 16:30) plus an hour.
    assert meeting.qr_expires_at is not None
    deadline = meeting.checkin_closes_at + timedelta(hours=1)
    assert deadline <= meeting.qr_expires_at < deadline + timedelta(seconds=1)

    image = await console.get(f"/admin/meetings/{meeting_id}/qr.svg")
    assert image.status_code == 200
    assert image.headers["content-type"].startswith("image/svg+xml")
    assert ElementTree.fromstring(image.content).tag == "{http://www.w3.org/2000/svg}svg"
    assert b"<svg" in image.content
    assert "script-src" not in image.headers["content-security-policy"]

    printable = await console.get(f"/admin/meetings/{meeting_id}/qr")
    assert printable.status_code == 200
    for text in ("三月学习日", "三楼会议室", "微信扫码签到", "3月4日（周三）14:30–16:30"):
        assert text in printable.text
    assert "有效期至 2026年03月04日 17:30" in printable.text
    assert "@media print" in printable.text

    again = await generate(console, meeting_id)
    assert "签到二维码仍然有效" in again
    assert (await stored(console, meeting_id)).qr_expires_at == meeting.qr_expires_at
    assert console.sandbox.call_count(CREATE) == 1
    entries = await audit_entries(console, "meeting.qr")
    assert len(entries) == 1 and entries[0].target_id == str(meeting_id)


async def test_a_meeting_months_away_gets_30_days_and_renews(
    console: AppClient, clock: Clock
) -> None:
    await admin_console(console)
    clock.set(china(2026, 1, 5, 9))
    meeting_id = await make_meeting(console, starts_at=china(2026, 3, 4, 14, 30))
    page = await generate(console, meeting_id)
    assert "会在签到结束前过期" in page and "重新生成签到二维码" in page
    first = await stored(console, meeting_id)
    assert first.qr_expires_at == clock() + timedelta(days=30)
    printable = await console.get(f"/admin/meetings/{meeting_id}/qr")
    assert 'data-testid="qr-short"' in printable.text

    clock.advance(31 * 86400)
    assert (await console.get(f"/admin/meetings/{meeting_id}/qr.svg")).status_code == 404
    assert "过期" in (await console.get(f"/admin/meetings/{meeting_id}")).text
    renewed = await generate(console, meeting_id)
    assert "已生成签到二维码" in renewed
    second = await stored(console, meeting_id)
    assert second.qr_expires_at is not None and second.qr_expires_at > clock()
    assert console.sandbox.call_count(CREATE) == 2


@pytest.mark.parametrize(
    ("errcode", "reason"),
    [
        (48001, "没有生成带参数二维码的权限"),
        (45009, "次数已用完"),
        (40013, "错误码 40013"),
    ],
)
async def test_a_wechat_refusal_is_a_chinese_flash(
    console: AppClient, clock: Clock, errcode: int, reason: str
) -> None:
    await admin_console(console)
    meeting_id = await soon_meeting(console, clock)
    console.sandbox.faults.errcode_queue.append(QueuedErrcode(errcode, path=CREATE))
    page = await generate(console, meeting_id)
    assert "没有生成签到二维码" in page and reason in page
    meeting = await stored(console, meeting_id)
    assert meeting.qr_ticket is None and meeting.qr_expires_at is None
    assert await audit_entries(console, "meeting.qr") == []
    # The next press works: the fault was one call.
    assert "已生成签到二维码" in await generate(console, meeting_id)


async def test_no_code_for_a_cancelled_or_finished_meeting(
    console: AppClient, clock: Clock
) -> None:
    await admin_console(console)
    meeting_id = await soon_meeting(console, clock)
    finished = await make_meeting(console, starts_at=china(2026, 3, 1, 9))
    async with console.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED.value
        session.add(meeting)
        await session.commit()
    cancelled_page = await generate(console, meeting_id)
    assert "这次会议已经取消，不需要签到二维码。" in cancelled_page
    assert "生成签到二维码</button>" not in cancelled_page
    finished_page = await generate(console, finished)
    assert "签到已经结束" in finished_page
    assert console.sandbox.call_count(CREATE) == 0


async def test_viewers_see_but_cannot_generate(console: AppClient, clock: Clock) -> None:
    await admin_console(console)
    meeting_id = await soon_meeting(console, clock)
    await generate(console, meeting_id)
    console.cookies.clear()  # a fresh browser
    await add_user(console, "viewer", AdminRole.VIEWER)
    assert (await sign_in(console, "viewer")).status_code == 303
    page = f"/admin/meetings/{meeting_id}"
    refused = await post_form(console, f"{page}/qr", {}, page=page)
    assert refused.status_code == 403
    detail = (await console.get(page)).text
    assert "qr.svg" in detail and "生成签到二维码</button>" not in detail
    assert (await console.get(f"{page}/qr.svg")).status_code == 200
    assert (await console.get(f"{page}/qr")).status_code == 200


async def test_a_secretary_outside_the_unit_gets_404(console: AppClient, clock: Clock) -> None:
    units = await default_units(console)
    clock.set(china(2026, 3, 2, 9))
    meeting_id = await make_meeting(
        console, starts_at=china(2026, 3, 4, 14, 30), org_unit_id=units.groups[0]
    )
    await add_user(console, "sec2", AdminRole.SECRETARY, units.groups[1])
    assert (await sign_in(console, "sec2")).status_code == 303
    response = await post_form(console, f"/admin/meetings/{meeting_id}/qr", {})
    assert response.status_code == 404
    assert (await console.get(f"/admin/meetings/{meeting_id}/qr.svg")).status_code == 404


def test_scenes_name_meetings() -> None:
    assert qr.meeting_id_of("meeting:12") == 12
    assert qr.meeting_id_of("qrscene_meeting:12") == 12
    for other in ("", "meeting:", "meeting:x", "meeting:-1", "meeting:١٢", "bind:12", "12"):
        assert qr.meeting_id_of(other) is None, other


def test_every_wechat_failure_has_a_reason_in_chinese() -> None:
    from app.web.admin.meetings.qr import wechat_reason
    from app.wechat.errors import TokenInvalidError, TransientError

    assert "稍后再试" in wechat_reason(TransientError(None, "timed out", "qrcode/create"))
    assert "AppSecret" in wechat_reason(TokenInvalidError(40001, "invalid", "qrcode/create"))


def test_the_svg_encodes_any_url() -> None:
    svg = qr.qr_svg("http://weixin.qq.com/q/02abcDEF_ghi")
    root = ElementTree.fromstring(svg.encode())
    assert root.tag.endswith("svg") and root.get("viewBox")
