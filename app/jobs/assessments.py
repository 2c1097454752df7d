"""三亮三挂三考核: scheduled jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services.assessments import filling


@job("assessments.close_month", "三亮三挂三考核：月末（季末、年末）生成考核表", timedelta(hours=1))
async def close_month(ctx: JobContext, now: datetime) -> str | None:
    """After each China-time month end, fill every member's sheet once (quarters, years too)."""
    async with unit_of_work(ctx.sessions) as session:
        run = await filling.run_due(session, now=now)
    return run.describe()
