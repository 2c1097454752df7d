"""One person at one meeting: the states, the moves allowed between them, and the derivation.

Every place that asks "where does this member stand?" — check-in, leave, make-up, the sheet,
the leave queue, 我的记录 — asks here, so the records can no longer contradict each other:

    未签到 ──请假──▶ 请假待批 ──准假──▶ 已准假 ──补学──▶ 已补学
      │                 │ └──驳回──▶ 已驳回 ──(会议结束)──▶ 缺席 ──补学──▶ 已补学
      │                 └──────────────(签到：请假撤回)──────────▶ 已签到
      └──签到──▶ 已签到            (会议结束，未签到、未请假) ──▶ 缺席

Checking in supersedes a leave request, pending or approved: the request is withdrawn and
nothing is left to make up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import LeaveRequest, LeaveStatus, MakeupSubmission, Meeting, MeetingAttendance
from app.services.meetings import invitees


class Standing(StrEnum):
    """Where one invitee stands at one meeting."""

    INVITED = "invited"
    LEAVE_PENDING = "leave_pending"
    ON_LEAVE = "on_leave"
    LEAVE_REJECTED = "leave_rejected"
    PRESENT = "present"
    ABSENT = "absent"
    MADE_UP = "made_up"

    @property
    def label(self) -> str:
        """The Chinese name."""
        return STANDING_LABELS[self]


STANDING_LABELS = {
    Standing.INVITED: "未签到",
    Standing.LEAVE_PENDING: "请假待批",
    Standing.ON_LEAVE: "已准假",
    Standing.LEAVE_REJECTED: "已驳回",
    Standing.PRESENT: "已签到",
    Standing.ABSENT: "缺席",
    Standing.MADE_UP: "已补学",
}

# The only moves a record may make. Checking in is allowed from every state short of 已补学
# (an admin may still record presence after the fact); withdrawing a check-in goes back to
# 未签到. Time moves 未签到 and 已驳回 to 缺席 when the meeting ends.
TRANSITIONS: dict[Standing, frozenset[Standing]] = {
    Standing.INVITED: frozenset({Standing.LEAVE_PENDING, Standing.PRESENT, Standing.ABSENT}),
    Standing.LEAVE_PENDING: frozenset(
        {
            Standing.LEAVE_PENDING,  # a new reason replaces the old one
            Standing.ON_LEAVE,
            Standing.LEAVE_REJECTED,
            Standing.PRESENT,
            Standing.MADE_UP,  # the meeting ended before anyone decided
        }
    ),
    Standing.ON_LEAVE: frozenset({Standing.PRESENT, Standing.MADE_UP}),
    Standing.LEAVE_REJECTED: frozenset({Standing.LEAVE_PENDING, Standing.PRESENT, Standing.ABSENT}),
    Standing.PRESENT: frozenset({Standing.INVITED}),
    Standing.ABSENT: frozenset({Standing.PRESENT, Standing.MADE_UP}),
    Standing.MADE_UP: frozenset({Standing.PRESENT}),
}

# States that still ask something of the member (or of the secretary, for 请假待批).
OPEN = frozenset({Standing.INVITED, Standing.LEAVE_PENDING, Standing.LEAVE_REJECTED})
MAKEUP_DUE = frozenset({Standing.ABSENT, Standing.ON_LEAVE, Standing.LEAVE_PENDING})


def allowed(current: Standing, target: Standing) -> bool:
    """Whether a record may move from `current` to `target`."""
    return target in TRANSITIONS[current]


@dataclass(frozen=True)
class Status:
    """A person's standing at a meeting, what it was at the meeting itself, and the records."""

    standing: Standing
    at_meeting: Standing  # the standing before any make-up (已准假, 缺席, 请假待批, …)
    checked_in_at: datetime | None
    leave: LeaveRequest | None
    makeup: MakeupSubmission | None

    @property
    def label(self) -> str:
        """The Chinese name of the standing."""
        return self.standing.label


def derive(
    meeting: Meeting,
    *,
    row: MeetingAttendance,
    leave: LeaveRequest | None,
    makeup: MakeupSubmission | None,
    now: datetime,
) -> Status:
    """The standing the records add up to (`leave` is the person's latest request)."""
    ended = meeting.ends_at <= now
    leave_status = leave.status if leave is not None else None
    if row.checked_in_at is not None:
        at = Standing.PRESENT
    elif leave_status == LeaveStatus.APPROVED.value:
        at = Standing.ON_LEAVE
    elif leave_status == LeaveStatus.PENDING.value:
        at = Standing.LEAVE_PENDING
    elif leave_status == LeaveStatus.REJECTED.value and not ended:
        at = Standing.LEAVE_REJECTED
    else:
        at = Standing.ABSENT if ended else Standing.INVITED
    standing = Standing.MADE_UP if makeup is not None and at in MAKEUP_DUE else at
    return Status(standing, at, row.checked_in_at, leave, makeup)


async def latest_leave(
    session: AsyncSession, *, meeting_id: int, person_id: int
) -> LeaveRequest | None:
    """The person's latest leave request for the meeting (the one that counts)."""
    statement = (
        select(LeaveRequest)
        .where(LeaveRequest.meeting_id == meeting_id, LeaveRequest.person_id == person_id)
        .order_by(col(LeaveRequest.id).desc())
    )
    return (await session.exec(statement)).first()


async def latest_makeup(
    session: AsyncSession, *, meeting_id: int, person_id: int
) -> MakeupSubmission | None:
    """The person's latest make-up for the meeting."""
    statement = (
        select(MakeupSubmission)
        .where(MakeupSubmission.meeting_id == meeting_id, MakeupSubmission.person_id == person_id)
        .order_by(col(MakeupSubmission.id).desc())
    )
    return (await session.exec(statement)).first()


async def of(
    session: AsyncSession, *, meeting: Meeting, person_id: int, now: datetime
) -> Status | None:
    """The person's status at the meeting, read from the records (None: not invited)."""
    assert meeting.id is not None
    row = await invitees.invitation(session, meeting=meeting, person_id=person_id, now=now)
    if row is None:
        return None
    return derive(
        meeting,
        row=row,
        leave=await latest_leave(session, meeting_id=meeting.id, person_id=person_id),
        makeup=await latest_makeup(session, meeting_id=meeting.id, person_id=person_id),
        now=now,
    )
