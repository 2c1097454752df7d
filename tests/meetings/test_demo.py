"""`shente seed-demo` leaves meetings to look at and one to check in to, once however often run."""

from __future__ import annotations

from sqlmodel import col, func, select

from app.dev.demo import DEMO_OPENIDS, seed
from app.dev.demo.meetings import TRY_IT_TITLE, seed_meetings
from app.models import Meeting, StudyDayRule
from tests.support.chat import china
from tests.support.demo import seed_demo


async def _count(client, statement):
    async with client.sessions() as session:
        return int((await session.exec(statement)).one())


async def test_the_demo_has_this_years_meetings_and_one_to_check_in_to(client, clock, chat):
    settings = client.settings
    await seed_demo(client)
    meetings = await _count(client, select(func.count()).select_from(Meeting))
    await seed(settings)

    assert await _count(client, select(func.count()).select_from(Meeting)) == meetings > 10
    assert await _count(client, select(func.count()).select_from(StudyDayRule)) == 1
    chat.sandbox.add_follower(DEMO_OPENIDS[0])
    clock.advance(60)  # the demo's meeting opens for check-in 40 minutes before it starts
    reply = await chat.click(DEMO_OPENIDS[0], "STUDY_CHECKIN")
    assert reply.startswith("签到成功！") and TRY_IT_TITLE in reply


async def test_run_again_just_before_midnight_it_adds_no_second_meeting_to_try(client):
    """At 23:50 the meeting to try starts after midnight: a second run must still find it."""
    await seed_demo(client)
    late = china(2030, 6, 1, 23, 50)  # a day of its own, whenever the suite runs
    async with client.sessions() as session:
        first = await seed_meetings(session, now=late)
        again = await seed_meetings(session, now=late)
        await session.commit()
    tried = select(func.count()).where(Meeting.title == TRY_IT_TITLE, Meeting.starts_at > late)
    assert first > 0 and again == 0
    assert await _count(client, tried) == 1


async def test_the_demo_committee_meetings_invite_only_the_committee(client):
    from app.dev.demo.people import DEMO_COMMITTEE
    from app.models import MeetingAttendance, MeetingKind, Person

    await seed_demo(client)
    async with client.sessions() as session:
        committees = (
            await session.exec(select(Meeting).where(Meeting.kind == MeetingKind.COMMITTEE.value))
        ).all()
        # (In January no committee meeting has been held yet this year.)
        for meeting in committees:
            invited = (
                await session.exec(
                    select(Person.employee_no)
                    .join(MeetingAttendance, col(MeetingAttendance.person_id) == Person.id)
                    .where(MeetingAttendance.meeting_id == meeting.id)
                )
            ).all()
            assert sorted(invited) == sorted(number for number, _ in DEMO_COMMITTEE)
