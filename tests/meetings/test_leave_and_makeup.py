"""请假 and 补学 in WeChat: one tap names the meeting, the next text is stored with its time."""

from __future__ import annotations

import pytest
from sqlmodel import col, select

from app.models import LeaveRequest, LeaveStatus, MakeupSubmission
from app.services import audit
from app.services.meetings import leave as leave_service
from app.services.meetings import meetings as meeting_service
from tests.support.chat import add_party_members, china, make_meeting


async def _leaves(client):
    async with client.sessions() as session:
        return list((await session.exec(select(LeaveRequest).order_by(col(LeaveRequest.id)))).all())


async def _makeups(client):
    async with client.sessions() as session:
        rows = await session.exec(select(MakeupSubmission).order_by(col(MakeupSubmission.id)))
        return list(rows.all())


async def test_the_leave_button_asks_for_a_reason_and_the_next_text_is_it(client, clock, chat):
    clock.set(china(2026, 12, 3, 10, 0))
    [member] = await add_party_members(client, 1)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))

    asked = await chat.click(member.openid, "STUDY_LEAVE")
    assert "您正在为「12月5日（周六）14:30 固定学习日」请假" in asked and "请假原因" in asked
    answered = await chat.say(member.openid, "出差在外")

    assert answered.startswith("已提交请假") and "原因：出差在外" in answered
    [leave] = await _leaves(client)
    assert (leave.meeting_id, leave.person_id, leave.reason) == (
        meeting_id,
        member.person_id,
        "出差在外",
    )
    assert leave.status == LeaveStatus.PENDING.value and leave.requested_at == clock()
    # The question was answered: the next text is an ordinary message again.
    assert "没有理解" in await chat.say(member.openid, "出差回来了")
    assert len(await _leaves(client)) == 1


async def test_leave_by_keyword_in_one_message_and_a_second_one_updates_it(client, clock, chat):
    clock.set(china(2026, 12, 3, 10, 0))
    [member] = await add_party_members(client, 1)
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))

    assert (await chat.say(member.openid, "请假 家中有事")).startswith("已提交请假")
    updated = await chat.say(member.openid, "请假 孩子生病")

    assert "已更新请假原因：孩子生病" in updated
    [leave] = await _leaves(client)
    assert leave.reason == "孩子生病"


async def test_a_reason_typed_after_the_prompt_expired_is_not_taken(client, clock, chat):
    clock.set(china(2026, 12, 3, 10, 0))
    [member] = await add_party_members(client, 1)
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))

    await chat.click(member.openid, "STUDY_LEAVE")
    clock.advance(11 * 60)
    assert "没有理解" in await chat.say(member.openid, "出差")
    assert await _leaves(client) == []


async def test_an_approved_leave_is_not_asked_again_and_a_present_member_needs_none(
    client, clock, chat
):
    clock.set(china(2026, 12, 5, 14, 10))
    first, second = await add_party_members(client, 2)
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))

    await chat.say(first.openid, "请假 出差")
    [leave] = await _leaves(client)
    async with client.sessions() as session:
        leave = await session.get(LeaveRequest, leave.id)
        await leave_service.decide_leave(
            session, request=leave, approve=True, note=None, actor=audit.SYSTEM, now=clock()
        )
        await session.commit()
    assert "已获批准" in await chat.click(first.openid, "STUDY_LEAVE")

    await chat.click(second.openid, "STUDY_CHECKIN")
    assert "不需要请假" in await chat.say(second.openid, "请假 临时有事")


async def test_no_meeting_ahead_means_nothing_to_ask_leave_for(client, clock, chat):
    clock.set(china(2026, 12, 3, 10, 0))
    [member] = await add_party_members(client, 1)
    assert await chat.click(member.openid, "STUDY_LEAVE") == "近期没有需要请假的会议。"


