"""The hours ledger: per member and per team for a year, its .xlsx, approved hours only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import distinct, func
from sqlalchemy import select as core_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import execute
from app.models import Person, VolunteerActivity, VolunteerSignup, VolunteerTeam
from app.models.types import CHINA
from app.services.spreadsheets import Book, off_loop


@dataclass(frozen=True)
class Service:
    """One approved participation: the activity and the hours."""

    activity: VolunteerActivity
    team: VolunteerTeam
    half_hours: int
    reason: str | None

    @property
    def on(self) -> date:
        """The activity's day in China."""
        return self.activity.starts_at.astimezone(CHINA).date()


@dataclass
class MemberLine:
    """A member's year: how many times, how many hours."""

    person: Person
    services: list[Service] = field(default_factory=list)

    @property
    def times(self) -> int:
        """Activities with hours."""
        return len(self.services)

    @property
    def half_hours(self) -> int:
        """The year's hours, in halves."""
        return sum(s.half_hours for s in self.services)


@dataclass(frozen=True)
class MemberTotal:
    """A member's line in the year's ledger: how many times, how many hours (in halves)."""

    person_id: int
    employee_no: str
    name: str
    department: str | None
    times: int
    half_hours: int


@dataclass(frozen=True)
class TeamTotal:
    """A team's line in the year's ledger: activities held, people who served, hours."""

    team_id: int
    name: str
    activities: int
    people: int
    half_hours: int


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first moment of the year and of the next, China time."""
    return (
        datetime.combine(date(year, 1, 1), time(), CHINA),
        datetime.combine(date(year + 1, 1, 1), time(), CHINA),
    )


async def _approved(
    session: AsyncSession, *, year: int, person_id: int
) -> list[tuple[VolunteerSignup, VolunteerActivity, VolunteerTeam]]:
    """One person's approved participations with hours in the year, by date."""
    statement = (
        select(VolunteerSignup, VolunteerActivity, VolunteerTeam)
        .join(VolunteerActivity, col(VolunteerActivity.id) == col(VolunteerSignup.activity_id))
        .join(VolunteerTeam, col(VolunteerTeam.id) == col(VolunteerActivity.team_id))
        .where(*_served(year), VolunteerSignup.person_id == person_id)
        .order_by(col(VolunteerActivity.starts_at), col(VolunteerActivity.id))
    )
    return [tuple(row) for row in (await session.exec(statement)).all()]  # type: ignore[misc]


async def member_year(session: AsyncSession, *, person: Person, year: int) -> MemberLine:
    """One member's approved services in a year."""
    line = MemberLine(person)
    assert person.id is not None
    for signup, activity, team in await _approved(session, year=year, person_id=person.id):
        line.services.append(Service(activity, team, signup.half_hours or 0, signup.hours_reason))
    return line


def _served(year: int) -> list[Any]:
    """The conditions of an approved participation with hours in the year."""
    first, last = _year_bounds(year)
    return [
        col(VolunteerSignup.approved_at).is_not(None),
        col(VolunteerSignup.half_hours) > 0,
        col(VolunteerActivity.starts_at) >= first,
        col(VolunteerActivity.starts_at) < last,
    ]


