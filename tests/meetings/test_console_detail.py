"""One meeting in the console: details, reminders, the attendance sheet, minutes, attachments."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from openpyxl import load_workbook
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    AdminRole,
    LeaveRequest,
    Meeting,
    MeetingAttachment,
    MeetingAttendance,
    Person,
)
from app.services import audit
from app.services.meetings import attendance, reminders
from app.services.meetings import leave as leave_service
from app.services.meetings import makeup as makeup_service
from tests.support.app import AppClient
from tests.support.chat import Member, add_party_members, china, make_meeting
from tests.support.console import (
    add_user,
    admin_console,
    audit_entries,
    csrf,
    default_units,
    post_form,
    second_browser,
    sign_in,
)
from tests.support.plugin import Clock, count_rows


@dataclass
class Held:
    """A meeting that has ended: who came, who asked for leave, who made up."""

    meeting_id: int
    members: list[Member]
    leave_id: int
    pending_id: int


async def _person(session: AsyncSession, person_id: int) -> Person:
    person = await session.get(Person, person_id)
    assert person is not None
    return person


async def held_meeting(client: AppClient, clock: Clock) -> Held:
    """5 members: 2 checked in (扫码, 菜单), 1 approved leave, 1 absent made up, 1 pending leave."""
    app = client.app
    clock.set(china(2026, 12, 1, 9))
    members = await add_party_members(client, 5)
    meeting_id = await make_meeting(
        client,
        starts_at=china(2026, 12, 5, 14, 30),
        title="党员固定学习日",
        place="党员活动室",
        host_id=members[0].person_id,
        lecturer="王书记",
        topic="学习党的二十届四中全会精神",
        materials=[{"title": "全会公报", "url": "https://example.com/gongbao"}],
    )
    async with app.state.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        leave = await leave_service.request_leave(
            session,
            person=await _person(session, members[2].person_id),
            meeting=meeting,
            reason="出差在外地",
            now=clock(),
        )
        pending = await leave_service.request_leave(
            session,
            person=await _person(session, members[4].person_id),
            meeting=meeting,
            reason="家中有事",
            now=clock(),
        )
        assert leave.request is not None and pending.request is not None
        await leave_service.decide_leave(
            session,
            request=leave.request,
            approve=True,
            note="同意",
            actor=audit.SYSTEM,
            now=clock(),
        )
        await session.commit()
        leave_id, pending_id = leave.request.id, pending.request.id
    assert leave_id is not None and pending_id is not None
    clock.set(china(2026, 12, 5, 14, 20))
    async with app.state.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        for member, via in ((members[0], "qr"), (members[1], "menu")):
            result = await attendance.check_in(
                session,
                person=await _person(session, member.person_id),
                now=clock(),
                via=via,
                meeting=meeting,
            )
            assert result.outcome is attendance.CheckIn.DONE
        await session.commit()
    clock.set(china(2026, 12, 6, 10))
    async with app.state.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        made_up = await makeup_service.submit_makeup(
            session,
            person=await _person(session, members[3].person_id),
            meeting=meeting,
            content="学习了全会公报，<b>体会</b>如下：\n一要……",
            now=clock(),
        )
        assert made_up.outcome is makeup_service.Makeup.DONE
        await session.commit()
    return Held(meeting_id, members, leave_id, pending_id)


def counts(html: str) -> dict[str, int]:
    """The sheet's figures by label."""
    return {k: int(v) for k, v in re.findall(r'data-testid="count-([^"]+)">(\d+)<', html)}


def rows(html: str) -> dict[int, str]:
    """Each sheet row's HTML by person id."""
    found = re.findall(r'<tr data-testid="sheet-row" data-person="(\d+)">(.*?)</tr>', html, re.S)
    return {int(pid): body for pid, body in found}


def presence(row: str) -> str:
    """A row's 出勤 label."""
    match = re.search(r'data-testid="presence">([^<]+)<', row)
    assert match
    return match.group(1)


async def upload(
    client: AppClient, meeting_id: int, name: str, data: bytes, kind: str
) -> httpx.Response:
    """Submit the attachment form with one file."""
    token = await csrf(client, f"/admin/meetings/{meeting_id}")
    return await client.post(
        f"/admin/meetings/{meeting_id}/attachments",
        data={"csrf_token": token},
        files={"file": (name, data, kind)},
    )


