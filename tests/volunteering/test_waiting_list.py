"""The last place under concurrency, and the waiting list moving up when someone cancels."""

from __future__ import annotations

import asyncio

from sqlmodel import col, select

from app.models import Broadcast, BroadcastRecipient, VolunteerActivity
from app.services.volunteering import signups
from app.services.volunteering.signups import Outcome
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, oauth_open
from tests.support.pledges import link_sent_to, send
from tests.support.plugin import Clock
from tests.volunteering.support import BEFORE, activity, make_activity, make_team, standing


async def test_two_members_taking_the_last_place_at_once(client: AppClient, clock: Clock) -> None:
    clock.set(BEFORE)
    members = await add_party_members(client, 3)
    team = await make_team(client, members)
    activity_id = await make_activity(client, team, capacity=2)
    async with client.sessions() as session:
        found = await session.get(VolunteerActivity, activity_id)
        assert found is not None
        first = await signups.sign_up(
            session, activity=found, person_id=members[0].person_id, now=BEFORE
        )
        await session.commit()
    assert first.outcome is Outcome.SIGNED

    async def attempt(person_id: int) -> Outcome:
        async with client.sessions() as session:
            mine = await session.get(VolunteerActivity, activity_id)
            assert mine is not None
            result = await signups.sign_up(session, activity=mine, person_id=person_id, now=BEFORE)
            await asyncio.sleep(0.05)  # both hold their transaction open: a real overlap
            await session.commit()
            return result.outcome

    outcomes = await asyncio.gather(attempt(members[1].person_id), attempt(members[2].person_id))
    assert sorted(outcomes) == [Outcome.SIGNED, Outcome.WAITING]
    stored = await activity(client, activity_id)
    assert (stored.taken, stored.capacity) == (2, 2)
    assert sorted((await standing(client, activity_id)).values()) == [
        "signed",
        "signed",
        "waiting",
    ]


async def _promotion_notices(client: AppClient, person_id: int) -> int:
    async with client.sessions() as session:
        rows = await session.exec(
            select(BroadcastRecipient)
            .join(Broadcast, col(Broadcast.id) == col(BroadcastRecipient.broadcast_id))
            .where(
                Broadcast.kind == "volunteer_promoted", BroadcastRecipient.person_id == person_id
            )
        )
        return len(rows.all())


async def test_cancelling_moves_the_first_waiting_up_and_tells_them_once(
    client: AppClient, clock: Clock, chat: Chat
) -> None:
    clock.set(BEFORE)
    members = await add_party_members(client, 4)
    team = await make_team(client, members)
    activity_id = await make_activity(client, team, capacity=2)
    for member in members:
        await chat.say(member.openid, f"报名 {activity_id}")
    first_waiting, second_waiting = members[2], members[3]
    assert "候补第 2 位" in await chat.click(second_waiting.openid, "VOLUNTEER")

    assert "已取消「社区环境清洁」的报名" in await chat.say(
        members[0].openid, f"取消报名 {activity_id}"
    )
    assert await standing(client, activity_id) == {
        members[1].person_id: "signed",
        first_waiting.person_id: "signed",
        second_waiting.person_id: "waiting",
    }
    assert "您：已报名" in await chat.click(first_waiting.openid, "VOLUNTEER")
    assert "候补第 1 位" in await chat.click(second_waiting.openid, "VOLUNTEER")
    assert await _promotion_notices(client, first_waiting.person_id) == 1
    # The push's link opens the activity as the promoted member: cancel is one tap away.
    await send(client)
    opened = await oauth_open(
        client, first_waiting.openid, link_sent_to(client, first_waiting.openid)
    )
    page = await client.get(opened.headers["location"])
    assert page.status_code == 200 and "已报名" in page.text and "取消报名" in page.text

    # A waiting member cancelling frees no place: nobody moves, nobody is told.
    await chat.say(second_waiting.openid, f"取消报名 {activity_id}")
    assert await _promotion_notices(client, second_waiting.person_id) == 0
    assert (await activity(client, activity_id)).taken == 2

    # Telling again (a retry) sends nothing more: the notice is keyed by the sign-up.
    async with client.sessions() as session:
        found = await session.get(VolunteerActivity, activity_id)
        row = await signups.standing(
            session, activity_id=activity_id, person_id=first_waiting.person_id
        )
        assert found is not None and row is not None
        again = await signups.tell_promoted(
            session, activity=found, signup=row, settings=client.settings, now=BEFORE, by="test"
        )
        assert again is None
    assert await _promotion_notices(client, first_waiting.person_id) == 1
    assert "您没有报名" in await chat.say(members[0].openid, f"取消报名 {activity_id}")
