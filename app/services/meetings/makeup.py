"""Make-up (补学): what a member still has to make up, and each submission stored."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    MakeupSubmission,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Person,
)
from app.services.meetings import status
from app.services.meetings.status import Standing

# A member can make up a missed meeting for this long after it (follow-ups stop then too).
MAKEUP_WINDOW = timedelta(days=30)
MAKEUP_MAX = 2000


class Makeup(StrEnum):
    """What a make-up submission came to."""

    DONE = "done"
    NOTHING_TO_MAKE_UP = "nothing"
    TOO_SHORT = "too_short"


@dataclass(frozen=True)
class MakeupResult:
    """The outcome and the meeting made up."""

    outcome: Makeup
    meeting: Meeting | None = None


async def makeup_target(session: AsyncSession, *, person: Person, now: datetime) -> Meeting | None:
    """The latest meeting the person missed (not checked in) and has not made up, if recent."""
    assert person.id is not None
    statement = (
        select(Meeting)
        .join(MeetingAttendance, col(MeetingAttendance.meeting_id) == Meeting.id)
        .where(
            MeetingAttendance.person_id == person.id,
            col(MeetingAttendance.checked_in_at).is_(None),
            Meeting.status == MeetingStatus.SCHEDULED.value,
            col(Meeting.ends_at) <= now,
            col(Meeting.ends_at) > now - MAKEUP_WINDOW,
        )
        .order_by(col(Meeting.starts_at).desc())
    )
    for meeting in (await session.exec(statement)).all():
        found = await status.of(session, meeting=meeting, person_id=person.id, now=now)
        if found is not None and status.allowed(found.standing, Standing.MADE_UP):
            return meeting
    return None


async def made_up(session: AsyncSession, *, meeting_id: int, person_id: int) -> bool:
    """Whether the person submitted a make-up for the meeting."""
    statement = select(MakeupSubmission.id).where(
        MakeupSubmission.meeting_id == meeting_id, MakeupSubmission.person_id == person_id
    )
    return (await session.exec(statement)).first() is not None


async def submit_makeup(
    session: AsyncSession,
    *,
    person: Person,
    meeting: Meeting | None,
    content: str,
    now: datetime,
    via: str = "wechat",
) -> MakeupResult:
    """Store a make-up text or link for `meeting`."""
    assert person.id is not None
    if meeting is None:
        return MakeupResult(Makeup.NOTHING_TO_MAKE_UP)
    assert meeting.id is not None
    found = await status.of(session, meeting=meeting, person_id=person.id, now=now)
    if found is not None and not status.allowed(found.standing, Standing.MADE_UP):
        return MakeupResult(Makeup.NOTHING_TO_MAKE_UP, meeting)
    text = content.strip()
    if len(text) < 2:
        return MakeupResult(Makeup.TOO_SHORT, meeting)
    session.add(
        MakeupSubmission(
            meeting_id=meeting.id,
            person_id=person.id,
            content=text[:MAKEUP_MAX],
            submitted_at=now,
            via=via,
        )
    )
    await session.flush()
    return MakeupResult(Makeup.DONE, meeting)