# --- the page -------------------------------------------------------------------------------


async def test_page_shows_the_meeting_its_counts_and_each_invitees_line(
    console: AppClient, clock: Clock
) -> None:
    """After the meeting: details, the six figures, 出勤 labels, check-in way, leave, make-up."""
    held = await held_meeting(console, clock)
    members = held.members
    await admin_console(console)
    page = await console.get(f"/admin/meetings/{held.meeting_id}")
    assert page.status_code == 200
    html = page.text
    assert "<title>" in html and "党员固定学习日" in html and "固定学习日</small>" in html
    assert "12月5日（周六）14:30–16:30" in html
    assert "党员活动室" in html and "王书记" in html and "学习党的二十届四中全会精神" in html
    assert re.search(r'data-testid="host">\s*' + members[0].name, html)
    assert '<a href="https://example.com/gongbao" target="_blank"' in html and "全会公报" in html
    assert "神特新材党支部（含下级党小组）的党员" in html
    assert "12月5日 14:00 至 12月5日 16:30" in html
    assert 'data-testid="meeting-status">已结束<' in html

    assert counts(html) == {
        "应到": 5,
        "已签到": 2,
        "请假": 1,
        "请假待批": 1,
        "缺席": 1,
        "已补学": 1,
    }
    lines = rows(html)
    assert len(lines) == 5
    by_person = {m.person_id: lines[m.person_id] for m in members}
    assert [presence(by_person[m.person_id]) for m in members] == [
        "已签到",
        "已签到",
        "请假",
        "缺席",
        "请假待批",
    ]
    assert '12-05 14:20 · <span data-testid="via">扫码</span>' in by_person[members[0].person_id]
    assert ">菜单<" in by_person[members[1].person_id]
    assert "出差在外地" in by_person[members[2].person_id]
    assert "已准假（同意）" in by_person[members[2].person_id]
    assert "decide" not in by_person[members[2].person_id]
    # The make-up text is collapsed, and a member's markup is text.
    makeup = by_person[members[3].person_id]
    assert "12-06 10:00" in makeup and "<details><summary>查看内容</summary>" in makeup
    assert "&lt;b&gt;体会&lt;/b&gt;" in makeup and "<b>体会</b>" not in makeup
    # The pending request gets both decisions, each coming back to this page.
    pending = by_person[members[4].person_id]
    assert "待审批" in pending
    action = f'action="/admin/meetings/leaves/{held.pending_id}/decide"'
    assert pending.count(action) == 2
    assert 'name="decision" value="approve"' in pending
    assert 'name="decision" value="reject"' in pending
    assert pending.count(f'name="next" value="/admin/meetings/{held.meeting_id}"') == 2
    # Writers' buttons.
    assert f'href="/admin/meetings/{held.meeting_id}/edit"' in html
    assert f'action="/admin/meetings/{held.meeting_id}/cancel"' in html and "data-confirm" in html
    assert f'href="/admin/meetings/{held.meeting_id}/export.xlsx"' in html


async def test_reminder_schedule_quiet_hours_and_the_meetings_broadcasts(
    make_client: Callable[..., Any], clock: Clock
) -> None:
    """Each reminder's time (or why it is not sent), the follow-up, and broadcasts made for it."""
    console: AppClient = await make_client(
        quiet_hours="22:00-07:30", meeting_reminders="1d,1h", meeting_followup_time="09:00"
    )
    clock.set(china(2026, 12, 1, 9))
    await add_party_members(console, 2)
    early = await make_meeting(console, starts_at=china(2026, 12, 5, 7, 35), title="早间学习")
    moved = await make_meeting(console, starts_at=china(2026, 12, 5, 8, 0), title="八点学习")
    await admin_console(console)

    html = (await console.get(f"/admin/meetings/{early}")).text
    plan = re.findall(r'data-testid="plan-line">([^<]+)<', html)
    assert plan == [
        "提前 1 天：12月4日 07:35",
        "提前 1 小时：落在免打扰时段，不发送",
        "会后补学通知：12月6日 09:00（发给未签到、未补学的人员）",
    ]
    assert "还没有为这次会议发出提醒或通知。" in html
    plan = re.findall(
        r'data-testid="plan-line">([^<]+)<', (await console.get(f"/admin/meetings/{moved}")).text
    )
    assert plan[1] == "提前 1 小时：12月5日 07:30（避开免打扰时段）"

    # The day-before reminder is created by the scheduler: the page lists and links it.
    clock.set(china(2026, 12, 4, 7, 35))
    app = console.app
    async with app.state.sessions() as session:
        report = await reminders.send_reminders(session, settings=app.state.settings, now=clock())
        await session.commit()
    created = [b for b in report.created if b.subject_id == early]
    assert len(created) == 1
    html = (await console.get(f"/admin/meetings/{early}")).text
    assert f'href="/admin/broadcasts/{created[0].id}"' in html
    assert "会议提醒：12月5日（周六）07:35 早间学习" in html
    assert "会前提醒 · 2026-12-04 07:35 · 2 人" in html


