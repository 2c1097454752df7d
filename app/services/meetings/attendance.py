"""Check-in (签到): who is invited to which meeting now, and each check-in stored with its time.

Leave (请假) is in `leave`, make-up (补学) in `makeup`; the states they share in `status`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Person,
)
from app.services import audit
from app.services.meetings import invitees, status


class CheckIn(StrEnum):
    """What a check-in attempt came to."""

    DONE = "done"
    ALREADY = "already"
    NOT_OPEN = "not_open"  # the window opens later
    CLOSED = "closed"  # the window closed
    NOT_INVITED = "not_invited"
    CANCELLED = "cancelled"
    NO_MEETING = "no_meeting"


@dataclass(frozen=True)
class CheckInResult:
    """The outcome, the meeting it concerns, and when the person checked in."""

    outcome: CheckIn
    meeting: Meeting | None = None
    at: datetime | None = None
    withdrawn: LeaveRequest | None = None  # the leave request this check-in superseded


def is_open(meeting: Meeting, now: datetime) -> bool:
    """Whether the check-in window is open."""
    return (
        meeting.status == MeetingStatus.SCHEDULED.value
        and meeting.checkin_opens_at <= now < meeting.checkin_closes_at
    )


async def _scheduled(session: AsyncSession, *, after: datetime, before: datetime) -> list[Meeting]:
    statement = (
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED.value,
            col(Meeting.checkin_closes_at) > after,
            col(Meeting.checkin_opens_at) < before,
        )
        .order_by(col(Meeting.starts_at))
    )
    return list((await session.exec(statement)).all())


async def _invited_among(
    session: AsyncSession, meetings: list[Meeting], person_id: int, now: datetime
) -> list[tuple[Meeting, MeetingAttendance]]:
    found = []
    for meeting in meetings:
        row = await invitees.invitation(session, meeting=meeting, person_id=person_id, now=now)
        if row is not None:
            found.append((meeting, row))
    return found


async def next_meeting(
    session: AsyncSession, *, person: Person, now: datetime, horizon_days: int = 62
) -> Meeting | None:
    """The person's next meeting that has not ended (for "下一次：…" in replies)."""
    assert person.id is not None
    upcoming = await _scheduled(session, after=now, before=now + timedelta(days=horizon_days))
    invited = await _invited_among(session, upcoming, person.id, now)
    return invited[0][0] if invited else None


async def check_in(
    session: AsyncSession,
    *,
    person: Person,
    now: datetime,
    via: str,
    meeting: Meeting | None = None,
) -> CheckInResult:
    """Check the person in: to `meeting` (a QR code names it) or to the meeting open now."""
    assert person.id is not None
    if meeting is None:
        open_now = await _scheduled(session, after=now, before=now + timedelta(seconds=1))
        invited = await _invited_among(session, open_now, person.id, now)
        if not invited:
            if open_now:
                return CheckInResult(CheckIn.NOT_INVITED, open_now[0])
            return CheckInResult(
                CheckIn.NO_MEETING, await next_meeting(session, person=person, now=now)
            )
        # Two meetings open at once is rare; the one starting nearest to now is meant.
        meeting, row = min(invited, key=lambda pair: abs(pair[0].starts_at - now))
    else:
        if meeting.status != MeetingStatus.SCHEDULED.value:
            return CheckInResult(CheckIn.CANCELLED, meeting)
        found = await invitees.invitation(session, meeting=meeting, person_id=person.id, now=now)
        if found is None:
            return CheckInResult(CheckIn.NOT_INVITED, meeting)
        row = found
    if row.checked_in_at is not None:
        return CheckInResult(CheckIn.ALREADY, meeting, row.checked_in_at)
    if now < meeting.checkin_opens_at:
        return CheckInResult(CheckIn.NOT_OPEN, meeting)
    if now >= meeting.checkin_closes_at:
        return CheckInResult(CheckIn.CLOSED, meeting)
    # A conditional update: two deliveries racing (WeChat's retry, a double scan) count once.
    result = await session.exec(
        update(MeetingAttendance)
        .where(col(MeetingAttendance.id) == row.id, col(MeetingAttendance.checked_in_at).is_(None))
        .values(checked_in_at=now, check_in_via=via)
    )
    if result.rowcount == 0:
        await session.refresh(row)
        return CheckInResult(CheckIn.ALREADY, meeting, row.checked_in_at)
    await session.refresh(row)
    assert meeting.id is not None
    withdrawn = await withdraw_leave(
        session, meeting_id=meeting.id, person_id=person.id, by="本人签到", now=now
    )
    return CheckInResult(CheckIn.DONE, meeting, now, withdrawn)


async def withdraw_leave(
    session: AsyncSession, *, meeting_id: int, person_id: int, by: str, now: datetime
) -> LeaveRequest | None:
    """Checking in supersedes a pending or approved leave: withdraw it (nothing to make up)."""
    leave = await status.latest_leave(session, meeting_id=meeting_id, person_id=person_id)
    open_states = (LeaveStatus.PENDING.value, LeaveStatus.APPROVED.value)
    if leave is None or leave.status not in open_states:
        return None
    # Conditional, like a decision: an admin approving at the same moment does not undo it.
    result = await session.exec(
        update(LeaveRequest)
        .where(col(LeaveRequest.id) == leave.id, col(LeaveRequest.status).in_(open_states))
        .values(
            status=LeaveStatus.WITHDRAWN.value,
            decided_by=by,
            decided_at=now,
            decision_note="已签到，请假自动撤回",
        )
    )
    if result.rowcount == 0:
        return None
    await session.refresh(leave)
    return leave


async def mark_present(
    session: AsyncSession,
    *,
    meeting: Meeting,
    person_id: int,
    present: bool,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """An admin records (or withdraws) someone's presence, e.g. a member without a phone."""
    assert meeting.id is not None
    row = await invitees.add_named(session, meeting_id=meeting.id, person_id=person_id, now=now)
    row.checked_in_at = now if present else None
    row.check_in_via = "admin" if present else None
    row.checked_in_by = actor.name if present else None
    session.add(row)
    if present:
        await withdraw_leave(
            session, meeting_id=meeting.id, person_id=person_id, by=actor.name, now=now
        )
    await audit.record(
        session,
        actor=actor,
        action="meeting.mark_present" if present else "meeting.unmark_present",
        target_type="meeting",
        target_id=meeting.id,
        summary=f"person {person_id}",
    )


# --- leave ---------------------------------------------------------------------------------
