"""志愿服务 on a person's console page and on the member's own 我的记录."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Person, SignupStatus, VolunteerActivity, VolunteerSignup
from app.models.types import CHINA
from app.services.people.entry import PersonEntry
from app.services.volunteering.hours import shown
from app.services.volunteering.ledger import member_year

KIND = "志愿服务"


def _state(signup: VolunteerSignup) -> str:
    """A sign-up's standing in a few words for the person's page."""
    if signup.approved_at is not None:
        return f"{shown(signup.half_hours or 0)} 小时"
    if signup.status == SignupStatus.CANCELLED.value:
        return "已取消报名"
    if signup.checked_in_at is not None:
        return "已签到 · 时长待审批"
    if signup.status == SignupStatus.WAITING.value:
        return "候补"
    return "已报名"


async def entries(session: AsyncSession, *, person_id: int) -> list[PersonEntry]:
    """The person's 志愿服务 records for their console page, newest first."""
    statement = (
        select(VolunteerSignup, VolunteerActivity)
        .join(VolunteerActivity, col(VolunteerActivity.id) == col(VolunteerSignup.activity_id))
        .where(
            VolunteerSignup.person_id == person_id,
            VolunteerSignup.status != SignupStatus.CANCELLED.value,
        )
        .order_by(col(VolunteerActivity.starts_at).desc(), col(VolunteerSignup.id).desc())
    )
    found = list((await session.exec(statement)).all())
    years: dict[int, int] = {}
    for signup, activity in found:
        if signup.approved_at is not None and signup.half_hours:
            year = activity.starts_at.astimezone(CHINA).year
            years[year] = years.get(year, 0) + signup.half_hours
    # The yearly certificate, linked from the person's page (a year with approved hours).
    certificates = [
        PersonEntry(
            kind=KIND,
            title=f"{year}年度志愿服务证明（Word）",
            path=f"/admin/volunteering/people/{person_id}/certificate?year={year}",
            state=f"累计 {shown(total)} 小时",
        )
        for year, total in sorted(years.items(), reverse=True)
    ]
    return certificates + [
        PersonEntry(
            kind=KIND,
            title=activity.title,
            path=f"/admin/volunteering/activities/{activity.id}",
            state=_state(signup),
            on=activity.starts_at.astimezone(CHINA).date(),
        )
        for signup, activity in found
    ]


async def member_lines(session: AsyncSession, *, person_id: int, year: int) -> list[str]:
    """What the member sees about their own 志愿服务 on 我的记录 (one line each)."""
    person = await session.get(Person, person_id)
    if person is None:
        return []
    line = await member_year(session, person=person, year=year)
    if not line.services:
        return []
    return [f"今年志愿服务 {line.times} 次，累计 {shown(line.half_hours)} 小时"]
