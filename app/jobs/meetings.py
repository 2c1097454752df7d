"""Meeting jobs: roll the study-day rule forward, remind before meetings, follow up after."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext, enqueue
from app.services import job_runs
from app.services.meetings import meetings as meeting_service
from app.services.meetings import reminders, study_days

IDLE_RUNS_KEPT = timedelta(days=7)


async def plan(ctx: JobContext, now: datetime) -> str | None:
    """Create the study days of the months ahead that have none yet."""
    async with unit_of_work(ctx.sessions) as session:
        created = []
        for rule in await study_days.active_rules(session):
            created += await study_days.ensure_occurrences(session, rule=rule, now=now)
        names = [meeting_service.name_of(m) for m in created]
    return "新建：" + "；".join(names) if names else None


async def remind(ctx: JobContext, now: datetime) -> str | None:
    """Create the reminders due now (or missed, while their meeting has not begun)."""
    return await enqueue(ctx, now, reminders.send_reminders)


async def follow_up(ctx: JobContext, now: datetime) -> str | None:
    """Send absentees their make-up task the day after (late ones too, within the window)."""
    return await enqueue(ctx, now, reminders.send_followups)


async def prune(ctx: JobContext, now: datetime) -> str | None:
    """Forget week-old runs that found nothing to do."""
    async with unit_of_work(ctx.sessions) as session:
        removed = await job_runs.prune_idle(session, older_than=IDLE_RUNS_KEPT, now=now)
    return f"清理 {removed} 条空运行记录" if removed else None
