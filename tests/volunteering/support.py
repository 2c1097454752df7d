"""Shared by the 志愿服务 tests: a team of bound members and its activities, made as the console
makes them."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlmodel import col, select

from app.models import ActivityStatus, VolunteerActivity, VolunteerSignup
from app.services import audit
from app.services.volunteering import activities, teams
from app.services.volunteering.activities import ActivityDraft
from tests.support.app import AppClient
from tests.support.chat import Member, branch_id, china

START = china(2026, 12, 12, 9)  # a Saturday morning
BEFORE = china(2026, 12, 5, 10)  # a week earlier: sign-up is open


async def make_team(client: AppClient, members: list[Member], *, unit_id: int | None = None) -> int:
    """A team of these members in the branch (or `unit_id`)."""
    unit = unit_id or await branch_id(client)
    async with client.sessions() as session:
        team = await teams.save(
            session,
            team=None,
            name="青年志愿服务队",
            org_unit_id=unit,
            leader_id=members[0].person_id if members else None,
            person_ids=[m.person_id for m in members],
            actor=audit.SYSTEM,
        )
        await session.commit()
        assert team.id is not None
        return team.id


async def make_activity(
    client: AppClient,
    team_id: int,
    *,
    capacity: int = 5,
    starts_at: datetime = START,
    hours: float = 3,
    publish: bool = True,
    **fields: Any,
) -> int:
    """An activity (published unless told otherwise, without a push); its id."""
    draft = ActivityDraft(
        team_id=team_id,
        title=fields.pop("title", "社区环境清洁"),
        description=fields.pop("description", "清理公共区域。"),
        place=fields.pop("place", "社区文化广场"),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        capacity=capacity,
        **fields,
    )
    async with client.sessions() as session:
        activity = await activities.save(
            session, activity=None, draft=draft, actor=audit.SYSTEM, now=client.state.clock()
        )
        if publish:
            activity.status = ActivityStatus.OPEN.value
            session.add(activity)
        await session.commit()
        assert activity.id is not None
        return activity.id


async def standing(client: AppClient, activity_id: int) -> dict[int, str]:
    """person id → 'signed' / 'waiting' for the activity's standing sign-ups."""
    async with client.sessions() as session:
        rows = (
            await session.exec(
                select(VolunteerSignup).where(
                    VolunteerSignup.activity_id == activity_id,
                    col(VolunteerSignup.status) != "cancelled",
                )
            )
        ).all()
        return {r.person_id: r.status for r in rows}


async def activity(client: AppClient, activity_id: int) -> VolunteerActivity:
    """The activity as stored now."""
    async with client.sessions() as session:
        found = await session.get(VolunteerActivity, activity_id)
        assert found is not None
        return found
