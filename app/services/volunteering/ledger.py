"""The hours ledger: per member and per team for a year, its .xlsx, approved hours only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

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


@dataclass
class TeamLine:
    """A team's year: activities held, people who served, hours."""

    team: VolunteerTeam
    activities: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    half_hours: int = 0


def _year_bounds(year: int) -> tuple[datetime, datetime]:
    """The first moment of the year and of the next, China time."""
    return (
        datetime.combine(date(year, 1, 1), time(), CHINA),
        datetime.combine(date(year + 1, 1, 1), time(), CHINA),
    )


async def _approved(
    session: AsyncSession, *, year: int, person_id: int | None = None
) -> list[tuple[VolunteerSignup, VolunteerActivity, VolunteerTeam, Person]]:
    """Approved participations with hours in the year (optionally one person's), by date."""
    first, last = _year_bounds(year)
    statement = (
        select(VolunteerSignup, VolunteerActivity, VolunteerTeam, Person)
        .join(VolunteerActivity, col(VolunteerActivity.id) == col(VolunteerSignup.activity_id))
        .join(VolunteerTeam, col(VolunteerTeam.id) == col(VolunteerActivity.team_id))
        .join(Person, col(Person.id) == col(VolunteerSignup.person_id))
        .where(
            col(VolunteerSignup.approved_at).is_not(None),
            col(VolunteerSignup.half_hours) > 0,
            col(VolunteerActivity.starts_at) >= first,
            col(VolunteerActivity.starts_at) < last,
        )
        .order_by(col(VolunteerActivity.starts_at), col(VolunteerActivity.id))
    )
    if person_id is not None:
        statement = statement.where(VolunteerSignup.person_id == person_id)
    return [tuple(row) for row in (await session.exec(statement)).all()]  # type: ignore[misc]


async def member_year(session: AsyncSession, *, person: Person, year: int) -> MemberLine:
    """One member's approved services in a year."""
    line = MemberLine(person)
    for signup, activity, team, _ in await _approved(session, year=year, person_id=person.id):
        line.services.append(Service(activity, team, signup.half_hours or 0, signup.hours_reason))
    return line


async def year_ledger(
    session: AsyncSession, *, year: int, unit_ids: frozenset[int] | None
) -> tuple[list[MemberLine], list[TeamLine]]:
    """Members (of these units; None: all) and teams (of these units), most hours first."""
    members: dict[int, MemberLine] = {}
    teams: dict[int, TeamLine] = {}
    for signup, activity, team, person in await _approved(session, year=year):
        hours = signup.half_hours or 0
        if unit_ids is None or person.org_unit_id in unit_ids:
            assert person.id is not None
            line = members.setdefault(person.id, MemberLine(person))
            line.services.append(Service(activity, team, hours, signup.hours_reason))
        if unit_ids is None or team.org_unit_id in unit_ids:
            assert team.id is not None and activity.id is not None
            team_line = teams.setdefault(team.id, TeamLine(team))
            team_line.activities.add(activity.id)
            team_line.people.add(signup.person_id)
            team_line.half_hours += hours
    # The console's order (by employee number): a ledger, not a ranking.
    by_person = sorted(members.values(), key=lambda m: m.person.employee_no)
    by_team = sorted(teams.values(), key=lambda t: t.team.name)
    return by_person, by_team


def _workbook(year: int, members: list[MemberLine], teams: list[TeamLine]) -> bytes:
    """The three sheets: per member, per team, every participation."""
    book = Book()
    people = book.sheet(
        f"{year}年志愿服务时长",
        ["工号", "姓名", "部门", "次数", "时长（小时）"],
        widths=[12, 12, 18, 8, 14],
    )
    for line in members:
        person = line.person
        people.row(
            [
                person.employee_no,
                person.name,
                person.department or "",
                line.times,
                float(line.half_hours) / 2,
            ]
        )
    team_sheet = book.sheet(
        "队伍", ["队伍", "活动次数", "参加人数", "时长（小时）"], widths=[24, 10, 10, 14]
    )
    for team in teams:
        team_sheet.row(
            [team.team.name, len(team.activities), len(team.people), float(team.half_hours) / 2]
        )
    detail = book.sheet(
        "明细",
        ["日期", "活动", "队伍", "工号", "姓名", "时长（小时）", "调整原因"],
        widths=[12, 28, 20, 12, 12, 12, 30],
    )
    for line in members:
        for service in line.services:
            detail.row(
                [
                    service.on,
                    service.activity.title,
                    service.team.name,
                    line.person.employee_no,
                    line.person.name,
                    float(service.half_hours) / 2,
                    service.reason or "",
                ]
            )
    return book.to_bytes()


async def workbook(session: AsyncSession, *, year: int, unit_ids: frozenset[int] | None) -> bytes:
    """The year's ledger as .xlsx (written off the event loop)."""
    members, teams = await year_ledger(session, year=year, unit_ids=unit_ids)
    return await off_loop(_workbook, year, members, teams)
