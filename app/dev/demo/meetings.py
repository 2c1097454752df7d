"""Demo meetings for `make run`: the study-day rule, this year's 三会一课, one to check in to."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.demo.common import DEMO_ACTOR
from app.dev.demo.people import committee_ids
from app.models import (
    LeaveRequest,
    LeaveStatus,
    MakeupSubmission,
    Meeting,
    MeetingAttendance,
    MeetingKind,
    OrgUnit,
    OrgUnitKind,
)
from app.models.types import CHINA, utcnow
from app.services.meetings import invitees, study_days
from app.services.meetings import meetings as meeting_service
from app.services.meetings.meetings import MeetingDraft
from app.services.meetings.study_days import RuleDraft

TRY_IT_TITLE = "演示：今天的学习（可在模拟器里签到）"


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=CHINA)


async def seed_meetings(session: AsyncSession, *, now: datetime) -> int:
    """Create what is missing; return how many meetings were created."""
    units = list((await session.exec(select(OrgUnit).order_by(col(OrgUnit.sort_order)))).all())
    branch = next(u for u in units if u.kind == OrgUnitKind.BRANCH.value)
    groups = [u for u in units if u.kind == OrgUnitKind.GROUP.value]
    assert branch.id is not None
    created = 0
    if await study_days.rule_for(session, unit_id=branch.id) is None:
        draft = RuleDraft(start_time=time(14, 30), place="行政楼三楼会议室", months_ahead=3)
        await study_days.save_rule(
            session, unit_id=branch.id, draft=draft, actor=DEMO_ACTOR, now=now
        )
    if not await meeting_service.between(
        session, start=_at(now.year, 1, 1, 0), end=now, unit_ids={branch.id}
    ):
        created += await _this_year(session, branch, groups, now)
    created += await _try_it_today(session, branch, now)
    return created


async def _create(session: AsyncSession, now: datetime, **fields: object) -> Meeting:
    draft = MeetingDraft.model_validate(fields)
    meeting = await meeting_service.create(session, draft=draft, actor=DEMO_ACTOR, now=now)
    if meeting.ends_at <= utcnow() and draft.kind is not MeetingKind.STUDY_DAY:
        # A past meeting everyone attended (the study day below shows the other cases).
        for row in await invitees.rows(session, meeting_id=meeting.id or 0):
            row.checked_in_at, row.check_in_via = meeting.starts_at, "menu"
            session.add(row)
    return meeting


async def _this_year(
    session: AsyncSession, branch: OrgUnit, groups: list[OrgUnit], now: datetime
) -> int:
    """Past meetings of this year, as a branch keeping the rhythm would have them."""
    year, created = now.astimezone(CHINA).year, 0
    past = now.astimezone(CHINA).month
    committee = await committee_ids(session)  # 支委会 invites the committee, not the branch
    for month in range(1, past):
        # Made "at the time" so their invitees are recorded, as they were on the day.
        start = _at(year, month, 10, 9)
        when = start - timedelta(days=7)
        await _create(
            session,
            when,
            kind=MeetingKind.COMMITTEE,
            title="支委会",
            org_unit_id=branch.id,
            invite_mode="people",
            person_ids=committee,
            starts_at=start,
            duration_minutes=60,
            place="书记办公室",
            follow_up=False,
            remind=False,
        )
        for index, group in enumerate(groups):
            if month == past - 1 and index == len(groups) - 1:
                continue  # one group behind last month: the year view warns about it
            await _create(
                session,
                when,
                kind=MeetingKind.GROUP,
                title=f"{group.name}会议",
                org_unit_id=group.id,
                starts_at=_at(year, month, 12 + index, 16),
                duration_minutes=60,
                follow_up=False,
                remind=False,
            )
        created += 1 + len(groups)
        if month % 3 == 0:
            await _create(
                session,
                when,
                kind=MeetingKind.GENERAL,
                title="支部党员大会",
                org_unit_id=branch.id,
                starts_at=_at(year, month, 20, 14),
                place="行政楼三楼会议室",
                follow_up=False,
                remind=False,
            )
            await _create(
                session,
                when,
                kind=MeetingKind.LECTURE,
                title="书记讲党课",
                org_unit_id=branch.id,
                starts_at=_at(year, month, 25, 14),
                lecturer="王建国",
                follow_up=False,
                remind=False,
            )
            created += 2
    if past == 1:
        return created
    last = await _create(
        session,
        _at(year, past - 1, 1, 9),
        kind=MeetingKind.STUDY_DAY,
        title="党员固定学习日",
        org_unit_id=branch.id,
        starts_at=_at(year, past - 1, 7, 14, 30),
        place="行政楼三楼会议室",
        topic="学习贯彻党的二十届四中全会精神",
        materials=[{"title": "学习材料", "url": "https://www.12371.cn/"}],
        follow_up=False,
    )
    await _attendance(session, last)
    return created + 1


async def _attendance(session: AsyncSession, meeting: Meeting) -> None:
    """Most came; one was on leave and made up; one missed it."""
    rows = list(
        (
            await session.exec(
                select(MeetingAttendance)
                .where(MeetingAttendance.meeting_id == meeting.id)
                .order_by(col(MeetingAttendance.person_id))
            )
        ).all()
    )
    assert meeting.id is not None
    for index, row in enumerate(rows):
        if index == 1:
            session.add(
                LeaveRequest(
                    meeting_id=meeting.id,
                    person_id=row.person_id,
                    reason="出差在外",
                    requested_at=meeting.starts_at - timedelta(days=1),
                    status=LeaveStatus.APPROVED.value,
                    decided_by=DEMO_ACTOR.name,
                    decided_at=meeting.starts_at - timedelta(hours=20),
                )
            )
            session.add(
                MakeupSubmission(
                    meeting_id=meeting.id,
                    person_id=row.person_id,
                    content="学习了会议材料，体会是要把学习成果落实到岗位上。",
                    submitted_at=meeting.ends_at + timedelta(days=2),
                )
            )
        elif index != 2:
            row.checked_in_at = meeting.starts_at - timedelta(minutes=10 - index % 10)
            row.check_in_via = "qr" if index % 2 else "menu"
            session.add(row)
    await session.flush()


async def _try_it_today(session: AsyncSession, branch: OrgUnit, now: datetime) -> int:
    """A meeting starting within the hour, so 「学习日签到」 answers in the simulator today."""
    local = now.astimezone(CHINA)
    day_start = datetime.combine(local.date(), time(0), CHINA)
    start = (now + timedelta(minutes=20)).astimezone(UTC).replace(second=0, microsecond=0)
    assert branch.id is not None
    # Up to its start: one made after 23:40 starts tomorrow, and must be found when run again.
    end = max(day_start + timedelta(days=1), start + timedelta(minutes=1))
    existing = await meeting_service.between(
        session, start=day_start, end=end, unit_ids={branch.id}
    )
    if any(m.title == TRY_IT_TITLE for m in existing):
        return 0
    await _create(
        session,
        now,
        kind=MeetingKind.STUDY_DAY,
        title=TRY_IT_TITLE,
        org_unit_id=branch.id,
        starts_at=start,
        place="线上",
        checkin_before_minutes=60,
        remind=False,
        follow_up=False,
    )
    return 1
