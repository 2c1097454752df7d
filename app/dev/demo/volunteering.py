"""Demo 志愿服务 for `make run`: a team, a finished activity with approved hours, and an open
one that is full with a waiting list (王建国, the simulator's member, can still join it)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR, ids_of
from app.models import ActivityStatus, VolunteerSignup, VolunteerTeam
from app.models.types import CHINA
from app.services.people import org_units
from app.services.volunteering import activities, hours, signups, teams
from app.services.volunteering.activities import ActivityDraft

TEAM = "神特青年志愿服务队"
# Party members and, among the others, an activist and the branch's younger staff.
MEMBERS = ("ST001", "ST002", "ST003", "ST004", "ST006", "ST008", "ST010", "ST012", "ST014",
           "ST016", "ST019", "ST021", "ST022")  # fmt: skip
CAME = ("ST002", "ST003", "ST004", "ST006")  # the finished activity's participants
SIGNED_UP = ("ST002", "ST003", "ST004", "ST006", "ST008", "ST010", "ST012")  # 5 places, 2 wait


def _day_at(now: datetime, days: int, hour: int, minute: int = 0) -> datetime:
    """A China-time moment `days` from now."""
    day = (now.astimezone(CHINA) + timedelta(days=days)).date()
    return datetime.combine(day, time(hour, minute), CHINA)


async def _finished(
    session: AsyncSession, team_id: int, people: dict[str, int], now: datetime
) -> int:
    """Three weeks ago: four came, their hours approved."""
    starts = _day_at(now, -20, 9)
    draft = ActivityDraft(
        team_id=team_id,
        title="社区环境清洁志愿服务",
        description="清理小区公共区域垃圾，宣传垃圾分类。",
        place="神特社区文化广场",
        starts_at=starts,
        ends_at=starts + timedelta(hours=3),
        capacity=10,
    )
    activity = await activities.save(session, activity=None, draft=draft, actor=DEMO_ACTOR, now=now)
    activity.status, activity.published_at = ActivityStatus.FINISHED.value, starts
    activity.taken = len(CAME)
    session.add(activity)
    rows = [
        VolunteerSignup(
            activity_id=activity.id or 0,
            person_id=people[number],
            status="signed",
            signed_up_at=starts - timedelta(days=3),
            # One came 40 minutes late: proposed 2 hours, not 3.
            checked_in_at=starts + timedelta(minutes=40 if i == 3 else -10),
        )
        for i, number in enumerate(CAME)
    ]
    session.add_all(rows)
    await session.flush()
    for row in rows:
        await hours.approve(
            session,
            activity=activity,
            signup=row,
            half_hours=hours.proposed(activity, row),
            reason="",
            actor=DEMO_ACTOR,
            now=now,
        )
    return 1 + len(rows)


async def _open_full(
    session: AsyncSession, team_id: int, people: dict[str, int], now: datetime
) -> int:
    """Next week: five places taken, two waiting."""
    starts = _day_at(now, 7, 9)
    draft = ActivityDraft(
        team_id=team_id,
        title="敬老院陪伴志愿服务",
        description="陪老人聊天、读报，协助打扫房间。",
        place="城南敬老院",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2, minutes=30),
        capacity=5,
    )
    activity = await activities.save(session, activity=None, draft=draft, actor=DEMO_ACTOR, now=now)
    # Published without a push: the demo sends nothing by itself.
    activity.status, activity.published_at = ActivityStatus.OPEN.value, now
    session.add(activity)
    await session.flush()
    for number in SIGNED_UP:
        await signups.sign_up(session, activity=activity, person_id=people[number], now=now)
    return 1 + len(SIGNED_UP)


async def seed_volunteering(session: AsyncSession, *, now: datetime) -> int:
    """Create the demo 志愿服务 unless there are some; return how many rows were created."""
    if (await session.exec(select(VolunteerTeam))).first() is not None:
        return 0
    branch = await org_units.ensure_default_tree(session)
    numbers = await ids_of(session, *MEMBERS)
    if len(numbers) != len(MEMBERS) or branch.id is None:
        return 0  # the demo roster is not there
    people = dict(zip(MEMBERS, numbers, strict=True))
    team = await teams.save(
        session,
        team=None,
        name=TEAM,
        org_unit_id=branch.id,
        leader_id=people["ST001"],
        person_ids=list(numbers),
        actor=DEMO_ACTOR,
    )
    assert team.id is not None
    created = 1 + len(numbers)
    created += await _finished(session, team.id, people, now)
    created += await _open_full(session, team.id, people, now)
    return created
