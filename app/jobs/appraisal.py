"""民主评议党员: scheduled jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services.appraisal import voting


@job("appraisal.close", "民主评议：互评截止计票", timedelta(minutes=5))
async def close(ctx: JobContext, now: datetime) -> str | None:
    """Close each round whose voting deadline passed, once (a conditional status update)."""
    async with unit_of_work(ctx.sessions) as session:
        closed = await voting.close_due(session, now=now)
    lines = [f"{r.year} 年度民主评议（第 {r.id} 轮）互评结束，已计票" for r in closed]
    return "\n".join(lines) or None
