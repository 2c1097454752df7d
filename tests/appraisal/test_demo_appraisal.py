"""The demo's round is open for voting now; 王建国 (the simulator's member) can still vote."""

from __future__ import annotations

from sqlmodel import select

from app.dev.demo import DEMO_OPENIDS, seed
from app.models import AppraisalRound, AppraisalStatus, Broadcast
from app.models.types import utcnow
from app.services.appraisal import rounds, voting
from app.services.people import roster as people_service
from tests.support.app import AppClient
from tests.support.chat import Chat
from tests.support.demo import seed_demo
from tests.support.plugin import Clock


async def test_the_demo_round_awaits_the_simulators_vote(client: AppClient, clock: Clock) -> None:
    await seed_demo(client)
    assert await seed(client.settings) >= 0  # run again: nothing doubled
    async with client.sessions() as session:
        [appraisal] = (await session.exec(select(AppraisalRound))).all()
        assert appraisal.status == AppraisalStatus.OPEN.value and appraisal.id is not None
        assert voting.vote_window_open(appraisal, utcnow())
        wang = await people_service.get_by_employee_no(session, employee_no="ST001")
        assert wang is not None and wang.id is not None
        assert not await rounds.voted(session, round_id=appraisal.id, person_id=wang.id)
        assert await rounds.voter_count(session, round_id=appraisal.id) >= 2
        places = await rounds.participants(session, round_id=appraisal.id)
        written = [p for p in places if p.self_text]
        assert len(written) > len(places) / 2
        told = select(Broadcast).where(Broadcast.key == f"appraisal.open:{appraisal.id}")
        assert (await session.exec(told)).first() is None  # the demo pushes nothing
    clock.set(utcnow())
    reply = await Chat(client, clock).say(DEMO_OPENIDS[0], "民主评议")
    assert f"/m/appraisal/{appraisal.id}?t=" in reply
