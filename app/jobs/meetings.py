"""Meeting jobs: roll the study-day rule forward, remind before meetings, follow up after."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext, enqueue
from app.jobs.registry import job
from app.services.meetings import meetings as meeting_service
from app.services.meetings import reminders, study_days


@job("meetings.plan", "生成固定学习日", timedelta(hours=1))
async def plan(ctx: JobContext, now: datetime) -> str | None:
    """Create the study days of the months ahead that have none yet."""
    async with unit_of_work(ctx.sessions) as session:
        created = []
        for rule in await study_days.active_rules(session):
            created += await study_days.ensure_occurrences(session, rule=rule, now=now)
        names = [meeting_service.name_of(m) for m in created]
    return "新建：" + "；".join(names) if names else None


@job("meetings.remind", "会前提醒", timedelta(minutes=1))
async def remind(ctx: JobContext, now: datetime) -> str | None:
    """Create the reminders due now (or missed, while their meeting has not begun)."""
    return await enqueue(ctx, now, reminders.send_reminders)


@job("meetings.follow_up", "会后补学通知", timedelta(minutes=1))
async def follow_up(ctx: JobContext, now: datetime) -> str | None:
    """Send absentees their make-up task the day after (late ones too, within the window)."""
    return await enqueue(ctx, now, reminders.send_followups)
