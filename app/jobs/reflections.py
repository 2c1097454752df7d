"""微感悟: scheduled jobs."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.jobs.context import JobContext, enqueue
from app.jobs.registry import job
from app.services.reflections import insertion


@job("reflections.published", "微感悟：刊用后通知作者", timedelta(minutes=5))
async def published(ctx: JobContext, now: datetime) -> str | None:
    """Each author whose reflection is in an issue that has been sent hears it once, with the
    link to the issue (each reflection claimed before its notice, the notice keyed)."""
    return await enqueue(ctx, now, insertion.tell_authors)
