"""Reminders before a meeting and the follow-up after it: which are due, and their broadcasts.

Due times are whole minutes (meetings start on one, offsets are whole minutes), so a job that
runs at second 0 of every minute enqueues each within its own run time. Catch-up after downtime
is the same rule applied late: a reminder is sent while its meeting has not begun (only the
latest one due, and not within half its lead of another reminder), a follow-up for as long as
the member can still make up.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    Broadcast,
    LeaveRequest,
    LeaveStatus,
    MakeupSubmission,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
)
from app.models.types import CHINA
from app.services.broadcasts import notices
from app.services.broadcasts import rows as row_service
from app.services.broadcasts.notices import NoticeRun
from app.services.meetings import invitees
from app.services.meetings.makeup import MAKEUP_WINDOW
from app.services.meetings.meetings import makeup_task, name_of
from app.timing import Offset, QuietHours, parse_offsets

# A reminder shifted out of quiet hours must still arrive this long before the start.
MIN_LEAD = timedelta(minutes=10)
# Meetings this close are kept in step with the roster every minute (the console shows them).
IN_STEP = timedelta(days=1)
# A meeting moved or called off this close to its start is urgent news: never merged (减负).
URGENT_WITHIN = timedelta(hours=24)


def reminder_due(meeting: Meeting, offset: Offset, quiet: QuietHours | None) -> datetime | None:
    """When this reminder goes: its lead before the start, moved out of quiet hours (or None)."""
    due = meeting.starts_at - offset.lead
    if quiet is not None and (end := quiet.until(due)) is not None:
        # At the end of the night, unless that is too close to the start to be of use.
        return end if end <= meeting.starts_at - MIN_LEAD else None
    return due


def followup_due(meeting: Meeting, at: time) -> datetime:
    """The day after the meeting (China), at the configured time."""
    day: date = meeting.ends_at.astimezone(CHINA).date() + timedelta(days=1)
    return datetime.combine(day, at, CHINA)


def reminder_key(meeting: Meeting, offset: Offset) -> str:
    """One reminder per meeting, lead and start time (a moved meeting is reminded again)."""
    return f"meeting:{meeting.id}:remind:{offset.label}:{meeting.starts_at:%Y%m%d%H%M}"


def followup_key(meeting: Meeting) -> str:
    """One follow-up per meeting, ever."""
    return f"meeting:{meeting.id}:followup"


async def _reminded_since(session: AsyncSession, meeting: Meeting, since: datetime) -> bool:
    statement = select(Broadcast.id).where(
        Broadcast.subject_type == "meeting",
        Broadcast.subject_id == meeting.id,
        Broadcast.kind == "reminder",
        col(Broadcast.created_at) > since,
    )
    return (await session.exec(statement)).first() is not None


async def _not_excused(session: AsyncSession, meeting: Meeting) -> list[int]:
    """Invitees who have not checked in and have no approved leave."""
    assert meeting.id is not None
    rows = await invitees.rows(session, meeting_id=meeting.id)
    approved = set(
        (
            await session.exec(
                select(LeaveRequest.person_id).where(
                    LeaveRequest.meeting_id == meeting.id,
                    LeaveRequest.status == LeaveStatus.APPROVED.value,
                )
            )
        ).all()
    )
    return [r.person_id for r in rows if r.checked_in_at is None and r.person_id not in approved]


async def _absentees(session: AsyncSession, meeting: Meeting) -> list[int]:
    """Invitees who did not check in and have not made up yet."""
    assert meeting.id is not None
    statement = select(MeetingAttendance.person_id).where(
        MeetingAttendance.meeting_id == meeting.id, col(MeetingAttendance.checked_in_at).is_(None)
    )
    missed = set((await session.exec(statement)).all())
    done = set(
        (
            await session.exec(
                select(MakeupSubmission.person_id).where(MakeupSubmission.meeting_id == meeting.id)
            )
        ).all()
    )
    return sorted(missed - done)


def where(meeting: Meeting) -> str:
    return meeting.place or "详见通知"


def reminder_message(meeting: Meeting, offset: Offset, settings: Settings) -> dict[str, Any]:
    """The reminder on every channel: when, where, what, and how to check in or ask for leave."""
    start = meeting.starts_at.astimezone(CHINA)
    lines = [
        f"【会议提醒】{offset.chinese}：{name_of(meeting)}",
        f"地点：{where(meeting)}",
    ]
    if meeting.topic:
        lines.append(f"主题：{meeting.topic}")
    lines.append("到场后点击菜单「学习日签到」或扫描会场二维码签到；不能参加请点击「请假」。")
    return {
        "title": f"会议提醒：{name_of(meeting)}",
        "url": f"{settings.public_base_url.rstrip('/')}/m/meetings/{meeting.id}",
        "text": "\n".join(lines),
        "description": f"{where(meeting)}。{meeting.topic or ''}".strip(),
        "template": {
            "thing1": meeting.title,
            "thing2": where(meeting),
            "time3": f"{start:%Y-%m-%d %H:%M}",
        },
        "subscribe": {
            "thing1": meeting.title,
            "time2": f"{start:%Y-%m-%d %H:%M}",
            "thing3": where(meeting),
        },
    }


def followup_message(meeting: Meeting, settings: Settings) -> dict[str, Any]:
    """The make-up task for someone who missed the meeting."""
    deadline = (meeting.ends_at + MAKEUP_WINDOW).astimezone(CHINA)
    text = (
        f"【补学通知】您没有参加{name_of(meeting)}。\n"
        f"请在 {deadline.month} 月 {deadline.day} 日前完成补学：{makeup_task(meeting)}\n"
        "点击菜单「补学」，或直接回复「补学 学习心得」提交。"
    )
    return {
        "title": f"补学通知：{name_of(meeting)}",
        "url": f"{settings.public_base_url.rstrip('/')}/m/meetings/{meeting.id}",
        "text": text,
        "description": makeup_task(meeting),
        "template": {
            "thing1": f"补学：{meeting.title}",
            "thing2": "请点击菜单「补学」提交",
            "time3": f"{deadline:%Y-%m-%d} 前",
        },
        "subscribe": {
            "thing1": f"补学：{meeting.title}",
            "time2": f"{deadline:%Y-%m-%d %H:%M}",
            "thing3": "请点击菜单「补学」提交",
        },
    }


async def broadcast(
    session: AsyncSession,
    *,
    key: str,
    kind: str,
    meeting: Meeting,
    message: dict[str, Any],
    people: Sequence[int],
    settings: Settings,
    now: datetime,
    created_by: str = "scheduler",
    urgent: bool = False,
) -> Broadcast | None:
    """A notice about this meeting (None when `key` was sent already); `urgent` (a change
    within 24 h of the start) is never merged by the push budget."""
    assert meeting.id is not None
    return await notices.notify(
        session,
        key=key,
        kind=kind,
        subject=("meeting", meeting.id),
        message=message,
        people=people,
        settings=settings,
        now=now,
        created_by=created_by,
        urgent=urgent,
    )


def late_change(meeting: Meeting, now: datetime) -> bool:
    """Whether a change to the meeting now is urgent: it starts within 24 h (or has begun)."""
    return meeting.starts_at - now <= URGENT_WITHIN


async def _moved(session: AsyncSession, meeting: Meeting) -> bool:
    """Whether members were reminded of this meeting at another start time (it was moved)."""
    statement = select(Broadcast.id).where(
        Broadcast.subject_type == "meeting",
        Broadcast.subject_id == meeting.id,
        Broadcast.kind == "reminder",
        col(Broadcast.key).not_like(f"%:{meeting.starts_at:%Y%m%d%H%M}"),
    )
    return (await session.exec(statement.limit(1))).first() is not None


async def _upcoming(session: AsyncSession, now: datetime, horizon: timedelta) -> list[Meeting]:
    statement = (
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED.value,
            col(Meeting.remind).is_(True),
            col(Meeting.starts_at) > now,
            col(Meeting.starts_at) <= now + horizon,
        )
        .order_by(col(Meeting.starts_at))
    )
    return list((await session.exec(statement)).all())


async def send_reminders(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """Create every reminder broadcast due at `now` whose meeting has not begun."""
    offsets = parse_offsets(settings.meeting_reminders)
    report = NoticeRun()
    # Invitees follow the roster until the meeting ends: people who joined a unit after its
    # meeting was created are invited now (and get the reminders still to come, not past ones).
    horizon = max([IN_STEP, *(o.lead for o in offsets)])
    await invitees.keep_in_step(session, now=now, horizon=horizon)
    if not offsets:
        return report
    quiet = QuietHours.parse(settings.quiet_hours)
    for meeting in await _upcoming(session, now, offsets[0].lead):
        due = [(d, o) for o in offsets if (d := reminder_due(meeting, o, quiet)) and d <= now]
        if not due:
            continue
        when, offset = max(due, key=lambda pair: pair[0])  # the latest one due supersedes
        key = reminder_key(meeting, offset)
        if await row_service.get_by_key(session, key=key) is not None:
            continue
        if await _reminded_since(session, meeting, when - offset.lead / 2):
            report.notes.append(f"跳过「{name_of(meeting)}」提前 {offset.span}的提醒：刚提醒过")
            continue
        await invitees.sync(session, meeting=meeting, now=now)
        people = await _not_excused(session, meeting)
        created = await broadcast(
            session,
            key=key,
            kind="reminder",
            meeting=meeting,
            message=reminder_message(meeting, offset, settings),
            people=people,
            settings=settings,
            now=now,
            urgent=late_change(meeting, now) and await _moved(session, meeting),
        )
        if created is not None:
            report.created.append(created)
    return report


async def send_followups(session: AsyncSession, *, settings: Settings, now: datetime) -> NoticeRun:
    """Create the make-up follow-up of every meeting whose follow-up time has come (late too)."""
    at = time.fromisoformat(settings.meeting_followup_time)
    statement = (
        select(Meeting)
        .where(
            Meeting.status == MeetingStatus.SCHEDULED.value,
            col(Meeting.follow_up).is_(True),
            col(Meeting.ends_at) <= now,
            col(Meeting.ends_at) > now - MAKEUP_WINDOW,
        )
        .order_by(col(Meeting.starts_at))
    )
    report = NoticeRun()
    for meeting in (await session.exec(statement)).all():
        if followup_due(meeting, at) > now:
            continue
        key = followup_key(meeting)
        if await row_service.get_by_key(session, key=key) is not None:
            continue
        people = await _absentees(session, meeting)
        if not people:
            continue
        created = await broadcast(
            session,
            key=key,
            kind="followup",
            meeting=meeting,
            message=followup_message(meeting, settings),
            people=people,
            settings=settings,
            now=now,
        )
        if created is not None:
            report.created.append(created)
    return report


def upcoming_reminders(
    meeting: Meeting, settings: Settings
) -> list[tuple[Offset, datetime | None]]:
    """Each reminder of a meeting and when it goes (None: skipped for quiet hours) — console."""
    quiet = QuietHours.parse(settings.quiet_hours)
    return [(o, reminder_due(meeting, o, quiet)) for o in parse_offsets(settings.meeting_reminders)]
