"""The attendance sheet of one meeting: present / on leave / absent / made up, per invitee."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import (
    LeaveRequest,
    MakeupSubmission,
    Meeting,
    MeetingAttendance,
    Person,
)
from app.services.meetings import invitees, status
from app.services.meetings.status import Standing
from app.services.people import org_units


class Presence(StrEnum):
    """Where an invitee stands (the sheet's 出勤 column)."""

    PRESENT = "present"
    ON_LEAVE = "on_leave"
    LEAVE_PENDING = "leave_pending"
    ABSENT = "absent"
    NOT_YET = "not_yet"  # the meeting has not ended and they have not checked in

    @property
    def label(self) -> str:
        """The Chinese name."""
        return PRESENCE_LABELS[self]


PRESENCE_LABELS = {
    Presence.PRESENT: "已签到",
    Presence.ON_LEAVE: "请假",
    Presence.LEAVE_PENDING: "请假待批",
    Presence.ABSENT: "缺席",
    Presence.NOT_YET: "未签到",
}
VIA_LABELS = {"menu": "菜单", "keyword": "关键词", "qr": "扫码", "admin": "管理员登记"}


@dataclass(frozen=True)
class SheetLine:
    """One invitee's line."""

    person_id: int
    name: str
    unit: str
    presence: Presence
    checked_in_at: datetime | None
    check_in_via: str | None
    leave: LeaveRequest | None
    makeup: MakeupSubmission | None

    @property
    def via_label(self) -> str:
        """How they checked in, in Chinese."""
        return VIA_LABELS.get(self.check_in_via or "", "")


@dataclass(frozen=True)
class Sheet:
    """The whole sheet, with counts by presence and the number made up."""

    meeting: Meeting
    lines: list[SheetLine]

    def count(self, presence: Presence) -> int:
        """How many invitees stand at `presence`."""
        return sum(1 for line in self.lines if line.presence is presence)

    @property
    def made_up(self) -> int:
        """How many of those not present made up."""
        return sum(
            1 for line in self.lines if line.makeup and line.presence is not Presence.PRESENT
        )

    @property
    def invited(self) -> int:
        """How many were invited."""
        return len(self.lines)


# The sheet's 出勤 column is the standing at the meeting itself (补学 has its own column).
_PRESENCE = {
    Standing.PRESENT: Presence.PRESENT,
    Standing.ON_LEAVE: Presence.ON_LEAVE,
    Standing.LEAVE_PENDING: Presence.LEAVE_PENDING,
    Standing.LEAVE_REJECTED: Presence.NOT_YET,
    Standing.INVITED: Presence.NOT_YET,
    Standing.ABSENT: Presence.ABSENT,
}


def _presence(
    meeting: Meeting,
    row: MeetingAttendance,
    leave: LeaveRequest | None,
    makeup: MakeupSubmission | None,
    now: datetime,
) -> Presence:
    found = status.derive(meeting, row=row, leave=leave, makeup=makeup, now=now)
    return _PRESENCE[found.at_meeting]


async def sheet(
    session: AsyncSession,
    *,
    meeting: Meeting,
    now: datetime,
    unit_ids: frozenset[int] | set[int] | None = None,
) -> Sheet:
    """Every invitee's line, by unit and 工号 (only `unit_ids`' people when given)."""
    assert meeting.id is not None
    # Until it ends, the list follows the roster: who joined the unit since is on it already.
    await invitees.sync(session, meeting=meeting, now=now)
    statement = (
        select(MeetingAttendance, Person)
        .join(Person, col(Person.id) == MeetingAttendance.person_id)
        .where(MeetingAttendance.meeting_id == meeting.id)
    )
    if unit_ids is not None:
        statement = statement.where(col(Person.org_unit_id).in_(unit_ids))
    pairs = (await session.exec(statement)).all()
    leaves: dict[int, LeaveRequest] = {}
    for leave in (
        await session.exec(
            select(LeaveRequest)
            .where(LeaveRequest.meeting_id == meeting.id)
            .order_by(col(LeaveRequest.id))
        )
    ).all():
        leaves[leave.person_id] = leave  # the latest request counts
    makeups: dict[int, MakeupSubmission] = {}
    for makeup in (
        await session.exec(
            select(MakeupSubmission)
            .where(MakeupSubmission.meeting_id == meeting.id)
            .order_by(col(MakeupSubmission.id))
        )
    ).all():
        makeups[makeup.person_id] = makeup
    units = await org_units.path_names(session)
    lines = [
        SheetLine(
            person_id=row.person_id,
            name=person.name,
            unit=units.get(person.org_unit_id or 0, ""),
            presence=_presence(
                meeting, row, leaves.get(row.person_id), makeups.get(row.person_id), now
            ),
            checked_in_at=row.checked_in_at,
            check_in_via=row.check_in_via,
            leave=leaves.get(row.person_id),
            makeup=makeups.get(row.person_id),
        )
        for row, person in pairs
    ]
    # Units in the tree's order, and within a unit by 工号 (a name's code points mean nothing).
    unit_order = {unit_id: index for index, unit_id in enumerate(units)}
    last = len(unit_order)
    rank = {
        row.person_id: (unit_order.get(person.org_unit_id or 0, last), person.employee_no)
        for row, person in pairs
    }
    lines.sort(key=lambda line: rank[line.person_id])
    return Sheet(meeting, lines)
