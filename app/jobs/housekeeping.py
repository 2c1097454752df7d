"""The scheduler's own upkeep: forget idle runs."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services import job_runs

IDLE_RUNS_KEPT = timedelta(days=7)


@job("jobs.prune", "清理空运行记录", timedelta(days=1))
async def prune(ctx: JobContext, now: datetime) -> str | None:
    """Forget week-old runs that found nothing to do."""
    async with unit_of_work(ctx.sessions) as session:
        removed = await job_runs.prune_idle(session, older_than=IDLE_RUNS_KEPT, now=now)
    return f"清理 {removed} 条空运行记录" if removed else None
