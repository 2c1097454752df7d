"""会议与学习日 in the console: the year's list, the meeting form, the study-day rule, leave."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select

from app.models import (
    AdminRole,
    Broadcast,
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    MeetingStatus,
    Person,
    PoliticalStage,
    StudyDayRule,
)
from app.models.types import CHINA
from app.services import audit
from app.services.meetings import attendance, study_days
from app.services.meetings import leave as leave_service
from tests.support.app import AppClient
from tests.support.broadcasts import rows_of
from tests.support.chat import add_party_members, branch_id, china, make_meeting
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
from tests.support.plugin import Clock, count_rows


def meeting_form(unit_id: int, **changes: str) -> dict[str, str]:
    """A complete, valid meeting form as the browser submits it (checkboxes ticked)."""
    return {
        "kind": MeetingKind.COMMITTEE.value,
        "title": "",
        "topic": "研究第四季度发展党员工作",
        "org_unit_id": str(unit_id),
        "date": "2026-12-05",
        "start_time": "14:30",
        "duration_minutes": "90",
        "place": "三楼会议室",
        "host_id": "",
        "lecturer": "",
        "materials": "学习材料一 https://example.com/a\nhttps://example.com/b",
        "invite_mode": "unit",
        "invite_unit_id": "",
        "party_members_only": "on",
        "checkin_before_minutes": "30",
        "remind": "on",
        "follow_up": "on",
        "makeup_task": "",
        **changes,
    }


async def meetings(client: AppClient) -> list[Meeting]:
    """Every meeting as stored now, in time order."""
    async with client.sessions() as session:
        result = await session.exec(select(Meeting).order_by(col(Meeting.starts_at)))
        return list(result.all())


async def stored(client: AppClient, model: Any, row_id: int) -> Any:
    """One row as stored now."""
    async with client.sessions() as session:
        return await session.get(model, row_id)


async def invited(client: AppClient, meeting_id: int) -> set[int]:
    """The people invited to a meeting."""
    async with client.sessions() as session:
        statement = select(MeetingAttendance.person_id).where(
            MeetingAttendance.meeting_id == meeting_id
        )
        return set((await session.exec(statement)).all())


async def ask_leave(client: AppClient, person_id: int, meeting_id: int) -> int:
    """A member's 请假 for a meeting, as WeChat stores it; the request's id."""
    app = client.app
    async with app.state.sessions() as session:
        person = await session.get(Person, person_id)
        meeting = await session.get(Meeting, meeting_id)
        assert person is not None
        result = await leave_service.request_leave(
            session, person=person, meeting=meeting, reason="出差在外地", now=app.state.clock()
        )
        await session.commit()
        assert result.request is not None and result.request.id is not None
        return result.request.id


async def check_in(client: AppClient, meeting_id: int, person_id: int) -> None:
    """An admin records someone as present."""
    app = client.app
    async with app.state.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        await attendance.mark_present(
            session,
            meeting=meeting,
            person_id=person_id,
            present=True,
            actor=audit.SYSTEM,
            now=app.state.clock(),
        )
        await session.commit()


async def notices(client: AppClient, key: str) -> list[Broadcast]:
    """Broadcasts with this key (at most one: the key is unique)."""
    async with client.sessions() as session:
        return list((await session.exec(select(Broadcast).where(Broadcast.key == key))).all())


def flashes(html: str) -> list[str]:
    """The flash messages a page shows."""
    return [
        m.strip()
        for m in re.findall(r'<div class="alert alert-\w+ py-2" role="\w+">([^<]*)<', html)
    ]


# --- the list -------------------------------------------------------------------------------


async def test_list_shows_this_years_meetings_with_status_summary_and_pending_leave(
    console: AppClient, clock: Clock
) -> None:
    """This China year's meetings by month; ended ones with counts; the pending-leave notice."""
    clock.set(china(2025, 12, 1, 9))
    members = await add_party_members(console, 3)
    old = await make_meeting(console, starts_at=china(2025, 12, 20, 9), title="去年的学习日")
    # 2026-01-01 00:30 China is still 2025 in UTC: it belongs to 2026 all the same.
    new_year = await make_meeting(
        console, starts_at=china(2026, 1, 1, 0, 30), kind=MeetingKind.COMMITTEE, title="元旦支委会"
    )
    ended = await make_meeting(console, starts_at=china(2026, 3, 6, 14, 30), place="党员活动室")
    clock.set(china(2026, 3, 6, 14, 40))
    await check_in(console, ended, members[0].person_id)
    await ask_leave(console, members[1].person_id, ended)
    running = await make_meeting(
        console, starts_at=china(2026, 6, 1, 9), kind=MeetingKind.LECTURE, title="七一党课"
    )
    later = await make_meeting(console, starts_at=china(2026, 9, 4, 14, 30), title="九月学习日")
    clock.set(china(2026, 6, 1, 9, 30))
    await admin_console(console)
    # The March request was for a meeting that ended; one more pending for September.
    await ask_leave(console, members[2].person_id, later)
    async with console.sessions() as session:
        march = (
            await session.exec(select(LeaveRequest).where(LeaveRequest.meeting_id == ended))
        ).one()
        march.status = LeaveStatus.APPROVED.value
        session.add(march)
        await session.commit()

    page = await console.get("/admin/meetings")
    assert page.status_code == 200
    html = page.text
    assert "去年的学习日" not in html
    for meeting_id in (new_year, ended, running, later):
        assert f'href="/admin/meetings/{meeting_id}"' in html
    assert "1月1日（周四）00:30" in html and "元旦支委会" in html and "支委会" in html
    assert "党员活动室" in html and "神特新材党支部" in html
    statuses = re.findall(r'data-testid="meeting-status">([^<]+)<', html)
    assert statuses == ["已结束", "已结束", "进行中", "未开始"]
    summaries = [s for s in re.findall(r'data-testid="meeting-summary">([^<]*)<', html) if s]
    assert "签到 1/3 · 请假 1 · 补学 0" in summaries
    assert len(re.findall(r'data-testid="month"', html)) == 4
    assert "有 1 条请假待审批" in html and 'href="/admin/meetings/leaves"' in html
    assert "新建会议" in html and 'href="/admin/meetings/rule"' in html
    assert 'href="/admin/meetings/year' in html

    last_year = (await console.get("/admin/meetings?year=2025")).text
    assert "去年的学习日" in last_year and f'href="/admin/meetings/{old}"' in last_year
    assert "元旦支委会" not in last_year
    lectures = (await console.get("/admin/meetings?kind=lecture")).text
    assert "七一党课" in lectures and "九月学习日" not in lectures


