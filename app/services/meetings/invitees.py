"""Who is invited to a meeting: rows kept in step with the roster until the meeting ends."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Meeting, MeetingAttendance, MeetingStatus, Person
from app.services.broadcasts import reach
from app.services.people import org_units


async def scope(session: AsyncSession, *, meeting: Meeting) -> set[int]:
    """The people the meeting's unit invites right now (empty for a list of names)."""
    if meeting.invite_mode != "unit" or meeting.invite_unit_id is None:
        return set()
    units = await org_units.subtree_ids(session, root_id=meeting.invite_unit_id)
    return set(
        await reach.audience(session, unit_ids=units, party_members_only=meeting.party_members_only)
    )


async def rows(session: AsyncSession, *, meeting_id: int) -> list[MeetingAttendance]:
    """The meeting's invitees, one row each."""
    statement = select(MeetingAttendance).where(MeetingAttendance.meeting_id == meeting_id)
    return list((await session.exec(statement)).all())


async def sync(
    session: AsyncSession,
    *,
    meeting: Meeting,
    named: Sequence[int] | None = None,
    now: datetime,
    new: bool = False,
) -> None:
    """Bring the invitee rows in line with the unit (or the list), unless the meeting is over.

    After the meeting the list is the record: someone who leaves the branch later stays on it
    (a meeting recorded after the fact, `new`, gets today's list once). Someone who checked in
    is never removed. `named` is the list of names when an admin saves one; None keeps it.
    """
    assert meeting.id is not None
    if meeting.ends_at <= now and not new:
        return
    current = {row.person_id: row for row in await rows(session, meeting_id=meeting.id)}
    if meeting.invite_mode == "people":
        kept = {pid for pid, row in current.items() if row.named}
        wanted, keep_named = (kept if named is None else set(named)), False
    else:
        wanted, keep_named = await scope(session, meeting=meeting), True
    for person_id in sorted(wanted - current.keys()):
        session.add(
            MeetingAttendance(
                meeting_id=meeting.id,
                person_id=person_id,
                named=meeting.invite_mode == "people",
                invited_at=now,
            )
        )
    stale = [
        row.id
        for person_id, row in current.items()
        if person_id not in wanted and row.checked_in_at is None and not (keep_named and row.named)
    ]
    if stale:
        await session.exec(delete(MeetingAttendance).where(col(MeetingAttendance.id).in_(stale)))
    await session.flush()


async def keep_in_step(session: AsyncSession, *, now: datetime, horizon: timedelta) -> int:
    """Sync every meeting not yet ended that starts within `horizon`: the roster's newcomers
    are invited (and reminded) until the meeting ends, when the list becomes the record."""
    statement = select(Meeting).where(
        Meeting.status == MeetingStatus.SCHEDULED.value,
        Meeting.invite_mode == "unit",
        col(Meeting.ends_at) > now,
        col(Meeting.starts_at) <= now + horizon,
    )
    meetings = list((await session.exec(statement)).all())
    for meeting in meetings:
        await sync(session, meeting=meeting, now=now)
    return len(meetings)


async def invitation(
    session: AsyncSession, *, meeting: Meeting, person_id: int, now: datetime
) -> MeetingAttendance | None:
    """The person's invitee row; someone who joined the unit since the last sync gets one now."""
    assert meeting.id is not None
    statement = select(MeetingAttendance).where(
        MeetingAttendance.meeting_id == meeting.id, MeetingAttendance.person_id == person_id
    )
    row = (await session.exec(statement)).first()
    if row is not None or meeting.ends_at <= now:
        return row
    if person_id not in await scope(session, meeting=meeting):
        return None
    row = MeetingAttendance(meeting_id=meeting.id, person_id=person_id, invited_at=now)
    session.add(row)
    await session.flush()
    return row


async def add_named(
    session: AsyncSession, *, meeting_id: int, person_id: int, now: datetime
) -> MeetingAttendance:
    """Invite one more person by name (an admin recording a guest who came)."""
    statement = select(MeetingAttendance).where(
        MeetingAttendance.meeting_id == meeting_id, MeetingAttendance.person_id == person_id
    )
    row = (await session.exec(statement)).first()
    if row is None:
        row = MeetingAttendance(
            meeting_id=meeting_id, person_id=person_id, named=True, invited_at=now
        )
        session.add(row)
        await session.flush()
    return row


async def names(session: AsyncSession, *, person_ids: Sequence[int]) -> dict[int, str]:
    """People's names by id."""
    if not person_ids:
        return {}
    statement = select(Person.id, Person.name).where(col(Person.id).in_(list(person_ids)))
    return {int(pid): name for pid, name in (await session.exec(statement)).all() if pid}
