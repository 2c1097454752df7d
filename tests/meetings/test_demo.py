"""`shente seed-demo` leaves meetings to look at and one to check in to, once however often run."""

from __future__ import annotations

from sqlmodel import func, select

from app.dev.demo import DEMO_OPENIDS, seed
from app.dev.demo.meetings import TRY_IT_TITLE
from app.models import Meeting, StudyDayRule


async def _count(client, statement):
    async with client.sessions() as session:
        return int((await session.exec(statement)).one())


async def test_the_demo_has_this_years_meetings_and_one_to_check_in_to(client, clock, chat):
    settings = client.settings
    await seed(settings)
    meetings = await _count(client, select(func.count()).select_from(Meeting))
    await seed(settings)

    assert await _count(client, select(func.count()).select_from(Meeting)) == meetings > 10
    assert await _count(client, select(func.count()).select_from(StudyDayRule)) == 1
    chat.sandbox.add_follower(DEMO_OPENIDS[0])
    clock.advance(60)  # the demo's meeting opens for check-in 40 minutes before it starts
    reply = await chat.click(DEMO_OPENIDS[0], "STUDY_CHECKIN")
    assert reply.startswith("签到成功！") and TRY_IT_TITLE in reply