async def test_cancel_marks_the_meeting_and_it_can_no_longer_be_edited(
    console: AppClient, clock: Clock
) -> None:
    """取消 stores the status (audited); the edit form then sends you back with the reason."""
    clock.set(china(2026, 11, 1, 9))
    await admin_console(console)
    meeting_id = await make_meeting(console, starts_at=china(2026, 11, 20, 14, 30))
    response = await post_form(console, f"/admin/meetings/{meeting_id}/cancel", {})
    assert response.status_code == 303
    assert response.headers["location"] == f"/admin/meetings/{meeting_id}"
    assert (await stored(console, Meeting, meeting_id)).status == MeetingStatus.CANCELLED.value
    assert len(await audit_entries(console, "meeting.cancel")) == 1
    page = (await console.get("/admin/meetings")).text
    assert any(f.startswith("已取消会议：11月20日（周五）14:30") for f in flashes(page))
    assert re.findall(r'data-testid="meeting-status">([^<]+)<', page) == ["已取消"]

    edit = await console.get(f"/admin/meetings/{meeting_id}/edit")
    assert edit.status_code == 303 and edit.headers["location"] == f"/admin/meetings/{meeting_id}"
    response = await post_form(
        console, f"/admin/meetings/{meeting_id}/edit", meeting_form(await branch_id(console))
    )
    assert response.status_code == 303
    assert "这次会议已经取消，不能再修改。" in (await console.get("/admin/meetings")).text
    assert (await stored(console, Meeting, meeting_id)).title == "固定学习日"


# --- the meeting form -----------------------------------------------------------------------


