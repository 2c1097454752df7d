"""Shared helpers for the assessments tests: members, a study day, the default scheme."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    Meeting,
    MeetingAttendance,
    MeetingKind,
    PeriodKind,
    Person,
    PoliticalStage,
)
from app.services import audit
from app.services.assessments import schemes

# 2026-11-30 20:00 China: November is still running.
IN_NOVEMBER = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
# 2026-12-01 08:00 China: November has ended.
DECEMBER_FIRST = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)


async def add_members(
    session: AsyncSession, names: list[str], *, unit_id: int | None = None, prefix: str = "K"
) -> list[int]:
    """Full members on the roster; their ids."""
    people = [
        Person(
            employee_no=f"{prefix}{index}",
            name=name,
            stage=PoliticalStage.FULL.value,
            org_unit_id=unit_id,
        )
        for index, name in enumerate(names)
    ]
    session.add_all(people)
    await session.flush()
    return [person.id or 0 for person in people]


async def add_study_day(
    session: AsyncSession, *, unit_id: int, day: date, present: list[int], absent: list[int]
) -> int:
    """A study day in a China day's morning, the invited people, who checked in."""
    starts = datetime(day.year, day.month, day.day, 1, 0, tzinfo=UTC)
    meeting = Meeting(
        kind=MeetingKind.STUDY_DAY.value,
        title="固定学习日",
        org_unit_id=unit_id,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        checkin_opens_at=starts - timedelta(minutes=30),
        checkin_closes_at=starts + timedelta(hours=2),
    )
    session.add(meeting)
    await session.flush()
    assert meeting.id is not None
    for person_id in present + absent:
        session.add(
            MeetingAttendance(
                meeting_id=meeting.id,
                person_id=person_id,
                checked_in_at=starts if person_id in present else None,
                invited_at=starts - timedelta(days=3),
            )
        )
    await session.flush()
    return meeting.id


async def default_scheme(session: AsyncSession, *, since: date = date(2026, 1, 1)) -> None:
    """The default monthly scheme, in force since `since`."""
    await schemes.save(
        session,
        kind=PeriodKind.MONTH,
        items=schemes.DEFAULT_ITEMS,
        today=since,
        actor=audit.SYSTEM,
        effective_from=since,
    )
