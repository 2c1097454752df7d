"""A member's meetings this year with their standing at each (for 我的记录), open ones first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import LeaveRequest, MakeupSubmission, Meeting, MeetingAttendance, MeetingStatus
from app.models.types import CHINA
from app.services.meetings import invitees, status
from app.services.meetings.makeup import MAKEUP_WINDOW
from app.services.meetings.meetings import name_of
from app.services.meetings.status import Standing


@dataclass(frozen=True, slots=True)
class HistoryLine:
    """One meeting: its name, the member's standing, and what is left to do (if anything)."""

    meeting: Meeting
    name: str
    standing: Standing
    todo: str | None  # what the member still has to do; None when nothing

    @property
    def open(self) -> bool:
        """Whether something is still asked of the member (or waits for a decision)."""
        return self.todo is not None

    @property
    def path(self) -> str:
        """The meeting's member page."""
        return f"/m/meetings/{self.meeting.id}"


def _day(moment: datetime) -> str:
    local = moment.astimezone(CHINA)
    return f"{local.month}月{local.day}日"


def _todo(meeting: Meeting, found: status.Status, now: datetime) -> str | None:
    standing = found.standing
    if standing is Standing.INVITED or standing is Standing.LEAVE_REJECTED:
        return "按时参加并签到，不能参加请点击「请假」"
    if standing is Standing.LEAVE_PENDING and meeting.ends_at > now:
        return "请假待支部书记审批"
    makeup_until = meeting.ends_at + MAKEUP_WINDOW
    if status.allowed(standing, Standing.MADE_UP) and meeting.follow_up and makeup_until > now:
        return f"请于 {_day(makeup_until)}前点击「补学」完成补学"
    return None


async def this_year(session: AsyncSession, *, person_id: int, now: datetime) -> list[HistoryLine]:
    """This (China) year's meetings that invite the person: open ones soonest first, then the
    rest latest first. Cancelled meetings are left out."""
    year = now.astimezone(CHINA).year
    start = datetime(year, 1, 1, tzinfo=CHINA)
    end = datetime(year + 1, 1, 1, tzinfo=CHINA)
    statement = (
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED.value,
            col(Meeting.starts_at) >= start,
            col(Meeting.starts_at) < end,
        )
        .order_by(col(Meeting.starts_at))
    )
    meetings = list((await session.exec(statement)).all())
    ids = [m.id for m in meetings if m.id is not None]
    rows = {
        row.meeting_id: row
        for row in (
            await session.exec(
                select(MeetingAttendance).where(
                    MeetingAttendance.person_id == person_id,
                    col(MeetingAttendance.meeting_id).in_(ids),
                )
            )
        ).all()
    }
    leaves: dict[int, LeaveRequest] = {}
    for leave in (
        await session.exec(
            select(LeaveRequest)
            .where(LeaveRequest.person_id == person_id, col(LeaveRequest.meeting_id).in_(ids))
            .order_by(col(LeaveRequest.id))
        )
    ).all():
        leaves[leave.meeting_id] = leave  # the latest counts
    makeups: dict[int, MakeupSubmission] = {}
    for makeup in (
        await session.exec(
            select(MakeupSubmission).where(
                MakeupSubmission.person_id == person_id, col(MakeupSubmission.meeting_id).in_(ids)
            )
        )
    ).all():
        makeups[makeup.meeting_id] = makeup
    lines: list[HistoryLine] = []
    for meeting in meetings:
        assert meeting.id is not None
        row = rows.get(meeting.id)
        if row is None and meeting.ends_at > now:
            # Invitees follow the roster until the meeting: someone who joined since is invited.
            row = await invitees.invitation(session, meeting=meeting, person_id=person_id, now=now)
        if row is None:
            continue
        found = status.derive(
            meeting, row=row, leave=leaves.get(meeting.id), makeup=makeups.get(meeting.id), now=now
        )
        lines.append(
            HistoryLine(meeting, name_of(meeting), found.standing, _todo(meeting, found, now))
        )
    open_lines = [line for line in lines if line.open]
    done = [line for line in lines if not line.open]
    done.reverse()
    return open_lines + done
