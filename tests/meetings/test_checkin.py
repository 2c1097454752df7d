"""签到 in WeChat: by button, keyword and QR code, inside the window, once per person."""

from __future__ import annotations

from sqlmodel import select

from app.models import MeetingAttendance, MeetingKind, MeetingStatus
from app.services.meetings import meetings as meeting_service
from tests.support.chat import add_party_members, branch_id, china, make_meeting


async def _attendance(client, meeting_id):
    async with client.sessions() as session:
        rows = await session.exec(
            select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting_id)
        )
        return {row.person_id: row for row in rows.all()}


async def test_the_button_checks_in_to_the_open_meeting_and_names_it(client, clock, chat):
    clock.set(china(2026, 12, 5, 14, 5))
    members = await add_party_members(client, 3)
    meeting_id = await make_meeting(
        client, starts_at=china(2026, 12, 5, 14, 30), place="三楼会议室", title="党员固定学习日"
    )

    reply = await chat.click(members[0].openid, "STUDY_CHECKIN")

    assert reply.startswith("签到成功！")
    assert "12月5日（周六）14:30 党员固定学习日" in reply and "三楼会议室" in reply
    rows = await _attendance(client, meeting_id)
    assert rows[members[0].person_id].check_in_via == "menu"
    assert rows[members[0].person_id].checked_in_at is not None
    assert all(rows[m.person_id].checked_in_at is None for m in members[1:])


async def test_checking_in_twice_counts_once_and_says_when(client, clock, chat):
    clock.set(china(2026, 12, 5, 14, 10))
    [member] = await add_party_members(client, 1)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))

    assert (await chat.say(member.openid, "签到")).startswith("签到成功！")
    first = (await _attendance(client, meeting_id))[member.person_id].checked_in_at
    again = await chat.click(member.openid, "STUDY_CHECKIN")

    assert "您已于 14:10 签到" in again and "无需重复签到" in again
    row = (await _attendance(client, meeting_id))[member.person_id]
    assert row.checked_in_at == first and row.check_in_via == "keyword"


async def test_before_the_window_the_member_is_told_when_it_opens(client, clock, chat):
    clock.set(china(2026, 12, 5, 9, 0))
    [member] = await add_party_members(client, 1)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))

    reply = await chat.click(member.openid, "STUDY_CHECKIN")

    assert reply.startswith("现在没有需要签到的会议。")
    assert "下一次会议：12月5日（周六）14:30" in reply
    # A QR code names its meeting: the reply says when its window opens.
    scanned = await chat.scan(member.openid, f"meeting:{meeting_id}")
    assert "签到从 14:00 开始" in scanned
    assert (await _attendance(client, meeting_id))[member.person_id].checked_in_at is None


async def test_after_the_window_check_in_is_refused_and_make_up_suggested(client, clock, chat):
    clock.set(china(2026, 12, 5, 17, 0))
    [member] = await add_party_members(client, 1)
    meeting_id = await make_meeting(
        client, starts_at=china(2026, 12, 5, 14, 30), duration_minutes=120
    )

    reply = await chat.scan(member.openid, f"meeting:{meeting_id}")

    assert "签到已于 16:30 结束" in reply and "补学" in reply
    assert (await _attendance(client, meeting_id))[member.person_id].checked_in_at is None


async def test_a_person_not_invited_is_told_so_and_not_counted(client, clock, chat):
    clock.set(china(2026, 12, 5, 14, 20))
    invited, outsider = await add_party_members(client, 2)
    meeting_id = await make_meeting(
        client,
        kind=MeetingKind.COMMITTEE,
        starts_at=china(2026, 12, 5, 14, 30),
        invite_mode="people",
        person_ids=[invited.person_id],
    )

    by_button = await chat.click(outsider.openid, "STUDY_CHECKIN")
    by_code = await chat.scan(outsider.openid, f"meeting:{meeting_id}")

    assert "不在「12月5日（周六）14:30 支委会」的参会范围内" in by_button
    assert "参会范围内" in by_code
    rows = await _attendance(client, meeting_id)
    assert outsider.person_id not in rows and rows[invited.person_id].checked_in_at is None


async def test_an_unbound_follower_is_told_how_to_bind(client, clock, chat):
    clock.set(china(2026, 12, 5, 14, 20))
    [stranger] = await add_party_members(client, 1, bound=False)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    chat.sandbox.add_follower(stranger.openid)

    reply = await chat.click(stranger.openid, "STUDY_CHECKIN")

    assert "还没有绑定身份" in reply and "绑定" in reply
    assert (await _attendance(client, meeting_id))[stranger.person_id].checked_in_at is None


async def test_a_new_follower_scanning_the_code_is_welcomed_then_checked_in(client, clock, chat):
    clock.set(china(2026, 12, 5, 14, 20))
    [member] = await add_party_members(client, 1)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    chat.sandbox.unsubscribe(member.openid)  # they unfollowed once; the scan follows again

    reply = await chat.scan(member.openid, f"meeting:{meeting_id}")

    assert reply.startswith("欢迎关注") and "签到成功！" in reply
    row = (await _attendance(client, meeting_id))[member.person_id]
    assert row.check_in_via == "qr"


async def test_a_cancelled_meeting_cannot_be_checked_in(client, clock, chat):
    clock.set(china(2026, 12, 5, 14, 20))
    [member] = await add_party_members(client, 1)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    async with client.sessions() as session:
        meeting = await meeting_service.get(session, meeting_id=meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED.value
        session.add(meeting)
        await session.commit()

    assert "已取消" in await chat.scan(member.openid, f"meeting:{meeting_id}")
    assert (await chat.click(member.openid, "STUDY_CHECKIN")).startswith("现在没有需要签到的会议")


async def test_someone_who_joined_the_branch_after_the_meeting_was_made_can_check_in(
    client, clock, chat
):
    clock.set(china(2026, 12, 5, 14, 0))
    await add_party_members(client, 1)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    [newcomer] = await add_party_members(client, 1, prefix="n", unit_id=await branch_id(client))

    assert (await chat.click(newcomer.openid, "STUDY_CHECKIN")).startswith("签到成功！")
    assert (await _attendance(client, meeting_id))[newcomer.person_id].checked_in_at is not None


async def test_a_stranger_scene_is_not_taken_for_a_meeting(client, clock, chat):
    [member] = await add_party_members(client, 1)
    assert await chat.scan(member.openid, "binding:abc") == ""
    assert "失效" in await chat.scan(member.openid, "meeting:99999")
