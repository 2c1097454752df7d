"""The console: a team made through its form, an activity made, published with one notice to
the team, more places moving the waiting up, the activity closed by its job."""

from __future__ import annotations

from sqlmodel import select

from app.models import Broadcast, BroadcastRecipient, PoliticalStage
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, run_job
from tests.support.console import admin_console, post_form
from tests.support.plugin import Clock
from tests.volunteering.support import BEFORE, START, activity, standing


async def _broadcasts(client: AppClient, kind: str) -> list[tuple[Broadcast, set[int]]]:
    async with client.sessions() as session:
        found = (await session.exec(select(Broadcast).where(Broadcast.kind == kind))).all()
        out = []
        for broadcast in found:
            rows = await session.exec(
                select(BroadcastRecipient.person_id).where(
                    BroadcastRecipient.broadcast_id == broadcast.id
                )
            )
            out.append((broadcast, set(rows.all())))
        return out


async def test_team_activity_publish_and_more_places(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(BEFORE)
    await admin_console(client)
    members = await add_party_members(client, 3)
    [league] = await add_party_members(client, 1, prefix="l", stage=PoliticalStage.MASSES)
    branch = (await client.get("/admin/volunteering/teams/new")).text
    assert "队伍名称" in branch
    made = await post_form(
        client,
        "/admin/volunteering/teams/new",
        {
            "name": "青年志愿服务队",
            "org_unit_id": await _branch(client),
            "leader_id": str(members[0].person_id),
            "person_ids": [str(m.person_id) for m in (*members[1:], league)],
        },
        page="/admin/volunteering/teams/new",
    )
    assert made.status_code == 303, made.text[:500]
    team_page = (await client.get(made.headers["location"])).text
    assert "党员 3 人" in team_page and "其他（团员、积极分子、群众等）1 人" in team_page
    team_id = int(made.headers["location"].rsplit("/", 1)[1])

    form = {
        "team_id": str(team_id),
        "title": "敬老院陪伴",
        "description": "陪老人聊天。",
        "place": "城南敬老院",
        "start_date": "2026-12-12",
        "start_time": "09:00",
        "end_time": "11:30",
        "capacity": "1",
        "deadline_date": "",
        "deadline_time": "",
    }
    bad = await post_form(
        client,
        "/admin/volunteering/activities/new",
        form | {"end_time": "08:00"},
        page="/admin/volunteering/activities/new",
    )
    assert bad.status_code == 400 and "结束时间应晚于开始时间" in bad.text
    created = await post_form(
        client, "/admin/volunteering/activities/new", form, page="/admin/volunteering"
    )
    assert created.status_code == 303
    page = created.headers["location"]
    activity_id = int(page.rsplit("/", 1)[1])
    assert "草稿" in (await client.get(page)).text
    assert "没有报名中的志愿服务活动" in await chat.click(members[1].openid, "VOLUNTEER")

    published = await post_form(client, f"{page}/publish", {"notify": "1"}, page=page)
    assert published.status_code == 303
    assert "已通知 4 名队员" in (await client.get(page)).text
    [(notice, people)] = await _broadcasts(client, "volunteer_published")
    assert people == {m.person_id for m in (*members, league)}
    assert not notice.ignore_quiet and not notice.message.get("urgent")  # waits out quiet hours
    again = await post_form(client, f"{page}/publish", {"notify": "1"}, page=page)
    assert "已经发布过" in (await client.get(again.headers["location"])).text
    assert len(await _broadcasts(client, "volunteer_published")) == 1

    for member in members[1:]:
        await chat.say(member.openid, f"报名 {activity_id}")
    edited = await post_form(client, f"{page}/edit", form | {"capacity": "2"}, page=page)
    assert "候补的 1 人已递补" in (await client.get(edited.headers["location"])).text
    assert set((await standing(client, activity_id)).values()) == {"signed"}
    [(_, told)] = await _broadcasts(client, "volunteer_promoted")
    assert told == {members[2].person_id}

    clock.set(START.replace(hour=12))
    await run_job(client, "volunteering.finish")
    assert (await activity(client, activity_id)).status == "finished"
    assert "已结束" in (await client.get("/admin/volunteering")).text


async def _branch(client: AppClient) -> str:
    page = (await client.get("/admin/volunteering/teams/new")).text
    return page.split('name="org_unit_id"', 1)[1].split('value="', 2)[1].split('"', 1)[0]
