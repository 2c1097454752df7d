"""Check-in by scanning the activity's code, through the real callback: the console makes the
code (WeChat's sandbox serves it), members scan it; walk-ins count, stale scenes do not."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from app.dev.sandbox.callbacks import _ticket
from app.models import VolunteerSignup
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members
from tests.support.console import admin_console, post_form
from tests.support.plugin import Clock
from tests.volunteering.support import BEFORE, START, activity, make_activity, make_team


async def test_scanning_the_code_checks_in_members_and_walk_ins(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(BEFORE)
    await admin_console(client)
    members = await add_party_members(client, 4)
    team = await make_team(client, members)
    activity_id = await make_activity(client, team, capacity=2)
    for member in members[:3]:
        await chat.say(member.openid, f"报名 {activity_id}")  # the third waits

    page = f"/admin/volunteering/activities/{activity_id}"
    made = await post_form(client, f"{page}/qr", {}, page=page)
    assert made.status_code == 303
    shown = (await client.get(page)).text
    assert "已生成签到二维码" in shown and f"{page}/qr.svg" in shown
    stored = await activity(client, activity_id)
    assert stored.qr_ticket == _ticket(f"volunteer:{activity_id}")
    assert stored.qr_expires_at == START + timedelta(hours=4)  # the end, plus an hour's grace
    image = await client.get(f"{page}/qr.svg")
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg")

    scene = f"volunteer:{activity_id}"
    early = await chat.scan(members[0].openid, scene)
    assert "开始前 1 小时开放" in early

    clock.set(START - timedelta(minutes=10))
    done = await chat.scan(members[0].openid, scene)
    assert "签到成功！「社区环境清洁」" in done and "签到时间：12月12日 08:50" in done
    assert "无需重复签到" in await chat.scan(members[0].openid, scene)
    # The waiting one who came anyway, and someone who never signed up: walk-ins.
    clock.set(START + timedelta(minutes=30))
    assert "签到成功（现场参加）" in await chat.scan(members[2].openid, scene)
    assert "签到成功（现场参加）" in await chat.scan(members[3].openid, scene)

    listed = (await client.get(page)).text
    assert listed.count("现场参加") >= 2 and "12-12 08:50" in listed

    # Stale or unknown scenes check nobody in.
    for stale in ("volunteer:999999", "volunteer:abc", "volunteer:"):
        assert "签到二维码已失效" in await chat.scan(members[1].openid, stale)
    clock.set(START + timedelta(hours=3, minutes=5))
    assert "签到已关闭" in await chat.scan(members[1].openid, scene)
    async with client.sessions() as session:
        rows = {r.person_id: r for r in (await session.exec(select(VolunteerSignup))).all()}
    assert rows[members[1].person_id].checked_in_at is None
    assert rows[members[3].person_id].walk_in is True
