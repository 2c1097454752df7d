"""The fixed study day: a unit's rule, and the occurrences it creates months ahead."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Literal

from pydantic import model_validator
from sqlalchemy.exc import IntegrityError
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Meeting, MeetingKind, MeetingStatus, StudyDayRule
from app.models.types import CHINA
from app.services import audit
from app.services.meetings import calendar, invitees

# An occurrence's check-in opens this long before it starts (an admin can change one by hand).
CHECKIN_BEFORE = timedelta(minutes=30)


class RuleDraft(SQLModel):
    """The study-day rule as the console edits it."""

    title: str = Field(default="党员固定学习日", min_length=1, max_length=100)
    mode: Literal["day", "weekday"] = "weekday"
    day_of_month: int | None = Field(default=None, ge=1, le=31)
    week_of_month: int | None = Field(default=1)
    weekday: int | None = Field(default=4, ge=0, le=6)
    start_time: time = time(14, 30)
    duration_minutes: int = Field(default=120, ge=10, le=720)
    place: str | None = Field(default=None, max_length=100)
    months_ahead: int = Field(default=3, ge=1, le=12)
    active: bool = True

    @model_validator(mode="after")
    def _complete(self) -> RuleDraft:
        if self.mode == "day" and self.day_of_month is None:
            raise ValueError("请填写每月几日")
        if self.mode == "weekday" and self.week_of_month not in (1, 2, 3, 4, -1):
            raise ValueError("第几个只能是 1–4 或最后一个")
        return self


async def rule_for(session: AsyncSession, *, unit_id: int) -> StudyDayRule | None:
    """The unit's study-day rule, if it has one."""
    statement = select(StudyDayRule).where(StudyDayRule.org_unit_id == unit_id)
    return (await session.exec(statement)).first()


async def active_rules(session: AsyncSession) -> list[StudyDayRule]:
    """Every rule that still makes occurrences."""
    return list(
        (await session.exec(select(StudyDayRule).where(col(StudyDayRule.active).is_(True)))).all()
    )


async def save_rule(
    session: AsyncSession,
    *,
    unit_id: int,
    draft: RuleDraft,
    actor: audit.Actor,
    now: datetime,
) -> StudyDayRule:
    """Create or change the rule; future occurrences nobody moved follow the new rule."""
    rule = await rule_for(session, unit_id=unit_id) or StudyDayRule(
        org_unit_id=unit_id, start_time=draft.start_time
    )
    before = audit.snapshot(rule) if rule.id else None
    for field in RuleDraft.model_fields:
        setattr(rule, field, getattr(draft, field))
    rule.updated_by, rule.updated_at = actor.name, now
    session.add(rule)
    await session.flush()
    for meeting in await _future_occurrences(session, rule=rule, now=now):
        if meeting.moved:
            continue
        assert meeting.occurrence_month is not None
        if not rule.active:
            meeting.status = MeetingStatus.CANCELLED.value
        else:
            _place_occurrence(meeting, rule, meeting.occurrence_month)
        meeting.updated_at = now
        session.add(meeting)
    await audit.record(
        session,
        actor=actor,
        action="study_day.rule",
        target_type="study_day_rule",
        target_id=rule.id,
        summary=calendar.describe(rule),
        before=before,
        after=audit.snapshot(rule),
    )
    await ensure_occurrences(session, rule=rule, now=now)
    return rule


async def _future_occurrences(
    session: AsyncSession, *, rule: StudyDayRule, now: datetime
) -> list[Meeting]:
    statement = select(Meeting).where(
        Meeting.rule_id == rule.id,
        col(Meeting.starts_at) > now,
        Meeting.status == MeetingStatus.SCHEDULED.value,
    )
    return list((await session.exec(statement)).all())


def _place_occurrence(meeting: Meeting, rule: StudyDayRule, month: date) -> None:
    start = calendar.occurrence_start(rule, month).astimezone(UTC)
    meeting.title = rule.title
    meeting.starts_at = start
    meeting.ends_at = start + timedelta(minutes=rule.duration_minutes)
    meeting.checkin_opens_at = start - CHECKIN_BEFORE
    meeting.checkin_closes_at = meeting.ends_at
    meeting.place = rule.place


async def ensure_occurrences(
    session: AsyncSession, *, rule: StudyDayRule, now: datetime
) -> list[Meeting]:
    """Create the months ahead that have no occurrence yet (a past date is never created)."""
    if not rule.active:
        return []
    assert rule.id is not None
    this_month = calendar.month_start(now.astimezone(CHINA).date())
    months = [calendar.add_months(this_month, i) for i in range(rule.months_ahead + 1)]
    existing = set(
        (
            await session.exec(
                select(col(Meeting.occurrence_month)).where(
                    Meeting.rule_id == rule.id, col(Meeting.occurrence_month).in_(months)
                )
            )
        ).all()
    )
    created: list[Meeting] = []
    for month in months:
        if month in existing or calendar.occurrence_start(rule, month) <= now:
            continue
        meeting = Meeting(
            kind=MeetingKind.STUDY_DAY.value,
            title=rule.title,
            org_unit_id=rule.org_unit_id,
            invite_unit_id=rule.org_unit_id,
            starts_at=now,
            ends_at=now,
            checkin_opens_at=now,
            checkin_closes_at=now,
            rule_id=rule.id,
            occurrence_month=month,
            created_by="study_day_rule",
            created_at=now,
            updated_at=now,
        )
        _place_occurrence(meeting, rule, month)
        try:
            # Another planner may insert the same month at the same moment: theirs stands.
            async with session.begin_nested():
                session.add(meeting)
                await session.flush()
        except IntegrityError:
            continue
        await invitees.sync(session, meeting=meeting, named=(), now=now)
        created.append(meeting)
    return created
