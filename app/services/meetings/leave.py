"""Leave (请假): asking, deciding, and the queue of requests, every answer stored with its time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    LeaveRequest,
    LeaveStatus,
    Meeting,
    MeetingStatus,
    Person,
)
from app.services import audit
from app.services.meetings import status
from app.services.meetings.attendance import next_meeting, withdraw_leave
from app.services.meetings.status import Standing

REASON_MAX = 200


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
        await withdraw_leave(
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
