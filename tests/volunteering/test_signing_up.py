"""The 志愿服务 list in the chat, the one-tap page, and what is refused (twice, late, unbound)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, china
from tests.support.console import csrf_of
from tests.support.plugin import Clock
from tests.volunteering.support import BEFORE, START, make_activity, make_team, standing

LINK = re.compile(r"http://[^/\s]+(/m/volunteering/\d+\?t=[^\s]+)")


@pytest.fixture
async def subscription(make_client: Callable[..., Any]) -> AppClient:
    """An account without web OAuth: the signed link is what names the member."""
    client: AppClient = await make_client(wechat_account_type="subscription")
    return client


async def test_the_list_and_the_one_tap_page(subscription: AppClient, clock: Clock) -> None:
    client = subscription
    clock.set(BEFORE)
    chat = Chat(client, clock)
    members = await add_party_members(client, 3)
    team = await make_team(client, members)
    activity_id = await make_activity(client, team, capacity=1)
    await make_activity(client, team, title="草稿活动", publish=False)

    listed = await chat.click(members[0].openid, "VOLUNTEER")
    assert f"【{activity_id}】社区环境清洁" in listed and "草稿活动" not in listed
    assert "12月12日 09:00–12:00" in listed and "社区文化广场" in listed
    assert "剩余名额 1 个" in listed and "您：未报名" in listed
    # The typed name does what the button does.
    assert "社区环境清洁" in await chat.say(members[0].openid, "志愿服务")

    link = LINK.search(listed)
    assert link is not None
    page = await client.get(link.group(1))
    assert page.status_code == 200 and members[0].name in page.text
    assert 'data-testid="signup-button"' in page.text
    token = link.group(1).split("?t=", 1)[1]
    form = {"csrf_token": csrf_of(page.text), "t": token}
    tapped = await client.post(f"/m/volunteering/{activity_id}/signup", data=form)
    assert tapped.status_code == 303
    shown = await client.get(tapped.headers["location"])
    assert "报名成功" in shown.text and 'data-testid="activity-signed"' in shown.text
    # A second tap (another tab) is told so and records nothing more.
    again = await client.post(f"/m/volunteering/{activity_id}/signup", data=form)
    assert "无需重复报名" in (await client.get(again.headers["location"])).text
    assert await standing(client, activity_id) == {members[0].person_id: "signed"}

    # The list now shows the member's standing, and the full activity's waiting list.
    assert "您：已报名" in await chat.click(members[0].openid, "VOLUNTEER")
    assert "候补第 1 位" in await chat.say(members[1].openid, f"报名 {activity_id}")
    listed = await chat.click(members[2].openid, "VOLUNTEER")
    assert "名额已满，候补 1 人" in listed
    twice = await chat.say(members[1].openid, f"报名 {activity_id}")
    assert "候补名单中（第 1 位）" in twice and "无需重复报名" in twice
    assert len(await standing(client, activity_id)) == 2

    # A forged link shows a clear page and signs nobody up.
    forged = await client.get(f"/m/volunteering/{activity_id}?t={token[:-4]}abcd")
    assert forged.status_code == 404 and "链接无效" in forged.text
    posted = await client.post(
        f"/m/volunteering/{activity_id}/signup",
        data={"csrf_token": csrf_of(page.text), "t": "forged"},
    )
    assert posted.status_code == 404 and len(await standing(client, activity_id)) == 2
    # A link for another activity is forged for this one.
    other = await client.get(f"/m/volunteering/{activity_id + 1}?t={token}")
    assert other.status_code == 404

    # One tap cancels; the waiting member has the place at once.
    page = await client.get(link.group(1))
    assert 'data-testid="cancel-button"' in page.text
    left = await client.post(f"/m/volunteering/{activity_id}/cancel", data=form)
    assert "已取消报名" in (await client.get(left.headers["location"])).text
    assert await standing(client, activity_id) == {members[1].person_id: "signed"}


async def test_late_and_unbound_are_refused(client: AppClient, clock: Clock, chat: Chat) -> None:
    clock.set(BEFORE)
    members = await add_party_members(client, 2)
    [stranger] = await add_party_members(client, 1, prefix="u", bound=False)
    chat.sandbox.add_follower(stranger.openid)
    team = await make_team(client, members)
    activity_id = await make_activity(client, team)

    unbound = await chat.click(stranger.openid, "VOLUNTEER")
    assert "您还没有绑定身份" in unbound and "绑定" in unbound
    assert "您还没有绑定身份" in await chat.say(stranger.openid, f"报名 {activity_id}")
    assert "报名成功" in await chat.say(members[0].openid, f"报名 {activity_id}")
    assert "没有编号为 999 的" in await chat.say(members[0].openid, "报名 999")
    assert "请在「报名」后加上活动编号" in await chat.say(members[0].openid, "报名")

    clock.set(START + (china(2026, 1, 1, 0, 5) - china(2026, 1, 1)))  # five minutes in
    late = await chat.say(members[1].openid, f"报名 {activity_id}")
    assert "报名已于 12月12日 09:00 截止" in late
    refused = await chat.say(members[0].openid, f"取消报名 {activity_id}")
    assert "已经开始，不能再取消报名" in refused
    assert await standing(client, activity_id) == {members[0].person_id: "signed"}


async def test_a_long_list_fits_one_reply(client: AppClient, clock: Clock, chat: Chat) -> None:
    """WeChat cuts a text reply at 2,048 bytes: the soonest activities, and how many more."""
    clock.set(BEFORE)
    [member] = await add_party_members(client, 1)
    team = await make_team(client, [member])
    for day in range(7):
        await make_activity(
            client, team, starts_at=START.replace(day=13 + day), title=f"第{day + 1}次志愿服务活动"
        )
    listed = await chat.click(member.openid, "VOLUNTEER")
    assert len(listed.encode()) <= 2048 and "第1次志愿服务活动" in listed
    shown = listed.count("报名或取消：")
    assert 3 <= shown <= 5 and f"另有 {7 - shown} 项较晚的活动" in listed
