"""Quiz jobs: the notice for people who join an open test's takers after it was published."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.jobs.context import JobContext, enqueue
from app.jobs.registry import job
from app.services.quizzes import publishing


@job("quizzes.newcomers", "知识测试：通知新列入的人员", timedelta(minutes=5))
async def newcomers(ctx: JobContext, now: datetime) -> str | None:
    """Send the test's notice to takers who joined after it was published (once each)."""
    return await enqueue(ctx, now, publishing.notify_newcomers)