async def test_no_reminders_and_a_cancelled_meeting(console: AppClient, clock: Clock) -> None:
    """A meeting without reminders says so; a cancelled one has no schedule and no buttons."""
    clock.set(china(2026, 12, 1, 9))
    quiet = await make_meeting(
        console, starts_at=china(2026, 12, 5, 14, 30), remind=False, follow_up=False
    )
    await admin_console(console)
    html = (await console.get(f"/admin/meetings/{quiet}")).text
    assert re.findall(r'data-testid="plan-line">([^<]+)<', html) == ["本次会议不发会前提醒。"]
    assert 'data-testid="meeting-status">未开始<' in html
    response = await post_form(console, f"/admin/meetings/{quiet}/cancel", {})
    assert response.status_code == 303
    html = (await console.get(f"/admin/meetings/{quiet}")).text
    assert 'data-testid="meeting-status">已取消<' in html
    assert "会议已取消，不再发送提醒和补学通知。" in html
    assert f'href="/admin/meetings/{quiet}/edit"' not in html
    assert f'action="/admin/meetings/{quiet}/cancel"' not in html


# --- attendance -----------------------------------------------------------------------------


async def test_admin_marks_someone_present_and_withdraws_it(
    console: AppClient, clock: Clock
) -> None:
    """登记出席 turns 缺席 into 已签到 (管理员登记), audited; withdrawing turns it back."""
    held = await held_meeting(console, clock)
    absent = held.members[3].person_id
    await admin_console(console)
    path = f"/admin/meetings/{held.meeting_id}/attendance/{absent}"
    page = f"/admin/meetings/{held.meeting_id}"
    response = await post_form(console, path, {"present": "1"}, page=page)
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/meetings/{held.meeting_id}#sheet"
    html = (await console.get(page)).text
    assert f"已登记{held.members[3].name}出席。" in html
    line = rows(html)[absent]
    assert presence(line) == "已签到" and ">管理员登记<" in line and "12-06 10:00" in line
    assert counts(html)["已签到"] == 3 and counts(html)["缺席"] == 0
    # Made up before being marked present: no longer counted among the made-up.
    assert counts(html)["已补学"] == 0
    assert len(await audit_entries(console, "meeting.mark_present")) == 1

    # Marking again keeps the first record.
    clock.advance(600)
    await post_form(console, path, {"present": "1"}, page=page)
    html = (await console.get(page)).text
    assert "已经签到" in html and "12-06 10:00" in rows(html)[absent]
    # A member's own check-in is not overwritten either.
    qr = held.members[0].person_id
    qr_path = f"/admin/meetings/{held.meeting_id}/attendance/{qr}"
    await post_form(console, qr_path, {"present": "1"}, page=page)
    assert ">扫码<" in rows((await console.get(page)).text)[qr]

    response = await post_form(console, path, {"present": "0"}, page=page)
    assert response.status_code == 303
    html = (await console.get(page)).text
    assert presence(rows(html)[absent]) == "缺席" and counts(html)["已补学"] == 1
    assert len(await audit_entries(console, "meeting.unmark_present")) == 1

    # Someone not on the list cannot be withdrawn; a guest can be recorded.
    guest = (await add_party_members(console, 1, prefix="g", unit_id=None))[0].person_id
    async with console.sessions() as session:
        # Not invited: the meeting had ended before they joined.
        statement = select(MeetingAttendance).where(MeetingAttendance.person_id == guest)
        assert (await session.exec(statement)).first() is None
    withdraw = f"/admin/meetings/{held.meeting_id}/attendance/{guest}"
    assert (await post_form(console, withdraw, {"present": "0"}, page=page)).status_code == 404
    assert (await post_form(console, withdraw, {"present": "1"}, page=page)).status_code == 303
    assert presence(rows((await console.get(page)).text)[guest]) == "已签到"


