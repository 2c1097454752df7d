"""我的记录 shows this year's meetings and the member's standing at each, open ones first."""

from __future__ import annotations

from sqlmodel import select

from app.models import LeaveRequest
from app.services import audit
from app.services.meetings import leave as leave_service
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china, make_meeting, oauth_open


async def _approve_all(client: AppClient, clock) -> None:
    async with client.sessions() as session:
        for leave in (await session.exec(select(LeaveRequest))).all():
            await leave_service.decide_leave(
                session, request=leave, approve=True, note=None, actor=audit.SYSTEM, now=clock()
            )
        await session.commit()


async def _a_year_of_meetings(client: AppClient, clock, chat: Chat):
    """Last year's meeting, then this year: came, on leave, missed and made up, one to come."""
    [member] = await add_party_members(client, 1)
    clock.set(china(2025, 12, 1, 9))
    await make_meeting(client, starts_at=china(2025, 12, 5, 14, 30), title="去年的学习日")
    clock.set(china(2026, 9, 1, 9))
    await make_meeting(client, starts_at=china(2026, 9, 4, 14, 30), title="九月学习日")
    await make_meeting(client, starts_at=china(2026, 10, 9, 14, 30), title="十月学习日")
    await make_meeting(client, starts_at=china(2026, 11, 6, 14, 30), title="十一月学习日")
    await make_meeting(client, starts_at=china(2026, 12, 4, 14, 30), title="十二月学习日")
    clock.set(china(2026, 9, 4, 14, 20))
    await chat.click(member.openid, "STUDY_CHECKIN")
    clock.set(china(2026, 10, 8, 9))
    await chat.say(member.openid, "请假 出差")
    await _approve_all(client, clock)
    clock.set(china(2026, 11, 7, 10))
    await chat.say(member.openid, "补学 学习了会议精神")
    clock.set(china(2026, 11, 7, 12))
    return member


async def test_the_chat_reply_lists_this_years_meetings_open_ones_first(
    client: AppClient, clock, chat: Chat
) -> None:
    member = await _a_year_of_meetings(client, clock, chat)

    reply = await chat.say(member.openid, "我的")

    assert "今年会议 4 次：已签到 1，已准假 1，已补学 1" in reply
    assert "去年的学习日" not in reply
    order = [reply.index(t) for t in ("十二月学习日", "九月学习日")]
    assert order == sorted(order)  # the one to come (open) before the one attended
    assert "十二月学习日：未签到，按时参加并签到" in reply
    # 请假 is approved but the leave still asks for 补学 (until 11月8日, 30 days after).
    assert "十月学习日：已准假，请于 11月8日前点击「补学」完成补学" in reply
    assert "十一月学习日：已补学" in reply and "九月学习日：已签到" in reply
    assert reply.index("十月学习日") < reply.index("十一月学习日")


async def test_a_long_year_is_summarised_within_wechats_text_limit(
    client: AppClient, clock, chat: Chat
) -> None:
    [member] = await add_party_members(client, 1)
    clock.set(china(2026, 1, 1, 9))
    for day in range(60):
        await make_meeting(
            client,
            starts_at=china(2026, 1 + day // 6, 1 + day % 6 * 4, 14, 30),
            title=f"第{day + 1}次党小组学习会议",
        )
    clock.set(china(2026, 12, 20, 9))

    reply = await chat.say(member.openid, "我的")

    assert len(reply.encode()) <= 2048
    assert "今年会议 60 次：缺席 60" in reply and "另有" in reply and "见完整记录" in reply


async def test_the_page_shows_each_meeting_with_the_members_standing(
    client: AppClient, clock, chat: Chat
) -> None:
    member = await _a_year_of_meetings(client, clock, chat)

    page = await oauth_open(client, member.openid, "/m/me")

    assert page.status_code == 200
    assert "今年会议 4 次：已签到 1，已准假 1，已补学 1" in page.text
    standings = page.text.split('data-testid="meeting-line"')[1:]
    assert [s.split('data-testid="meeting-standing">')[1].split("<")[0] for s in standings] == [
        "已准假",
        "未签到",
        "已补学",
        "已签到",
    ]
    assert "请于 11月8日前点击「补学」完成补学" in page.text
