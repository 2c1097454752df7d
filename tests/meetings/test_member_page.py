"""The member's meeting page /m/meetings/<id>: details, materials, and their own status."""

from __future__ import annotations

from typing import Any

from sqlmodel import select

from app.models import LeaveRequest, Meeting, MeetingStatus, Person
from app.services import audit
from app.services.meetings import attendance
from app.services.meetings import leave as leave_service
from tests.support.app import AppClient, MakeClient
from tests.support.chat import add_party_members, china, make_meeting, oauth_open
from tests.support.console import default_units
from tests.support.plugin import Clock

MATERIALS = [
    {"title": "学习材料一", "url": "https://example.com/a"},
    {"title": "《神特组宣》第7期", "issue_id": 7},
    {"title": "来路不明", "url": "javascript:alert(1)"},
]


async def a_meeting(client: AppClient, clock: Clock, **fields: Any) -> int:
    """A study day on 4 March at 14:30 (check-in from 14:00), seen on 2 March."""
    clock.set(china(2026, 3, 2, 9))
    values: dict[str, Any] = {
        "title": "三月学习日",
        "place": "三楼会议室",
        "topic": "学习《中国共产党章程》第一章",
        "materials": MATERIALS,
    }
    return await make_meeting(client, starts_at=china(2026, 3, 4, 14, 30), **(values | fields))


async def test_details_materials_and_what_to_do(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    meeting_id = await a_meeting(client, clock)
    page = await oauth_open(client, member.openid, f"/m/meetings/{meeting_id}")
    assert page.status_code == 200
    text = page.text
    for shown in ("三月学习日", "3月4日（周三）14:30–16:30", "三楼会议室", "中国共产党章程"):
        assert shown in text, shown
    assert 'href="https://example.com/a"' in text and "学习材料一" in text
    assert 'href="/m/n/7"' in text
    assert "来路不明" in text and "javascript:" not in text
    assert 'data-testid="status-label">未签到<' in text
    assert "到场后点击菜单「学习日签到」或扫码签到。" in text
    assert "不能参加请点击菜单「请假」。" in text
    # Signed in now: the next visit needs no second trip through WeChat.
    again = await client.get(f"/m/meetings/{meeting_id}")
    assert again.status_code == 200 and "未签到" in again.text


async def test_a_checked_in_member_sees_when(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    meeting_id = await a_meeting(client, clock)
    clock.set(china(2026, 3, 4, 14, 25))
    async with client.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        who = await session.get(Person, member.person_id)
        assert meeting is not None and who is not None
        result = await attendance.check_in(
            session, person=who, now=clock(), via="qr", meeting=meeting
        )
        assert result.outcome is attendance.CheckIn.DONE
        await session.commit()
    text = (await oauth_open(client, member.openid, f"/m/meetings/{meeting_id}")).text
    assert 'data-testid="status-label">已签到<' in text
    assert "签到时间：3月4日 14:25" in text
    assert "请点击菜单「请假」" not in text


async def test_leave_pending_then_approved(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    meeting_id = await a_meeting(client, clock)
    async with client.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        who = await session.get(Person, member.person_id)
        assert meeting is not None and who is not None
        await leave_service.request_leave(
            session, person=who, meeting=meeting, reason="出差", now=clock()
        )
        await session.commit()
    path = f"/m/meetings/{meeting_id}"
    text = (await oauth_open(client, member.openid, path)).text
    assert 'data-testid="status-label">请假待批<' in text and "请假事由：出差" in text
    async with client.sessions() as session:
        leave = (await session.exec(select(LeaveRequest))).one()
        await leave_service.decide_leave(
            session,
            request=leave,
            approve=True,
            note=None,
            actor=audit.Actor(id=None, name="test"),
            now=clock(),
        )
        await session.commit()
    approved = (await client.get(path)).text
    assert 'data-testid="status-label">已准假<' in approved
    assert "到场后点击菜单" not in approved


async def test_a_cancelled_meeting_says_so(client: AppClient, clock: Clock) -> None:
    [member] = await add_party_members(client, 1)
    meeting_id = await a_meeting(client, clock)
    async with client.sessions() as session:
        meeting = await session.get(Meeting, meeting_id)
        assert meeting is not None
        meeting.status = MeetingStatus.CANCELLED.value
        session.add(meeting)
        await session.commit()
    text = (await oauth_open(client, member.openid, f"/m/meetings/{meeting_id}")).text
    assert "本次会议已取消" in text and "三月学习日" in text
    assert "status-label" not in text and "学习日签到" not in text


async def test_members_not_invited_and_not_bound(client: AppClient, clock: Clock) -> None:
    units = await default_units(client)
    [outsider] = await add_party_members(client, 1, unit_id=units.groups[1], prefix="o")
    meeting_id = await a_meeting(client, clock, org_unit_id=units.groups[0])
    text = (await oauth_open(client, outsider.openid, f"/m/meetings/{meeting_id}")).text
    assert "您不在本次会议的参会名单中" in text and "status-label" not in text

    stranger = client.sandbox.add_follower().openid
    async with AppClient(client.app) as phone:
        page = (await oauth_open(phone, stranger, f"/m/meetings/{meeting_id}")).text
    assert 'href="/m/bind"' in page and "status-label" not in page


async def test_an_unknown_meeting_is_the_member_404(client: AppClient) -> None:
    response = await client.get("/m/meetings/999999")
    assert response.status_code == 404 and "会议不存在" in response.text


async def test_a_subscription_account_shows_the_page_without_oauth(
    make_client: MakeClient, clock: Clock
) -> None:
    client = await make_client(wechat_account_type="subscription")
    meeting_id = await a_meeting(client, clock)
    page = await client.get(f"/m/meetings/{meeting_id}")
    assert page.status_code == 200
    assert "三月学习日" in page.text and "扫码签到" in page.text
    assert "status-label" not in page.text
