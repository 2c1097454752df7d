"""One person at one meeting has one state: check-in, leave and make-up never contradict."""

from __future__ import annotations

from sqlmodel import col, select

from app.models import LeaveRequest, LeaveStatus, MeetingAttendance
from app.services.meetings.status import TRANSITIONS, Standing, allowed
from tests.meetings.test_console_detail import presence, rows
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, make_meeting
from tests.support.console import admin_console, post_form


async def _leaves(client: AppClient) -> list[LeaveRequest]:
    async with client.sessions() as session:
        return list((await session.exec(select(LeaveRequest).order_by(col(LeaveRequest.id)))).all())


def test_every_state_has_its_moves_and_checking_in_supersedes_leave() -> None:
    assert set(TRANSITIONS) == set(Standing)
    for leave in (Standing.LEAVE_PENDING, Standing.ON_LEAVE, Standing.LEAVE_REJECTED):
        assert allowed(leave, Standing.PRESENT)
    assert not allowed(Standing.PRESENT, Standing.LEAVE_PENDING)
    assert not allowed(Standing.PRESENT, Standing.MADE_UP)
    assert not allowed(Standing.ON_LEAVE, Standing.LEAVE_PENDING)
    assert allowed(Standing.ON_LEAVE, Standing.MADE_UP)


async def test_checking_in_after_an_approved_leave_withdraws_it_and_asks_no_make_up(
    console: AppClient, clock
) -> None:
    chat = Chat(console, clock)
    clock.set(china(2026, 12, 3, 10, 0))
    await admin_console(console)
    [member] = await add_party_members(console, 1)
    meeting_id = await make_meeting(console, starts_at=china(2026, 12, 5, 14, 30))
    await chat.say(member.openid, "请假 出差")
    [leave] = await _leaves(console)
    decision = {"decision": "approve", "note": "", "next": "/admin/meetings/leaves"}
    await post_form(console, f"/admin/meetings/leaves/{leave.id}/decide", decision)

    clock.set(china(2026, 12, 5, 14, 20))  # the trip was called off: the member came
    reply = await chat.click(member.openid, "STUDY_CHECKIN")

    assert reply.startswith("签到成功") and "请假已自动撤回，无需补学" in reply
    [leave] = await _leaves(console)
    assert leave.status == LeaveStatus.WITHDRAWN.value
    clock.set(china(2026, 12, 6, 10, 0))
    line = rows((await console.get(f"/admin/meetings/{meeting_id}")).text)[member.person_id]
    assert presence(line) == "已签到"
    assert "已准假" not in line and "已签到，请假撤回" in line
    assert "没有需要补学" in await chat.click(member.openid, "STUDY_MAKEUP")


async def test_a_member_already_checked_in_is_told_at_the_first_tap_of_leave(
    client: AppClient, clock, chat: Chat
) -> None:
    clock.set(china(2026, 12, 5, 14, 20))
    [member] = await add_party_members(client, 1)
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    await chat.click(member.openid, "STUDY_CHECKIN")

    reply = await chat.click(member.openid, "STUDY_LEAVE")

    assert "您已签到" in reply and "不需要请假" in reply and "请假原因" not in reply
    # Nothing was asked, so the next text is not taken as a reason.
    assert "没有理解" in await chat.say(member.openid, "出差")
    assert await _leaves(client) == []


async def test_the_leave_queue_shows_who_has_checked_in_and_refuses_to_approve_them(
    console: AppClient, clock
) -> None:
    chat = Chat(console, clock)
    clock.set(china(2026, 12, 3, 10, 0))
    await admin_console(console)
    away, came, old = await add_party_members(console, 3)
    await make_meeting(console, starts_at=china(2026, 12, 5, 14, 30))
    for member in (away, came, old):
        await chat.say(member.openid, "请假 出差")
    clock.set(china(2026, 12, 5, 14, 20))
    await chat.click(came.openid, "STUDY_CHECKIN")
    # A record from before the fix: checked in with the request still pending.
    async with console.sessions() as session:
        row = (
            await session.exec(
                select(MeetingAttendance).where(MeetingAttendance.person_id == old.person_id)
            )
        ).one()
        row.checked_in_at, row.check_in_via = clock(), "admin"
        session.add(row)
        await session.commit()

    page = (await console.get("/admin/meetings/leaves")).text

    by_name = {
        name: body
        for body in page.split('data-testid="leave-row"')[1:]
        for name in (away.name, came.name, old.name)
        if name in body.split("</td>")[0]
    }
    assert "请假待批" in by_name[away.name] and "准假</button>" in by_name[away.name]
    for member in (came, old):
        assert "已签到" in by_name[member.name] and "无需审批" in by_name[member.name]
        assert "准假</button>" not in by_name[member.name]
    [_, _, stale] = await _leaves(console)
    decision = {"decision": "approve", "note": "", "next": "/admin/meetings/leaves"}
    await post_form(console, f"/admin/meetings/leaves/{stale.id}/decide", decision)
    after = (await console.get("/admin/meetings/leaves")).text
    assert f"{old.name}已签到，请假已自动撤回，无需审批。" in after
    assert [leave.status for leave in await _leaves(console)] == [
        LeaveStatus.PENDING.value,
        LeaveStatus.WITHDRAWN.value,
        LeaveStatus.WITHDRAWN.value,
    ]
