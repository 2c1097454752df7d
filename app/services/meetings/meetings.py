"""Meetings: create, edit, move, cancel, list (the study-day rule is in study_days)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import field_validator, model_validator
from sqlmodel import Field, SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Meeting, MeetingKind, MeetingStatus
from app.models.people import _storable
from app.models.types import CHINA
from app.services import audit
from app.services.meetings import calendar, invitees

DEFAULT_MAKEUP_TASK = "请学习本次会议的材料，并回复一段学习心得（或学习链接）完成补学。"


class MeetingDraft(SQLModel):
    """What an admin fills in for a meeting (and what the study-day rule fills in by itself)."""

    kind: MeetingKind
    title: str = Field(min_length=1, max_length=100)
    topic: str | None = Field(default=None, max_length=2000)
    org_unit_id: int
    starts_at: datetime
    duration_minutes: int = Field(default=120, ge=10, le=720)
    place: str | None = Field(default=None, max_length=100)
    host_id: int | None = None
    lecturer: str | None = Field(default=None, max_length=50)
    materials: list[dict[str, Any]] = Field(default_factory=list)
    invite_mode: Literal["unit", "people"] = "unit"
    invite_unit_id: int | None = None
    party_members_only: bool = True
    person_ids: list[int] = Field(default_factory=list)
    checkin_before_minutes: int = Field(default=30, ge=0, le=240)
    remind: bool = True
    follow_up: bool = True
    makeup_task: str | None = Field(default=None, max_length=500)

    @field_validator("starts_at")
    @classmethod
    def _aware_minute(cls, value: datetime) -> datetime:
        # A naive time is China time (what admins type).
        if value.tzinfo is None:
            value = value.replace(tzinfo=CHINA)
        return value.replace(microsecond=0).astimezone(UTC)

    @field_validator("title", "topic", "place", "lecturer", "makeup_task")
    @classmethod
    def _text_storable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        stripped = str(_storable(value)).strip()
        return stripped or None

    @model_validator(mode="after")
    def _invitees_given(self) -> MeetingDraft:
        if self.invite_mode == "people" and not self.person_ids:
            raise ValueError("请至少选择一位参会人员")
        if self.invite_mode == "unit" and self.invite_unit_id is None:
            self.invite_unit_id = self.org_unit_id
        return self


def _apply(meeting: Meeting, draft: MeetingDraft) -> None:
    meeting.kind = draft.kind.value
    meeting.title = draft.title
    meeting.topic = draft.topic
    meeting.org_unit_id = draft.org_unit_id
    meeting.starts_at = draft.starts_at
    meeting.ends_at = draft.starts_at + timedelta(minutes=draft.duration_minutes)
    meeting.place = draft.place
    meeting.host_id = draft.host_id
    meeting.lecturer = draft.lecturer
    meeting.materials = list(draft.materials)
    meeting.invite_mode = draft.invite_mode
    meeting.invite_unit_id = draft.invite_unit_id if draft.invite_mode == "unit" else None
    meeting.party_members_only = draft.party_members_only
    meeting.checkin_opens_at = draft.starts_at - timedelta(minutes=draft.checkin_before_minutes)
    meeting.checkin_closes_at = meeting.ends_at
    meeting.remind = draft.remind
    meeting.follow_up = draft.follow_up
    meeting.makeup_task = draft.makeup_task


def draft_of(meeting: Meeting, person_ids: Sequence[int] = ()) -> MeetingDraft:
    """The draft an edit form starts from."""
    return MeetingDraft(
        kind=MeetingKind(meeting.kind),
        title=meeting.title,
        topic=meeting.topic,
        org_unit_id=meeting.org_unit_id,
        starts_at=meeting.starts_at,
        duration_minutes=int((meeting.ends_at - meeting.starts_at).total_seconds() // 60),
        place=meeting.place,
        host_id=meeting.host_id,
        lecturer=meeting.lecturer,
        materials=list(meeting.materials),
        invite_mode="people" if meeting.invite_mode == "people" else "unit",
        invite_unit_id=meeting.invite_unit_id,
        party_members_only=meeting.party_members_only,
        person_ids=list(person_ids),
        checkin_before_minutes=int(
            (meeting.starts_at - meeting.checkin_opens_at).total_seconds() // 60
        ),
        remind=meeting.remind,
        follow_up=meeting.follow_up,
        makeup_task=meeting.makeup_task,
    )


def makeup_task(meeting: Meeting) -> str:
    """What an absentee is asked to do."""
    return meeting.makeup_task or DEFAULT_MAKEUP_TASK


def local_time(meeting: Meeting) -> str:
    """ "12月5日（周五）14:30", as members read it."""
    start = meeting.starts_at.astimezone(CHINA)
    weekday = calendar.WEEKDAY_LABELS[start.weekday()]
    return f"{start.month}月{start.day}日（{weekday}）{start:%H:%M}"


def name_of(meeting: Meeting) -> str:
    """ "12月5日（周五）14:30 党员固定学习日" — how replies and reminders name a meeting."""
    return f"{local_time(meeting)} {meeting.title}"


async def get(session: AsyncSession, *, meeting_id: int) -> Meeting | None:
    """The meeting with this id."""
    return await session.get(Meeting, meeting_id)


async def create(
    session: AsyncSession, *, draft: MeetingDraft, actor: audit.Actor, now: datetime
) -> Meeting:
    """Store a new meeting and its invitees."""
    meeting = Meeting(
        kind=draft.kind.value,
        title=draft.title,
        org_unit_id=draft.org_unit_id,
        starts_at=draft.starts_at,
        ends_at=draft.starts_at,
        checkin_opens_at=draft.starts_at,
        checkin_closes_at=draft.starts_at,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
    )
    _apply(meeting, draft)
    session.add(meeting)
    await session.flush()
    await invitees.sync(session, meeting=meeting, named=draft.person_ids, now=now, new=True)
    await audit.record(
        session,
        actor=actor,
        action="meeting.create",
        target_type="meeting",
        target_id=meeting.id,
        summary=name_of(meeting),
        after=audit.snapshot(meeting),
    )
    return meeting


async def update(
    session: AsyncSession,
    *,
    meeting: Meeting,
    draft: MeetingDraft,
    actor: audit.Actor,
    now: datetime,
) -> Meeting:
    """Change a meeting; a study-day occurrence moved by hand keeps its new time from then on."""
    before = audit.snapshot(meeting)
    moved = draft.starts_at != meeting.starts_at
    _apply(meeting, draft)
    if moved and meeting.rule_id is not None:
        meeting.moved = True
    meeting.updated_at = now
    session.add(meeting)
    await session.flush()
    await invitees.sync(session, meeting=meeting, named=draft.person_ids, now=now)
    await audit.record(
        session,
        actor=actor,
        action="meeting.update",
        target_type="meeting",
        target_id=meeting.id,
        summary=name_of(meeting),
        before=before,
        after=audit.snapshot(meeting),
    )
    return meeting


async def cancel(
    session: AsyncSession, *, meeting: Meeting, actor: audit.Actor, now: datetime
) -> None:
    """Cancel a meeting: no reminders, no check-in, no follow-up (the records stay)."""
    meeting.status = MeetingStatus.CANCELLED.value
    meeting.updated_at = now
    session.add(meeting)
    await audit.record(
        session,
        actor=actor,
        action="meeting.cancel",
        target_type="meeting",
        target_id=meeting.id,
        summary=name_of(meeting),
    )


async def save_minutes(
    session: AsyncSession, *, meeting: Meeting, text: str, actor: audit.Actor, now: datetime
) -> None:
    """Store the minutes (会议记录)."""
    meeting.minutes = str(_storable(text)).strip() or None
    meeting.minutes_by = actor.name
    meeting.minutes_at = now
    session.add(meeting)
    await audit.record(
        session,
        actor=actor,
        action="meeting.minutes",
        target_type="meeting",
        target_id=meeting.id,
        summary=name_of(meeting),
    )


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The China-time year as UTC bounds."""
    start = datetime(year, 1, 1, tzinfo=CHINA)
    return start, datetime(year + 1, 1, 1, tzinfo=CHINA)


async def between(
    session: AsyncSession,
    *,
    start: datetime,
    end: datetime,
    unit_ids: set[int] | frozenset[int] | None = None,
    kinds: Sequence[MeetingKind] | None = None,
    include_cancelled: bool = True,
) -> list[Meeting]:
    """Meetings starting in [start, end), in time order."""
    statement = select(Meeting).where(col(Meeting.starts_at) >= start, col(Meeting.starts_at) < end)
    if unit_ids is not None:
        statement = statement.where(col(Meeting.org_unit_id).in_(unit_ids))
    if kinds:
        statement = statement.where(col(Meeting.kind).in_([k.value for k in kinds]))
    if not include_cancelled:
        statement = statement.where(Meeting.status == MeetingStatus.SCHEDULED.value)
    return list((await session.exec(statement.order_by(col(Meeting.starts_at)))).all())
