"""Demo 民主评议党员 for `make run`: this year's round of the branch, voting open now.

Most full members have written their self-assessment; a few have voted; 王建国 (ST001, the
simulator's first member) has not, so the simulator can vote. Nobody is told: the round is
opened without notices, so starting the demo pushes nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR, person_by_number
from app.models import AppraisalRating, AppraisalRound, OrgUnit, OrgUnitKind
from app.models.types import CHINA
from app.services.appraisal import rounds, voting
from app.services.appraisal.rounds import Windows

# Those who have voted already (ST001, the simulator's member, has not).
VOTED = ("ST002", "ST003", "ST004", "ST005")
# Full members who have not written their self-assessment yet.
NO_SELF = ("ST001",)
SELF_TEXT = (
    "一年来，我认真学习党的创新理论，按时参加三会一课和主题党日，按期足额交纳党费；"
    "在岗位上履职尽责，完成了年度任务。不足之处是理论学习还不够深入，今后加以改进。"
)


async def seed_appraisal(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 民主评议党员 unless there is some; return how many rows were created."""
    if (await session.exec(select(AppraisalRound.id))).first() is not None:
        return 0
    units = (await session.exec(select(OrgUnit).order_by(col(OrgUnit.sort_order)))).all()
    branch = next((u for u in units if u.kind == OrgUnitKind.BRANCH.value), None)
    if branch is None or branch.id is None:
        return 0
    windows = Windows(
        self_opens_at=now - timedelta(days=20),
        self_closes_at=now + timedelta(days=5),
        vote_opens_at=now - timedelta(days=2),
        vote_closes_at=now + timedelta(days=5),
    )
    appraisal = await rounds.create(
        session,
        year=now.astimezone(CHINA).year,
        unit_id=branch.id,
        windows=windows,
        actor=DEMO_ACTOR,
        now=now - timedelta(days=21),
    )
    places = await rounds.open_round(
        session, appraisal=appraisal, settings=None, actor=DEMO_ACTOR, now=now - timedelta(days=20)
    )
    skipped = {p.id for n in NO_SELF if (p := await person_by_number(session, n)) is not None}
    for place in places:
        if place.person_id not in skipped:
            await voting.save_self(
                session, appraisal=appraisal, participant=place, text=SELF_TEXT, now=now
            )
    for number in VOTED:
        voter = await person_by_number(session, number)
        if voter is None or voter.id is None:
            continue
        ratings = {
            p.person_id: (
                AppraisalRating.EXCELLENT
                if (p.person_id + voter.id) % 4 == 0
                else AppraisalRating.QUALIFIED
            ).value
            for p in places
            if p.person_id != voter.id
        }
        await voting.vote(
            session, appraisal=appraisal, person_id=voter.id, ratings=ratings, now=now
        )
    return 1 + len(places) + len(VOTED)