async def test_marking_before_check_in_opens_is_refused(console: AppClient, clock: Clock) -> None:
    """Before the check-in window opens nobody can be recorded present (and no buttons show)."""
    clock.set(china(2026, 12, 1, 9))
    member = (await add_party_members(console, 1))[0]
    meeting_id = await make_meeting(console, starts_at=china(2026, 12, 5, 14, 30))
    await admin_console(console)
    page = f"/admin/meetings/{meeting_id}"
    html = (await console.get(page)).text
    assert "登记出席</button>" not in html
    assert presence(rows(html)[member.person_id]) == "未签到"
    assert "未签到" in counts(html)
    path = f"/admin/meetings/{meeting_id}/attendance/{member.person_id}"
    await post_form(console, path, {"present": "1"}, page=page)
    html = (await console.get(page)).text
    assert "签到还没有开始" in html and presence(rows(html)[member.person_id]) == "未签到"


# --- the export -----------------------------------------------------------------------------


async def test_export_has_one_row_per_invitee_and_the_summary(
    console: AppClient, clock: Clock
) -> None:
    """签到表 .xlsx: the title rows, one row per invitee with 出勤, the totals; audited."""
    held = await held_meeting(console, clock)
    members = held.members
    await admin_console(console)
    response = await console.get(f"/admin/meetings/{held.meeting_id}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response.headers["content-disposition"]
    assert f'filename="meeting-{held.meeting_id}.xlsx"' in disposition
    assert "filename*=UTF-8''" + quote("签到表-2026-12-05-党员固定学习日.xlsx") in disposition
    assert response.headers["x-content-type-options"] == "nosniff"

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values: list[list[Any]] = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "签到表：12月5日（周六）14:30 党员固定学习日"
    assert values[1][0] is not None and "地点：党员活动室" in values[1][0]
    assert f"主持人：{members[0].name}" in values[1][0]
    assert values[2] == [
        "姓名",
        "所在单位",
        "出勤",
        "签到时间",
        "签到方式",
        "请假原因",
        "请假审批",
        "补学时间",
        "补学内容",
    ]
    people = {row[0]: row for row in values[3:8]}
    assert set(people) == {m.name for m in members}
    attendance_of = {name: row[2] for name, row in people.items()}
    assert attendance_of == {
        members[0].name: "已签到",
        members[1].name: "已签到",
        members[2].name: "请假",
        members[3].name: "缺席",
        members[4].name: "请假待批",
    }
    first = people[members[0].name]
    assert first[1] == "神特新材党支部" and first[3] == "2026-12-05 14:20" and first[4] == "扫码"
    assert people[members[2].name][5:7] == ["出差在外地", "已准假（同意）"]
    assert people[members[4].name][6] == "待审批"
    made_up = people[members[3].name]
    assert made_up[7] == "2026-12-06 10:00" and made_up[8].startswith("学习了全会公报")
    assert all(v is None for v in values[8])  # a blank row before the totals
    assert values[9][:7] == ["汇总", "应到", "已签到", "请假", "请假待批", "缺席", "已补学"]
    assert values[10][:7] == ["人数", 5, 2, 1, 1, 1, 1]
    entries = await audit_entries(console, "meeting.export")
    assert len(entries) == 1 and "5 人" in (entries[0].summary or "")


async def test_export_keeps_a_members_formula_as_text(console: AppClient, clock: Clock) -> None:
    """A make-up text that looks like a formula stays text in the workbook."""
    held = await held_meeting(console, clock)
    app = console.app
    async with app.state.sessions() as session:
        meeting = await session.get(Meeting, held.meeting_id)
        await makeup_service.submit_makeup(
            session,
            person=await _person(session, held.members[4].person_id),
            meeting=meeting,
            content='=HYPERLINK("http://evil.example","点我")',
            now=clock(),
        )
        await session.commit()
    await admin_console(console)
    response = await console.get(f"/admin/meetings/{held.meeting_id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cells = [c for row in sheet.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value)]
    assert len(cells) == 1 and cells[0].data_type == "s"


# --- minutes and attachments ----------------------------------------------------------------


async def test_minutes_are_saved_escaped_and_limited(console: AppClient, clock: Clock) -> None:
    """Minutes keep their line breaks, show markup as text, and over 20,000 characters fail."""
    held = await held_meeting(console, clock)
    await admin_console(console)
    page = f"/admin/meetings/{held.meeting_id}"
    path = f"/admin/meetings/{held.meeting_id}/minutes"
    text = "一、传达学习\r\n二、<script>alert(1)</script>讨论"
    response = await post_form(console, path, {"minutes": text}, page=page)
    assert response.status_code == 303
    html = (await console.get(page)).text
    assert "已保存会议记录。" in html
    shown = re.search(r'data-testid="minutes">(.*?)</div>', html, re.S)
    assert shown is not None
    assert shown.group(1) == "一、传达学习\n二、&lt;script&gt;alert(1)&lt;/script&gt;讨论"
    assert "<script>alert(1)</script>" not in html
    async with console.sessions() as session:
        meeting = await session.get(Meeting, held.meeting_id)
        assert meeting is not None
        assert meeting.minutes == "一、传达学习\n二、<script>alert(1)</script>讨论"
        assert meeting.minutes_by == "admin"
    assert len(await audit_entries(console, "meeting.minutes")) == 1

    too_long = "记" * 20_001
    response = await post_form(console, path, {"minutes": too_long}, page=page)
    assert response.status_code == 400
    assert "会议记录最多 20000 字，现在是 20001 字。" in response.text
    assert too_long in response.text  # what was typed is not lost
    async with console.sessions() as session:
        meeting = await session.get(Meeting, held.meeting_id)
        assert meeting is not None and meeting.minutes is not None
        assert meeting.minutes.startswith("一、")
    response = await post_form(console, path, {"minutes": "a\x00b"}, page=page)
    assert response.status_code == 400 and "空字符" in response.text


async def test_attachment_round_trip_with_a_chinese_name_and_limits(
    console: AppClient, clock: Clock
) -> None:
    """Upload and download give back the bytes and the Chinese name; >10 MB and empty fail."""
    held = await held_meeting(console, clock)
    await admin_console(console)
    page = f"/admin/meetings/{held.meeting_id}"
    data = bytes(range(256)) * 40
    response = await upload(console, held.meeting_id, "会议照片 2026.jpg", data, "image/jpeg")
    assert response.status_code == 303
    html = (await console.get(page)).text
    assert "已上传附件：会议照片 2026.jpg。" in html and "10.0 KB" in html
    async with console.sessions() as session:
        stored = (await session.exec(select(MeetingAttachment))).one()
        assert stored.filename == "会议照片 2026.jpg" and stored.size == len(data)
        assert stored.content_type == "image/jpeg" and stored.uploaded_by == "admin"
    link = f"/admin/meetings/{held.meeting_id}/attachments/{stored.id}"
    assert f'href="{link}"' in html
    download = await console.get(link)
    assert download.status_code == 200 and download.content == data
    assert download.headers["content-type"] == "image/jpeg"
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="attachment-{stored.id}.jpg"' in disposition
    assert "filename*=UTF-8''" + quote("会议照片 2026.jpg", safe="") in disposition
    assert download.headers["x-content-type-options"] == "nosniff"
    assert len(await audit_entries(console, "meeting.attachment_add")) == 1

    # An HTML page is only ever downloaded, as bytes; a folder in the name is dropped.
    evil = b"<script>alert(1)</script>"
    response = await upload(console, held.meeting_id, "C:\\temp\\页面.html", evil, "text/html")
    assert response.status_code == 303
    async with console.sessions() as session:
        html_file = (
            await session.exec(
                select(MeetingAttachment).where(col(MeetingAttachment.id) > stored.id)
            )
        ).one()
    assert html_file.filename == "页面.html"
    download = await console.get(f"/admin/meetings/{held.meeting_id}/attachments/{html_file.id}")
    assert download.content == evil
    assert download.headers["content-type"] == "application/octet-stream"
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["content-security-policy"]

    too_big = b"x" * (10 * 1024 * 1024 + 1)
    response = await upload(console, held.meeting_id, "录像.mp4", too_big, "video/mp4")
    assert response.status_code == 400 and "附件不能超过 10 MB。" in response.text
    response = await upload(console, held.meeting_id, "空.txt", b"", "text/plain")
    assert response.status_code == 400 and "文件是空的" in response.text
    token = await csrf(console, page)
    response = await console.post(
        f"/admin/meetings/{held.meeting_id}/attachments", data={"csrf_token": token}
    )
    assert response.status_code == 400 and "请选择要上传的文件。" in response.text
    assert await count_rows(console, MeetingAttachment) == 2

    # Another meeting's address does not reach it; deleting is audited.
    other = await make_meeting(console, starts_at=china(2026, 12, 20, 9))
    assert (
        await console.get(f"/admin/meetings/{other}/attachments/{stored.id}")
    ).status_code == 404
    response = await post_form(console, f"{link}/delete", {}, page=page)
    assert response.status_code == 303
    assert "已删除附件：会议照片 2026.jpg。" in (await console.get(page)).text
    assert await count_rows(console, MeetingAttachment) == 1
    assert (await console.get(link)).status_code == 404
    assert len(await audit_entries(console, "meeting.attachment_delete")) == 1


# --- who may see and change -----------------------------------------------------------------


async def test_viewer_sees_everything_but_every_post_is_403(
    console: AppClient, clock: Clock
) -> None:
    """A read-only account views and exports; marking, minutes and attachments are refused."""
    held = await held_meeting(console, clock)
    app = console.app
    async with app.state.sessions() as session:
        session.add(
            MeetingAttachment(
                meeting_id=held.meeting_id,
                filename="记录.pdf",
                content_type="application/pdf",
                size=4,
                data=b"%PDF",
            )
        )
        await session.commit()
    await add_user(console, "viewer", AdminRole.VIEWER)
    await sign_in(console, "viewer")
    page = f"/admin/meetings/{held.meeting_id}"
    response = await console.get(page)
    assert response.status_code == 200
    html = response.text
    assert counts(html)["应到"] == 5
    for hidden in ("登记出席</button>", "保存会议记录", "上传</button>", "/edit", "/cancel"):
        assert hidden not in html
    assert "/decide" not in html
    assert (await console.get(f"{page}/export.xlsx")).status_code == 200
    async with app.state.sessions() as session:
        attachment = (await session.exec(select(MeetingAttachment))).one()
    assert (await console.get(f"{page}/attachments/{attachment.id}")).content == b"%PDF"
    person = held.members[3].person_id
    for path, data in (
        (f"{page}/attendance/{person}", {"present": "1"}),
        (f"{page}/minutes", {"minutes": "记录"}),
        (f"{page}/attachments/{attachment.id}/delete", {}),
    ):
        assert (await post_form(console, path, data, page=page)).status_code == 403, path
    token = await csrf(console, page)
    response = await console.post(
        f"{page}/attachments", data={"csrf_token": token}, files={"file": ("a.txt", b"a")}
    )
    assert response.status_code == 403
    assert await count_rows(console, MeetingAttachment) == 1
    assert await count_rows(console, LeaveRequest, LeaveRequest.status == "approved") == 1


async def test_secretaries_see_their_units_people_only_and_others_get_404(
    console: AppClient, clock: Clock
) -> None:
    """A group's secretary sees its meeting with their people; another unit's gets 404 for all."""
    units = await default_units(console)
    clock.set(china(2026, 12, 1, 9))
    ours = await add_party_members(console, 2, unit_id=units.groups[0], prefix="a")
    theirs = await add_party_members(console, 2, unit_id=units.groups[1], prefix="b")
    # Held by the first group, inviting the whole branch.
    meeting_id = await make_meeting(
        console,
        starts_at=china(2026, 12, 5, 14, 30),
        org_unit_id=units.groups[0],
        invite_unit_id=units.branch,
        title="第一党小组学习",
    )
    clock.set(china(2026, 12, 5, 14, 40))
    await add_user(console, "sec0", AdminRole.SECRETARY, units.groups[0])
    await add_user(console, "sec1", AdminRole.SECRETARY, units.groups[1])
    await sign_in(console, "sec0")
    page = f"/admin/meetings/{meeting_id}"
    html = (await console.get(page)).text
    assert set(rows(html)) == {m.person_id for m in ours}
    assert counts(html)["应到"] == 2 and "仅显示您负责单位的人员" in html
    export = await console.get(f"{page}/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    names = [row[0] for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert {m.name for m in ours} <= set(names)
    assert not {m.name for m in theirs} & set(names)
    # Their own member can be marked; someone else's unit cannot.
    mark = f"{page}/attendance/{ours[0].person_id}"
    assert (await post_form(console, mark, {"present": "1"}, page=page)).status_code == 303
    other = f"{page}/attendance/{theirs[0].person_id}"
    assert (await post_form(console, other, {"present": "1"}, page=page)).status_code == 404
    async with console.sessions() as session:
        statement = select(MeetingAttendance).where(
            MeetingAttendance.meeting_id == meeting_id,
            col(MeetingAttendance.checked_in_at).is_not(None),
        )
        assert {r.person_id for r in (await session.exec(statement)).all()} == {ours[0].person_id}

    async with second_browser(console) as other_unit:
        await sign_in(other_unit, "sec1")
        assert (await other_unit.get(page)).status_code == 404
        assert (await other_unit.get(f"{page}/export.xlsx")).status_code == 404
        for path, data in (
            (f"{page}/attendance/{theirs[0].person_id}", {"present": "1"}),
            (f"{page}/minutes", {"minutes": "记录"}),
        ):
            assert (await post_form(other_unit, path, data)).status_code == 404, path
        token = await csrf(other_unit)
        response = await other_unit.post(
            f"{page}/attachments", data={"csrf_token": token}, files={"file": ("a.txt", b"a")}
        )
        assert response.status_code == 404
    assert len(await audit_entries(console, "meeting.export")) == 1


async def test_the_sheet_lists_each_unit_by_employee_number(
    console: AppClient, clock: Clock
) -> None:
    """党员p10 comes after 党员p9 (工号 p0010 > p0009), not before 党员p2 as code points sort."""
    clock.set(china(2026, 12, 1, 9))
    members = await add_party_members(console, 12)
    meeting_id = await make_meeting(console, starts_at=china(2026, 12, 5, 14, 30))
    await admin_console(console)
    html = (await console.get(f"/admin/meetings/{meeting_id}")).text
    assert list(rows(html)) == [m.person_id for m in members]
    export = await console.get(f"/admin/meetings/{meeting_id}/export.xlsx")
    sheet = load_workbook(io.BytesIO(export.content)).active
    assert sheet is not None
    names = [row[0] for row in sheet.iter_rows(min_row=4, max_row=15, values_only=True)]
    assert names == [m.name for m in members]


async def test_a_meeting_open_for_check_in_is_not_shown_as_not_started(
    console: AppClient, clock: Clock
) -> None:
    """Check-in opens before the start: with three checked in, the meeting says 签到中."""
    from tests.support.chat import Chat

    clock.set(china(2026, 12, 1, 9))
    members = await add_party_members(console, 4)
    meeting_id = await make_meeting(console, starts_at=china(2026, 12, 5, 14, 30))
    await admin_console(console)
    html = (await console.get(f"/admin/meetings/{meeting_id}")).text
    assert 'data-testid="meeting-status">未开始<' in html
    clock.set(china(2026, 12, 5, 14, 10))
    phone = Chat(console, clock)
    for member in members[:3]:
        assert (await phone.click(member.openid, "STUDY_CHECKIN")).startswith("签到成功")
    html = (await console.get(f"/admin/meetings/{meeting_id}")).text
    assert 'data-testid="meeting-status">签到中<' in html and counts(html)["已签到"] == 3
    listing = (await console.get("/admin/meetings", params={"year": "2026"})).text
    assert 'data-testid="meeting-status">签到中<' in listing
