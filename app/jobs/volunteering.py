"""志愿服务: scheduled jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services.volunteering import activities


@job("volunteering.finish", "志愿服务活动结束", timedelta(minutes=5))
async def finish(ctx: JobContext, now: datetime) -> str | None:
    """Mark the published activities whose end has passed as 已结束 (hours can be approved)."""
    async with unit_of_work(ctx.sessions) as session:
        ended = await activities.finish_ended(session, now=now)
    return "、".join(f"「{a.title}」已结束" for a in ended) or None
