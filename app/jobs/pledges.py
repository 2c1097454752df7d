"""Pledge jobs: ask newcomers, remind those who have not signed, close at the deadline."""

from __future__ import annotations

from datetime import datetime, timedelta

from app.jobs.context import JobContext, enqueue
from app.jobs.registry import job
from app.services.pledges import reminders


@job("pledges.remind", "廉洁承诺书提醒", timedelta(minutes=1))
async def remind(ctx: JobContext, now: datetime) -> str | None:
    """Create the pledge reminders due now (to whoever has not signed yet)."""
    return await enqueue(ctx, now, reminders.send_reminders)


@job("pledges.newcomers", "廉洁承诺书：通知新列入的人员", timedelta(minutes=5))
async def newcomers(ctx: JobContext, now: datetime) -> str | None:
    """Send the 签署通知 to people who joined an open campaign's scope after it was published."""
    return await enqueue(ctx, now, reminders.prompt_newcomers)


@job("pledges.close", "廉洁承诺书截止", timedelta(minutes=1))
async def close(ctx: JobContext, now: datetime) -> str | None:
    """Close the campaigns whose deadline passed; tell their secretaries who has not signed."""
    return await enqueue(ctx, now, reminders.close_due)