async def year_ledger(
    session: AsyncSession, *, year: int, unit_ids: frozenset[int] | None
) -> tuple[list[MemberTotal], list[TeamTotal]]:
    """Members (of these units; None: all) and teams (of these units), summed in the database
    (a year holds tens of thousands of participations)."""
    signup_activity = col(VolunteerActivity.id) == col(VolunteerSignup.activity_id)
    members = (
        core_select(
            col(Person.id),
            col(Person.employee_no),
            col(Person.name),
            col(Person.department),
            func.count(),
            func.sum(VolunteerSignup.half_hours),
        )
        .join(VolunteerActivity, signup_activity)
        .join(Person, col(Person.id) == col(VolunteerSignup.person_id))
        .where(*_served(year))
        .group_by(col(Person.id), col(Person.employee_no), col(Person.name), col(Person.department))
        # The console's order (by employee number): a ledger, not a ranking.
        .order_by(Person.employee_no)
    )
    teams = (
        core_select(
            col(VolunteerTeam.id),
            col(VolunteerTeam.name),
            func.count(distinct(col(VolunteerActivity.id))),
            func.count(distinct(col(VolunteerSignup.person_id))),
            func.sum(VolunteerSignup.half_hours),
        )
        .join(VolunteerActivity, signup_activity)
        .join(VolunteerTeam, col(VolunteerTeam.id) == col(VolunteerActivity.team_id))
        .where(*_served(year))
        .group_by(col(VolunteerTeam.id), VolunteerTeam.name)
        .order_by(VolunteerTeam.name)
    )
    if unit_ids is not None:
        members = members.where(col(Person.org_unit_id).in_(unit_ids))
        teams = teams.where(col(VolunteerTeam.org_unit_id).in_(unit_ids))
    member_rows: list[Any] = list((await execute(session, members)).all())
    team_rows: list[Any] = list((await execute(session, teams)).all())
    return [MemberTotal(*row) for row in member_rows], [TeamTotal(*row) for row in team_rows]


async def _details(
    session: AsyncSession, *, year: int, unit_ids: frozenset[int] | None
) -> list[tuple[Any, ...]]:
    """Every participation of the year's ledger, as plain rows (no objects: there are many)."""
    statement = (
        core_select(
            col(VolunteerActivity.starts_at),
            col(VolunteerActivity.title),
            col(VolunteerTeam.name),
            col(Person.employee_no),
            col(Person.name),
            col(VolunteerSignup.half_hours),
            col(VolunteerSignup.hours_reason),
        )
        .join(VolunteerActivity, col(VolunteerActivity.id) == col(VolunteerSignup.activity_id))
        .join(VolunteerTeam, col(VolunteerTeam.id) == col(VolunteerActivity.team_id))
        .join(Person, col(Person.id) == col(VolunteerSignup.person_id))
        .where(*_served(year))
        .order_by(Person.employee_no, col(VolunteerActivity.starts_at))
    )
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    return [tuple(row) for row in (await execute(session, statement)).all()]


def _workbook(
    year: int, members: list[MemberTotal], teams: list[TeamTotal], details: list[tuple[Any, ...]]
) -> bytes:
    """The three sheets: per member, per team, every participation."""
    book = Book()
    people = book.sheet(
        f"{year}年志愿服务时长",
        ["工号", "姓名", "部门", "次数", "时长（小时）"],
        widths=[12, 12, 18, 8, 14],
    )
    for line in members:
        people.row(
            [line.employee_no, line.name, line.department or "", line.times, line.half_hours / 2]
        )
    team_sheet = book.sheet(
        "队伍", ["队伍", "活动次数", "参加人数", "时长（小时）"], widths=[24, 10, 10, 14]
    )
    for team in teams:
        team_sheet.row([team.name, team.activities, team.people, team.half_hours / 2])
    detail = book.sheet(
        "明细",
        ["日期", "活动", "队伍", "工号", "姓名", "时长（小时）", "调整原因"],
        widths=[12, 28, 20, 12, 12, 12, 30],
    )
    for starts_at, title, team_name, employee_no, name, half_hours, reason in details:
        on = starts_at.astimezone(CHINA).date()
        detail.row([on, title, team_name, employee_no, name, (half_hours or 0) / 2, reason or ""])
    return book.to_bytes()


async def workbook(session: AsyncSession, *, year: int, unit_ids: frozenset[int] | None) -> bytes:
    """The year's ledger as .xlsx (written off the event loop)."""
    members, teams = await year_ledger(session, year=year, unit_ids=unit_ids)
    details = await _details(session, year=year, unit_ids=unit_ids)
    return await off_loop(_workbook, year, members, teams, details)
