"""Notices about one meeting: a leave decided, a meeting cancelled (on the reminders' channels)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.models import (
    Broadcast,
    BroadcastRecipient,
    LeaveRequest,
    LeaveStatus,
    Meeting,
    RecipientStatus,
)
from app.models.types import CHINA
from app.services.meetings import reminders
from app.services.meetings.meetings import name_of


async def notify_leave_decision(
    session: AsyncSession,
    *,
    request: LeaveRequest,
    meeting: Meeting,
    settings: Settings,
    now: datetime,
) -> Broadcast | None:
    """Tell the member how their leave request was decided (one notice per request)."""
    approved = request.status == LeaveStatus.APPROVED.value
    verdict = "已准假" if approved else "未准假"
    text = f"【请假审批】您的请假（{name_of(meeting)}）{verdict}。"
    if request.decision_note:
        text += f"\n说明：{request.decision_note}"
    if approved:
        text += "\n会后请点击菜单「补学」完成补学。"
    else:
        text += "\n请按时参加；如有困难请联系支部书记。"
    start = meeting.starts_at.astimezone(CHINA)
    message = {
        "title": f"请假审批：{verdict}",
        "text": text,
        "template": {
            "thing1": f"请假{verdict}：{meeting.title}",
            "thing2": request.decision_note or "支部审批",
            "time3": f"{start:%Y-%m-%d %H:%M}",
        },
        "subscribe": {
            "thing1": f"请假{verdict}",
            "time2": f"{start:%Y-%m-%d %H:%M}",
            "thing3": meeting.title,
        },
    }
    return await reminders.broadcast(
        session,
        key=f"leave:{request.id}:decision",
        kind="notice",
        meeting=meeting,
        message=message,
        people=[request.person_id],
        settings=settings,
        now=now,
        created_by=request.decided_by or "console",
    )


async def notify_cancelled(
    session: AsyncSession, *, meeting: Meeting, settings: Settings, now: datetime, by: str
) -> Broadcast | None:
    """Tell everyone a reminder reached that the meeting is off (nobody else needs to know)."""
    reminded = select(Broadcast.id).where(
        Broadcast.subject_type == "meeting",
        Broadcast.subject_id == meeting.id,
        Broadcast.kind == "reminder",
    )
    people = (
        await session.exec(
            select(BroadcastRecipient.person_id)
            .where(
                col(BroadcastRecipient.broadcast_id).in_(reminded),
                BroadcastRecipient.status == RecipientStatus.SENT.value,
            )
            .distinct()
        )
    ).all()
    if not people or meeting.ends_at <= now:
        return None
    start = meeting.starts_at.astimezone(CHINA)
    message = {
        "title": f"会议取消：{name_of(meeting)}",
        "text": f"【会议取消】{name_of(meeting)}已取消，无需参加。",
        "template": {
            "thing1": f"已取消：{meeting.title}",
            "thing2": reminders.where(meeting),
            "time3": f"{start:%Y-%m-%d %H:%M}",
        },
        "subscribe": {
            "thing1": f"已取消：{meeting.title}",
            "time2": f"{start:%Y-%m-%d %H:%M}",
            "thing3": reminders.where(meeting),
        },
    }
    return await reminders.broadcast(
        session,
        key=f"meeting:{meeting.id}:cancelled",
        kind="notice",
        meeting=meeting,
        message=message,
        people=sorted(people),
        settings=settings,
        now=now,
        created_by=by,
        urgent=reminders.late_change(meeting, now),
    )
