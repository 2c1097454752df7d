"""Check-in (签到), leave (请假) and make-up (补学): every response stored with its time."""

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
    MakeupSubmission,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Person,
)
from app.services import audit
from app.services.meetings import invitees, status
from app.services.meetings.status import Standing

# A member can make up a missed meeting for this long after it (follow-ups stop then too).
MAKEUP_WINDOW = timedelta(days=30)
MAKEUP_MAX = 2000
REASON_MAX = 200


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
    withdrawn = await _withdraw_leave(
        session, meeting_id=meeting.id, person_id=person.id, by="本人签到", now=now
    )
    return CheckInResult(CheckIn.DONE, meeting, now, withdrawn)


async def _withdraw_leave(
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
        await _withdraw_leave(
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


class Leave(StrEnum):
    """What a leave request came to."""

    REQUESTED = "requested"
    UPDATED = "updated"  # a pending request's reason replaced
    ALREADY_APPROVED = "already_approved"
    CHECKED_IN = "checked_in"
    NO_MEETING = "no_meeting"
    ENDED = "ended"


@dataclass(frozen=True)
class LeaveResult:
    """The outcome, the meeting and the stored request."""

    outcome: Leave
    meeting: Meeting | None = None
    request: LeaveRequest | None = None


async def leave_target(session: AsyncSession, *, person: Person, now: datetime) -> Meeting | None:
    """The meeting a 请假 is for: the person's next one that has not ended."""
    return await next_meeting(session, person=person, now=now)


async def current_leave(
    session: AsyncSession, *, meeting_id: int, person_id: int
) -> LeaveRequest | None:
    """The person's latest leave request for the meeting."""
    return await status.latest_leave(session, meeting_id=meeting_id, person_id=person_id)


async def leave_refused(
    session: AsyncSession, *, person: Person, meeting: Meeting, now: datetime
) -> LeaveResult | None:
    """Why a leave request for `meeting` cannot be taken now, if it cannot (asked at the tap)."""
    assert person.id is not None
    if meeting.ends_at <= now or meeting.status != MeetingStatus.SCHEDULED.value:
        return LeaveResult(Leave.ENDED, meeting)
    found = await status.of(session, meeting=meeting, person_id=person.id, now=now)
    if found is None or status.allowed(found.standing, Standing.LEAVE_PENDING):
        return None
    if found.standing is Standing.PRESENT:
        return LeaveResult(Leave.CHECKED_IN, meeting)
    if found.standing is Standing.ON_LEAVE:
        return LeaveResult(Leave.ALREADY_APPROVED, meeting, found.leave)
    return LeaveResult(Leave.ENDED, meeting)


async def request_leave(
    session: AsyncSession,
    *,
    person: Person,
    meeting: Meeting | None,
    reason: str,
    now: datetime,
    via: str = "wechat",
) -> LeaveResult:
    """Record a leave request for `meeting` (a pending one gets the new reason)."""
    assert person.id is not None
    if meeting is None:
        return LeaveResult(Leave.NO_MEETING)
    assert meeting.id is not None
    refused = await leave_refused(session, person=person, meeting=meeting, now=now)
    if refused is not None:
        return refused
    reason = " ".join(reason.split())[:REASON_MAX]
    existing = await current_leave(session, meeting_id=meeting.id, person_id=person.id)
    if existing is not None and existing.status == LeaveStatus.PENDING.value:
        existing.reason, existing.requested_at = reason, now
        session.add(existing)
        await session.flush()
        return LeaveResult(Leave.UPDATED, meeting, existing)
    request = LeaveRequest(
        meeting_id=meeting.id, person_id=person.id, reason=reason, via=via, requested_at=now
    )
    session.add(request)
    await session.flush()
    return LeaveResult(Leave.REQUESTED, meeting, request)


async def decide_leave(
    session: AsyncSession,
    *,
    request: LeaveRequest,
    approve: bool,
    note: str | None,
    actor: audit.Actor,
    now: datetime,
) -> bool:
    """Approve or reject a pending request; False when it was decided (or withdrawn) already.

    Someone who has checked in is not on leave: their request is withdrawn instead.
    """
    meeting = await session.get(Meeting, request.meeting_id)
    assert meeting is not None
    found = await status.of(session, meeting=meeting, person_id=request.person_id, now=now)
    if found is not None and found.standing is Standing.PRESENT:
        await _withdraw_leave(
            session,
            meeting_id=request.meeting_id,
            person_id=request.person_id,
            by="本人签到",
            now=now,
        )
        await session.refresh(request)
        return False
    # Conditional, so two admins clicking at once decide it once (the second gets False).
    result = await session.exec(
        update(LeaveRequest)
        .where(
            col(LeaveRequest.id) == request.id,
            col(LeaveRequest.status) == LeaveStatus.PENDING.value,
        )
        .values(
            status=(LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED).value,
            decided_by=actor.name,
            decided_at=now,
            decision_note=(note or "").strip()[:REASON_MAX] or None,
        )
    )
    if result.rowcount == 0:
        return False
    await session.refresh(request)
    await audit.record(
        session,
        actor=actor,
        action="leave.approve" if approve else "leave.reject",
        target_type="leave_request",
        target_id=request.id,
        summary=request.reason,
    )
    return True


async def pending_leaves(
    session: AsyncSession, *, unit_ids: frozenset[int] | set[int] | None = None
) -> list[tuple[LeaveRequest, Meeting, Person]]:
    """Requests waiting for a decision, oldest first."""
    statement = (
        select(LeaveRequest, Meeting, Person)
        .join(Meeting, col(Meeting.id) == LeaveRequest.meeting_id)
        .join(Person, col(Person.id) == LeaveRequest.person_id)
        .where(LeaveRequest.status == LeaveStatus.PENDING.value)
        .order_by(col(LeaveRequest.requested_at))
    )
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    return [tuple(row) for row in (await session.exec(statement)).all()]  # type: ignore[misc]


@dataclass(frozen=True)
class QueueLine:
    """One line of the leave queue: the request, and where its member stands now."""

    leave: LeaveRequest
    meeting: Meeting
    person: Person
    current: status.Status | None  # None: no longer invited

    @property
    def decidable(self) -> bool:
        """Whether 准假 / 不准假 still apply (not once the member has checked in)."""
        return self.current is None or status.allowed(self.current.standing, Standing.ON_LEAVE)


async def leave_queue(
    session: AsyncSession, *, now: datetime, unit_ids: frozenset[int] | set[int] | None = None
) -> list[QueueLine]:
    """Pending requests, oldest first, then those withdrawn by a check-in for meetings to come.

    The secretary sees who came after all instead of approving a leave nobody needs.
    """
    statement = (
        select(LeaveRequest, Meeting, Person)
        .join(Meeting, col(Meeting.id) == LeaveRequest.meeting_id)
        .join(Person, col(Person.id) == LeaveRequest.person_id)
        .where(
            col(LeaveRequest.status) == LeaveStatus.WITHDRAWN.value,
            col(Meeting.ends_at) > now,
        )
        .order_by(col(LeaveRequest.requested_at))
    )
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    withdrawn = list((await session.exec(statement)).all())
    lines = []
    for leave, meeting, person in await pending_leaves(session, unit_ids=unit_ids) + withdrawn:
        found = await status.of(session, meeting=meeting, person_id=leave.person_id, now=now)
        lines.append(QueueLine(leave, meeting, person, found))
    return lines


# --- make-up -------------------------------------------------------------------------------


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