async def test_make_up_after_missing_a_meeting(client, clock, chat):
    clock.set(china(2026, 12, 4, 9, 0))
    present, absent = await add_party_members(client, 2)
    meeting_id = await make_meeting(
        client,
        starts_at=china(2026, 12, 5, 14, 30),
        materials=[{"title": "学习材料一", "url": "https://example.org/a"}],
        makeup_task="学习材料一并写心得",
    )
    clock.set(china(2026, 12, 5, 14, 20))
    await chat.click(present.openid, "STUDY_CHECKIN")
    clock.set(china(2026, 12, 6, 9, 30))

    asked = await chat.click(absent.openid, "STUDY_MAKEUP")
    assert "补学「12月5日（周六）14:30 固定学习日」：学习材料一并写心得" in asked
    assert "https://example.org/a" in asked
    assert "您近期没有需要补学的会议" in await chat.click(present.openid, "STUDY_MAKEUP")
    done = await chat.say(absent.openid, "学习了材料一，体会是要把学习落实到岗位上。")

    assert "已记录您对「12月5日（周六）14:30 固定学习日」的补学" in done
    [makeup] = await _makeups(client)
    assert (makeup.meeting_id, makeup.person_id) == (meeting_id, absent.person_id)
    assert makeup.submitted_at == clock()
    assert "您近期没有需要补学的会议" in await chat.click(absent.openid, "STUDY_MAKEUP")


async def test_make_up_by_keyword_and_an_empty_one_asks_again(client, clock, chat):
    clock.set(china(2026, 12, 4, 9, 0))
    [member] = await add_party_members(client, 1)
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    clock.set(china(2026, 12, 7, 9, 0))

    assert "请直接回复您的学习心得" in await chat.say(member.openid, "补学")
    assert "已记录" in await chat.say(member.openid, "补学 https://example.org/my-notes")
    [makeup] = await _makeups(client)
    assert makeup.content == "https://example.org/my-notes"


async def test_leave_and_make_up_need_a_bound_member(client, clock, chat):
    clock.set(china(2026, 12, 3, 10, 0))
    [stranger] = await add_party_members(client, 1, bound=False)
    chat.sandbox.add_follower(stranger.openid)
    for key in ("STUDY_LEAVE", "STUDY_MAKEUP"):
        assert "还没有绑定身份" in await chat.click(stranger.openid, key)


async def test_a_moved_meeting_keeps_its_leave_requests(client, clock, chat):
    clock.set(china(2026, 12, 3, 10, 0))
    [member] = await add_party_members(client, 1)
    meeting_id = await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    await chat.say(member.openid, "请假 出差")
    async with client.sessions() as session:
        meeting = await meeting_service.get(session, meeting_id=meeting_id)
        assert meeting is not None
        draft = meeting_service.draft_of(meeting)
        draft.starts_at = china(2026, 12, 6, 9, 0)
        await meeting_service.update(
            session, meeting=meeting, draft=draft, actor=audit.SYSTEM, now=clock()
        )
        await session.commit()
    assert "已更新请假原因" in await chat.say(member.openid, "请假 仍在出差")


# A conditional update under concurrency: locking differs by database.
@pytest.mark.both_databases
async def test_two_admins_deciding_at_once_decide_it_once(client, clock, chat):
    import asyncio

    clock.set(china(2026, 12, 3, 10, 0))
    [member] = await add_party_members(client, 1)
    await make_meeting(client, starts_at=china(2026, 12, 5, 14, 30))
    await chat.say(member.openid, "请假 出差")
    [leave] = await _leaves(client)

    async def decide(approve: bool, name: str) -> bool:
        async with client.sessions() as session:
            request = await session.get(LeaveRequest, leave.id)
            actor = audit.Actor(id=None, name=name)
            decided = await leave_service.decide_leave(
                session, request=request, approve=approve, note=None, actor=actor, now=clock()
            )
            await session.commit()
            return decided

    results = await asyncio.gather(decide(True, "书记"), decide(False, "副书记"))

    assert sorted(results) == [False, True]
    [stored] = await _leaves(client)
    winner = "书记" if results[0] else "副书记"
    assert stored.decided_by == winner
    assert stored.status == (LeaveStatus.APPROVED if results[0] else LeaveStatus.REJECTED).value


async def test_make_up_lists_untitled_materials_without_repeating_the_heading(client, clock, chat):
    clock.set(china(2026, 12, 4, 9, 0))
    [member] = await add_party_members(client, 1)
    await make_meeting(
        client,
        starts_at=china(2026, 12, 5, 14, 30),
        materials=[{"title": "", "url": "https://example.org/b"}, {"url": "https://example.org/c"}],
    )
    clock.set(china(2026, 12, 6, 9, 30))
    asked = await chat.click(member.openid, "STUDY_MAKEUP")
    assert "\n学习材料：\nhttps://example.org/b\nhttps://example.org/c\n" in asked
    assert asked.count("学习材料") == 1