async def test_create_through_the_form_stores_china_time_as_utc_and_invites_the_unit(
    console: AppClient, clock: Clock
) -> None:
    """2026-12-05 14:30 China is 06:30 UTC; an empty title is the kind's name; members invited."""
    clock.set(china(2026, 11, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    members = await add_party_members(console, 2, unit_id=units.groups[0])
    masses = await add_person(console, "M001", "群众甲", units.groups[0])
    page = await console.get("/admin/meetings/new")
    assert page.status_code == 200
    assert "本单位（含下级党小组）" in page.text and "指定人员" in page.text

    response = await post_form(console, "/admin/meetings/new", meeting_form(units.branch))
    assert response.status_code == 303, response.text[:2000]
    [meeting] = await meetings(console)
    assert response.headers["location"] == f"/admin/meetings/{meeting.id}"
    assert meeting.kind == "committee" and meeting.title == "支委会"
    assert meeting.starts_at == datetime(2026, 12, 5, 6, 30, tzinfo=UTC)
    assert meeting.ends_at == meeting.starts_at + timedelta(minutes=90)
    assert meeting.checkin_opens_at == meeting.starts_at - timedelta(minutes=30)
    assert meeting.materials == [
        {"title": "学习材料一", "url": "https://example.com/a"},
        {"title": "https://example.com/b", "url": "https://example.com/b"},
    ]
    assert meeting.invite_unit_id == units.branch and meeting.party_members_only
    assert meeting.created_by == "admin"
    assert await invited(console, meeting.id or 0) == {m.person_id for m in members}
    assert masses not in await invited(console, meeting.id or 0)
    assert (
        "已新建会议：12月5日（周六）14:30 支委会。" in (await console.get("/admin/meetings")).text
    )
    assert len(await audit_entries(console, "meeting.create")) == 1


async def test_named_invitees_host_and_edit_load_the_draft(
    console: AppClient, clock: Clock
) -> None:
    """指定人员 invites exactly those; the edit form shows them selected, and the China time."""
    clock.set(china(2026, 11, 1, 9))
    await admin_console(console)
    units = await default_units(console)
    members = await add_party_members(console, 3)
    chosen = [members[0].person_id, members[2].person_id]
    form = meeting_form(
        units.branch,
        kind="lecture",
        title="专题学习",
        host_id=str(members[1].person_id),
        invite_mode="people",
    )
    data = {**form, "person_ids": [str(pid) for pid in chosen]}
    response = await console.post(
        "/admin/meetings/new", data={"csrf_token": await csrf(console), **data}
    )
    assert response.status_code == 303, response.text[:2000]
    [meeting] = await meetings(console)
    assert meeting.host_id == members[1].person_id and meeting.invite_mode == "people"
    assert await invited(console, meeting.id or 0) == set(chosen)

    edit = (await console.get(f"/admin/meetings/{meeting.id}/edit")).text
    assert 'value="2026-12-05"' in edit and 'value="14:30"' in edit
    assert 'value="专题学习"' in edit
    selected = re.findall(r'<option value="(\d+)" selected>', edit)
    assert {str(pid) for pid in chosen} <= set(selected)
    assert str(members[1].person_id) in selected  # the host


async def test_invalid_form_is_shown_again_with_chinese_errors_and_nothing_stored(
    console: AppClient, clock: Clock
) -> None:
    """A link without http(s)://, an empty date, no named people, bad numbers: 400, no row."""
    clock.set(china(2026, 11, 1, 9))
    await admin_console(console)
    branch = await branch_id(console)
    cases = [
        (
            {"materials": "会议精神 www.example.com/a"},
            "第 1 行的链接应以 http:// 或 https:// 开头。",
        ),
        (
            {"materials": "https://example.com/ok\n\n只有标题"},
            "第 3 行的链接应以 http:// 或 https:// 开头。",
        ),
        ({"date": ""}, "请选择日期。"),
        ({"date": "2026-13-40"}, "日期格式应为 年-月-日，例如 2026-12-05。"),
        ({"start_time": ""}, "请选择开始时间。"),
        ({"invite_mode": "people"}, "请至少选择一位参会人员。"),
        ({"duration_minutes": "5"}, "时长应在 10 到 720 分钟之间。"),
        ({"duration_minutes": "两小时"}, "请填写整数（分钟）。"),
        ({"kind": "party"}, "请从列表中选择会议类型。"),
        ({"org_unit_id": "99999"}, "请从列表中选择主办单位。"),
        ({"host_id": "99999"}, "请从列表中选择主持人。"),
        ({"title": "长" * 101}, "最多 100 个字"),
    ]
    for changes, message in cases:
        response = await post_form(
            console, "/admin/meetings/new", meeting_form(branch, topic="保留的主题", **changes)
        )
        assert response.status_code == 400, changes
        assert message in response.text, changes
        assert 'data-testid="form-errors"' in response.text
        assert "保留的主题" in response.text  # what was typed is shown again
    assert await count_rows(console, Meeting) == 0


RULE_FORM = {
    "title": "党员固定学习日",
    "mode": "weekday",
    "week_of_month": "1",
    "weekday": "4",
    "day_of_month": "",
    "start_time": "14:30",
    "duration_minutes": "120",
    "place": "党员活动室",
    "months_ahead": "3",
    "active": "on",
}


async def study_day_rule(client: AppClient, unit_id: int) -> None:
    """The first-Friday 14:30 rule and its occurrences, as the planner job makes them."""
    app = client.app
    async with app.state.sessions() as session:
        rule = StudyDayRule(
            org_unit_id=unit_id,
            week_of_month=1,
            weekday=4,
            start_time=time(14, 30),
            place="党员活动室",
        )
        session.add(rule)
        await session.flush()
        await study_days.ensure_occurrences(session, rule=rule, now=app.state.clock())
        await session.commit()


def occurrence_form(unit_id: int, **changes: str) -> dict[str, str]:
    """The edit form of a study-day occurrence, as loaded, with changes."""
    loaded = {
        "kind": "study_day",
        "title": "党员固定学习日",
        "duration_minutes": "120",
        "place": "党员活动室",
        "materials": "",
    }
    return meeting_form(unit_id, **{**loaded, **changes})


async def test_editing_a_study_day_occurrences_time_marks_it_moved(
    console: AppClient, clock: Clock
) -> None:
    """An occurrence given another time by hand is 已单独调整; another field alone is not."""
    clock.set(china(2026, 1, 10, 9))
    await admin_console(console)
    branch = await branch_id(console)
    await add_party_members(console, 2)
    await study_day_rule(console, branch)
    # This month's first Friday (Jan 2) has passed: February to April.
    feb, march, april = await meetings(console)
    assert [feb.starts_at, march.starts_at, april.starts_at] == [
        china(2026, 2, 6, 14, 30),
        china(2026, 3, 6, 14, 30),
        china(2026, 4, 3, 14, 30),
    ]
    page = (await console.get("/admin/meetings/rule")).text
    assert "每月第一个周五 14:30" in page
    assert len(re.findall(r'data-testid="occurrence"', page)) == 3
    assert 'data-testid="moved"' not in page

    edit = (await console.get(f"/admin/meetings/{march.id}/edit")).text
    assert 'value="2026-03-06"' in edit and 'value="14:30"' in edit and "固定学习日规则" in edit
    same_time = occurrence_form(branch, date="2026-04-03", place="二楼会议室")
    response = await post_form(console, f"/admin/meetings/{april.id}/edit", same_time)
    assert response.status_code == 303, response.text[:2000]
    assert not (await stored(console, Meeting, april.id or 0)).moved
    moved_form = occurrence_form(branch, date="2026-03-07", start_time="09:00")
    response = await post_form(console, f"/admin/meetings/{march.id}/edit", moved_form)
    assert response.status_code == 303, response.text[:2000]
    moved = await stored(console, Meeting, march.id or 0)
    assert moved.moved and moved.starts_at == china(2026, 3, 7, 9)
    assert len(await audit_entries(console, "meeting.update")) == 2
    page = (await console.get("/admin/meetings/rule")).text
    assert len(re.findall(r'data-testid="moved"', page)) == 1
    assert "3月7日（周六）09:00" in page


async def test_rule_form_creates_occurrences_and_a_changed_rule_moves_the_unmoved(
    console: AppClient, clock: Clock
) -> None:
    """Saving creates N months ahead; a new rule moves every future occurrence not moved by hand."""
    clock.set(china(2026, 1, 10, 9))
    await admin_console(console)
    branch = await branch_id(console)
    await add_party_members(console, 2)
    response = await post_form(console, "/admin/meetings/rule", RULE_FORM)
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"] == f"/admin/meetings/rule?unit_id={branch}"
    starts = [m.starts_at for m in await meetings(console)]
    assert starts == [
        china(2026, 2, 6, 14, 30),
        china(2026, 3, 6, 14, 30),
        china(2026, 4, 3, 14, 30),
    ]
    page = (await console.get("/admin/meetings/rule")).text
    assert "已保存固定学习日：每月第一个周五 14:30。" in page
    assert len(re.findall(r'data-testid="occurrence"', page)) == 3

    march = (await meetings(console))[1]
    moved_form = occurrence_form(branch, date="2026-03-07", start_time="09:00")
    response = await post_form(console, f"/admin/meetings/{march.id}/edit", moved_form)
    assert response.status_code == 303
    changed = {**RULE_FORM, "week_of_month": "-1", "start_time": "15:00"}
    response = await post_form(console, "/admin/meetings/rule", changed)
    assert response.status_code == 303
    by_month = {m.starts_at.astimezone(CHINA).month: m for m in await meetings(console)}
    assert by_month[1].starts_at == china(2026, 1, 30, 15)  # the last Friday is still ahead
    assert by_month[2].starts_at == china(2026, 2, 27, 15)
    assert by_month[3].starts_at == china(2026, 3, 7, 9) and by_month[3].moved
    assert by_month[4].starts_at == china(2026, 4, 24, 15)
    page = (await console.get(f"/admin/meetings/rule?unit_id={branch}")).text
    assert "每月最后一个周五 15:00" in page
    assert len(re.findall(r'data-testid="moved"', page)) == 1
    assert len(await audit_entries(console, "study_day.rule")) == 2


DAY_RULE = {
    "title": "",
    "mode": "day",
    "week_of_month": "1",
    "weekday": "4",
    "start_time": "09:00",
    "duration_minutes": "60",
    "place": "",
    "months_ahead": "2",
    "active": "on",
}


async def test_rule_form_errors_are_shown_next_to_their_fields(
    console: AppClient, clock: Clock
) -> None:
    """每月几日 needs a day in range; months ahead and the time are checked; nothing is saved."""
    clock.set(china(2026, 1, 10, 9))
    await admin_console(console)
    await branch_id(console)
    page = await console.get("/admin/meetings/rule")
    assert page.status_code == 200 and "还没有设置固定学习日" in page.text
    for changes, message in (
        ({"day_of_month": ""}, "请填写每月几日。"),
        ({"day_of_month": "32"}, "每月几日应在 1 到 31 之间。"),
        ({"day_of_month": "5", "months_ahead": "13"}, "提前安排应在 1 到 12 个月之间。"),
        ({"day_of_month": "5", "start_time": "9点"}, "时间格式应为 时:分，例如 14:30。"),
        ({"day_of_month": "5", "duration_minutes": ""}, "请填写整数。"),
        ({"mode": "weekday", "week_of_month": "5"}, "第几个只能是第一个到第四个，或最后一个。"),
        ({"mode": "yearly"}, "请选择学习日的排法。"),
    ):
        response = await post_form(console, "/admin/meetings/rule", {**DAY_RULE, **changes})
        assert response.status_code == 400, changes
        assert message in response.text, changes
        assert 'data-testid="form-errors"' in response.text
    assert await count_rows(console, Meeting) == 0
    assert await count_rows(console, StudyDayRule) == 0


async def test_rule_by_day_of_month_uses_the_last_day_of_short_months(
    console: AppClient, clock: Clock
) -> None:
    """每月 31 日: January 31st, the last day of February, March 31st."""
    clock.set(china(2026, 1, 10, 9))
    await admin_console(console)
    await branch_id(console)
    response = await post_form(console, "/admin/meetings/rule", {**DAY_RULE, "day_of_month": "31"})
    assert response.status_code == 303
    assert [m.starts_at for m in await meetings(console)] == [
        china(2026, 1, 31, 9),
        china(2026, 2, 28, 9),
        china(2026, 3, 31, 9),
    ]
    assert "每月 31 日 09:00" in (await console.get("/admin/meetings/rule")).text


# --- leave ----------------------------------------------------------------------------------


async def test_approving_leave_notifies_the_member_once(console: AppClient, clock: Clock) -> None:
    """准假 stores the decision and one notice broadcast to the member; a second click does not."""
    clock.set(china(2026, 11, 1, 9))
    await admin_console(console)
    members = await add_party_members(console, 2)
    meeting_id = await make_meeting(console, starts_at=china(2026, 11, 6, 14, 30))
    leave_id = await ask_leave(console, members[0].person_id, meeting_id)
    page = (await console.get("/admin/meetings/leaves")).text
    assert members[0].name in page and "出差在外地" in page
    assert "11月6日（周五）14:30 固定学习日" in page

    decision = {"decision": "approve", "note": "同意，会后补学", "next": "/admin/meetings/leaves"}
    response = await post_form(console, f"/admin/meetings/leaves/{leave_id}/decide", decision)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/meetings/leaves"
    leave = await stored(console, LeaveRequest, leave_id)
    assert leave.status == LeaveStatus.APPROVED.value
    assert leave.decided_by == "admin" and leave.decision_note == "同意，会后补学"
    [notice] = await notices(console, f"leave:{leave_id}:decision")
    assert notice.kind == "notice" and "已准假" in notice.message["text"]
    assert [r.person_id for r in await rows_of(console, notice.id or 0)] == [members[0].person_id]
    page = (await console.get("/admin/meetings/leaves")).text
    assert f"{members[0].name}的请假已准假，已通知本人。" in page
    assert "没有待审批的请假。" in page

    # The meeting page posts here too and is returned to; an outside address is not followed.
    again = {**decision, "decision": "reject", "next": f"/admin/meetings/{meeting_id}"}
    response = await post_form(console, f"/admin/meetings/leaves/{leave_id}/decide", again)
    assert response.headers["location"] == f"/admin/meetings/{meeting_id}"
    assert "这条请假已经处理过了。" in (await console.get("/admin/meetings")).text
    assert (await stored(console, LeaveRequest, leave_id)).status == LeaveStatus.APPROVED.value
    assert await count_rows(console, Broadcast) == 1
    assert len(await audit_entries(console, "leave.")) == 1

    second = await ask_leave(console, members[1].person_id, meeting_id)
    evil = {"decision": "reject", "note": "", "next": "https://evil.example/"}
    response = await post_form(console, f"/admin/meetings/leaves/{second}/decide", evil)
    assert response.headers["location"] == "/admin/meetings/leaves"
    assert (await stored(console, LeaveRequest, second)).status == LeaveStatus.REJECTED.value
    [rejected] = await notices(console, f"leave:{second}:decision")
    assert "未准假" in rejected.message["text"]


async def test_secretary_sees_and_decides_only_their_units(
    console: AppClient, clock: Clock
) -> None:
    """Another group's secretary sees neither the meeting nor the leave, and cannot decide it."""
    clock.set(china(2026, 11, 1, 9))
    units = await default_units(console)
    members = await add_party_members(console, 1, unit_id=units.groups[0])
    meeting_id = await make_meeting(
        console,
        starts_at=china(2026, 11, 6, 14, 30),
        kind=MeetingKind.GROUP,
        title="第一党小组会",
        org_unit_id=units.groups[0],
    )
    leave_id = await ask_leave(console, members[0].person_id, meeting_id)
    await add_user(console, "sec2", AdminRole.SECRETARY, units.groups[1])
    await sign_in(console, "sec2")

    listing = (await console.get("/admin/meetings")).text
    assert "第一党小组会" not in listing and "请假待审批" not in listing
    leaves = (await console.get("/admin/meetings/leaves")).text
    assert members[0].name not in leaves
    form = (await console.get("/admin/meetings/new")).text
    assert f'<option value="{units.groups[1]}"' in form
    assert f'<option value="{units.branch}"' not in form
    assert f'<option value="{units.groups[0]}"' not in form
    decide = {"decision": "approve", "note": ""}
    response = await post_form(console, f"/admin/meetings/leaves/{leave_id}/decide", decide)
    assert response.status_code == 404
    assert (await stored(console, LeaveRequest, leave_id)).status == LeaveStatus.PENDING.value
    assert (await console.get(f"/admin/meetings/{meeting_id}/edit")).status_code == 404
    response = await post_form(console, f"/admin/meetings/{meeting_id}/cancel", {})
    assert response.status_code == 404
    assert (await stored(console, Meeting, meeting_id)).status == MeetingStatus.SCHEDULED.value
    # Holding a meeting in a unit outside their own is refused like a wrong choice.
    response = await post_form(
        console, "/admin/meetings/new", meeting_form(units.groups[0], kind="group_meeting")
    )
    assert response.status_code == 400 and "请从列表中选择主办单位。" in response.text
    # A group secretary has no branch: no study-day rule to set.
    assert "您负责的组织中没有党支部" in (await console.get("/admin/meetings/rule")).text
    response = await post_form(console, "/admin/meetings/rule", {"mode": "weekday"})
    assert response.status_code == 404
    assert (await console.get(f"/admin/meetings/rule?unit_id={units.branch}")).status_code == 404

    # The first group's secretary does see and decide it.
    await add_user(console, "sec1", AdminRole.SECRETARY, units.groups[0])
    async with second_browser(console) as own:
        await sign_in(own, "sec1")
        listing = (await own.get("/admin/meetings")).text
        assert "第一党小组会" in listing and "有 1 条请假待审批" in listing
        # Their member's leave for a branch meeting is theirs to decide, but not its page.
        branch_meeting = await make_meeting(
            console, starts_at=china(2026, 11, 13, 14, 30), kind=MeetingKind.GENERAL
        )
        await ask_leave(console, members[0].person_id, branch_meeting)
        leaves = (await own.get("/admin/meetings/leaves")).text
        assert "11月13日（周五）14:30 支部党员大会" in leaves
        assert f'href="/admin/meetings/{branch_meeting}"' not in leaves
        assert f'href="/admin/meetings/{meeting_id}"' in leaves
        response = await post_form(own, f"/admin/meetings/leaves/{leave_id}/decide", decide)
    assert response.status_code == 303
    assert (await stored(console, LeaveRequest, leave_id)).status == LeaveStatus.APPROVED.value


async def test_viewer_reads_but_every_meeting_write_is_403(
    console: AppClient, clock: Clock
) -> None:
    """A read-only account sees the pages without write buttons; every POST is refused."""
    clock.set(china(2026, 11, 1, 9))
    members = await add_party_members(console, 1, stage=PoliticalStage.PROBATIONARY)
    branch = await branch_id(console)
    meeting_id = await make_meeting(console, starts_at=china(2026, 11, 6, 14, 30))
    leave_id = await ask_leave(console, members[0].person_id, meeting_id)
    await add_user(console, "viewer", AdminRole.VIEWER)
    await sign_in(console, "viewer")
    listing = await console.get("/admin/meetings")
    assert listing.status_code == 200 and "固定学习日" in listing.text
    assert "新建会议" not in listing.text
    leaves = await console.get("/admin/meetings/leaves")
    assert leaves.status_code == 200 and members[0].name in leaves.text
    assert 'value="approve"' not in leaves.text
    rule = await console.get("/admin/meetings/rule")
    assert rule.status_code == 200 and "保存规则</button>" not in rule.text
    assert (await console.get("/admin/meetings/new")).status_code == 403
    assert (await console.get(f"/admin/meetings/{meeting_id}/edit")).status_code == 403
    writes = [
        ("/admin/meetings/new", meeting_form(branch)),
        (f"/admin/meetings/{meeting_id}/edit", meeting_form(branch)),
        (f"/admin/meetings/{meeting_id}/cancel", {}),
        ("/admin/meetings/rule", {"mode": "day", "day_of_month": "5"}),
        (f"/admin/meetings/leaves/{leave_id}/decide", {"decision": "approve"}),
    ]
    for path, data in writes:
        response = await post_form(console, path, data)
        assert response.status_code == 403, path
        assert "只读账号" in response.text
    assert await count_rows(console, Meeting) == 1
    assert (await stored(console, Meeting, meeting_id)).status == MeetingStatus.SCHEDULED.value
    assert (await stored(console, LeaveRequest, leave_id)).status == LeaveStatus.PENDING.value
    assert await count_rows(console, Broadcast) == 0


async def test_a_study_day_on_a_public_holiday_moves_to_the_next_working_day(
    console: AppClient, clock: Clock
) -> None:
    """每月 1 日 gives 1月1日 (元旦): it is held on 1月4日, the first working day after (a 调休
    Sunday), flagged on the rule page, which states the rule."""
    clock.set(china(2025, 12, 10, 9))
    await admin_console(console)
    await add_party_members(console, 2)
    rule = {**DAY_RULE, "day_of_month": "1", "months_ahead": "2"}
    response = await post_form(console, "/admin/meetings/rule", rule)
    assert response.status_code == 303, response.text[:2000]
    starts = [m.starts_at for m in await meetings(console)]
    assert starts == [china(2026, 1, 4, 9), china(2026, 2, 1, 9)]
    page = (await console.get("/admin/meetings/rule")).text
    flags = re.findall(r'data-testid="holiday-moved">([^<]+)<', page)
    assert flags == ["原定 1月1日是元旦，已顺延"]
    assert "遇法定节假日" in page and "顺延到节后第一个工作日" in page
