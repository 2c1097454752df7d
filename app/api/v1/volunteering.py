"""志愿服务 over REST, read only: activities (with their sign-ups) and the yearly hours ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from app.api.deps import CurrentPrincipal, Session
from app.api.errors import error_responses
from app.api.v1.common import IdPath, not_found, now
from app.models import Person, VolunteerActivity
from app.models.types import CHINA
from app.services.accounts.admins import Principal
from app.services.volunteering import activities, signups, teams
from app.services.volunteering import ledger as ledger_service

router = APIRouter(prefix="/volunteering", tags=["volunteering"])

FOUND = error_responses(404)
Year = Annotated[int | None, Query(ge=2000, le=2100, description="Defaults to this year")]


class ActivitySummary(BaseModel):
    """An activity: when, where, places taken and how many wait."""

    id: int
    team_id: int
    team_name: str
    title: str
    place: str
    starts_at: datetime
    ends_at: datetime
    signup_deadline: datetime
    capacity: int
    taken: int
    waiting: int
    status: str
    status_label: str


class SignupPublic(BaseModel):
    """One standing sign-up: place or waiting position, check-in, approved hours."""

    person_id: int
    person_name: str
    status: str
    position: int | None
    walk_in: bool
    signed_up_at: datetime
    checked_in_at: datetime | None
    hours: float | None
    hours_reason: str | None
    approved_by: str | None
    approved_at: datetime | None


class ActivityDetail(ActivitySummary):
    """An activity with its sign-ups (places first, then the waiting list in order)."""

    description: str
    signups: list[SignupPublic]


class MemberHours(BaseModel):
    """A member's approved hours in the year."""

    person_id: int
    employee_no: str
    name: str
    times: int
    hours: float


async def _summary(session: Session, activity: VolunteerActivity) -> ActivitySummary:
    """An activity as the API shows it."""
    assert activity.id is not None
    team = await activities.team_of(session, activity)
    return ActivitySummary(
        id=activity.id,
        team_id=activity.team_id,
        team_name=team.name,
        title=activity.title,
        place=activity.place,
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        signup_deadline=activity.signup_deadline,
        capacity=activity.capacity,
        taken=activity.taken,
        waiting=await signups.waiting_count(session, activity_id=activity.id),
        status=activity.status,
        status_label=activities.status_label(activity.status),
    )


async def _in_scope(session: Session, principal: Principal, activity_id: int) -> VolunteerActivity:
    """The activity if its team is in the caller's scope; otherwise 404."""
    activity = await activities.get(session, activity_id=activity_id)
    team = await teams.get(session, team_id=activity.team_id) if activity else None
    if activity is None or team is None or not principal.sees_unit(team.org_unit_id):
        raise not_found("没有找到该志愿服务活动")
    return activity


@router.get("/activities")
async def list_activities(session: Session, principal: CurrentPrincipal) -> list[ActivitySummary]:
    """The activities of the teams within your scope, newest first."""
    found = await activities.in_scope(session, unit_ids=principal.unit_ids)
    return [await _summary(session, a) for a in found]


@router.get("/activities/{activity_id:int}", responses=FOUND)
async def get_activity(
    activity_id: IdPath, session: Session, principal: CurrentPrincipal
) -> ActivityDetail:
    """One activity with its sign-ups."""
    activity = await _in_scope(session, principal, activity_id)
    listed = []
    for row in await signups.of_activity(session, activity_id=activity_id):
        person = await session.get(Person, row.person_id)
        listed.append(
            SignupPublic(
                person_id=row.person_id,
                person_name=person.name if person else "",
                status=row.status,
                position=await signups.position(session, signup=row),
                walk_in=row.walk_in,
                signed_up_at=row.signed_up_at,
                checked_in_at=row.checked_in_at,
                hours=(row.half_hours or 0) / 2 if row.approved_at else None,
                hours_reason=row.hours_reason,
                approved_by=row.approved_by,
                approved_at=row.approved_at,
            )
        )
    summary = await _summary(session, activity)
    return ActivityDetail(**summary.model_dump(), description=activity.description, signups=listed)


@router.get("/hours")
async def hours_ledger(
    request: Request, session: Session, principal: CurrentPrincipal, year: Year = None
) -> list[MemberHours]:
    """Approved hours per member in the year (members of your units), by employee number."""
    chosen = year or now(request).astimezone(CHINA).year
    members, _ = await ledger_service.year_ledger(session, year=chosen, unit_ids=principal.unit_ids)
    return [
        MemberHours(
            person_id=m.person_id,
            employee_no=m.employee_no,
            name=m.name,
            times=m.times,
            hours=m.half_hours / 2,
        )
        for m in members
    ]
