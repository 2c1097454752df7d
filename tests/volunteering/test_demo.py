"""`shente seed-demo` leaves a team, a finished activity with approved hours, and an open
activity full with a waiting list that the simulator's member can still join."""

from __future__ import annotations

from sqlmodel import select

from app.dev.demo import DEMO_OPENIDS, seed
from app.models import VolunteerActivity, VolunteerMember, VolunteerSignup, VolunteerTeam
from tests.support.app import AppClient
from tests.support.chat import Chat
from tests.support.demo import seed_demo


async def test_the_demo_volunteering(client: AppClient, chat: Chat) -> None:
    await seed_demo(client)
    await seed(client.settings)  # idempotent
    async with client.sessions() as session:
        assert len((await session.exec(select(VolunteerTeam))).all()) == 1
        assert len((await session.exec(select(VolunteerMember))).all()) == 13
        found = {a.status: a for a in (await session.exec(select(VolunteerActivity))).all()}
        finished, full = found["finished"], found["open"]
        rows = (await session.exec(select(VolunteerSignup))).all()
    approved = [r for r in rows if r.activity_id == finished.id and r.approved_at]
    assert len(approved) == 4 and sum(r.half_hours or 0 for r in approved) == 6 + 6 + 6 + 4
    waiting = [r for r in rows if r.activity_id == full.id and r.status == "waiting"]
    assert (full.capacity, full.taken, len(waiting)) == (5, 5, 2)

    chat.sandbox.add_follower(DEMO_OPENIDS[0])
    listed = await chat.click(DEMO_OPENIDS[0], "VOLUNTEER")
    assert "敬老院陪伴志愿服务" in listed and "名额已满，候补 2 人" in listed
    assert "候补第 3 位" in await chat.say(DEMO_OPENIDS[0], f"报名 {full.id}")
