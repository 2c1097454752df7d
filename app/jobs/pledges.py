"""Pledge jobs: remind those who have not signed, close campaigns at their deadline."""

from __future__ import annotations

from datetime import datetime

from app.jobs.context import JobContext, enqueue
from app.services.pledges import reminders


async def remind(ctx: JobContext, now: datetime) -> str | None:
    """Create the pledge reminders due now (to whoever has not signed yet)."""
    return await enqueue(ctx, now, reminders.send_reminders)


async def close(ctx: JobContext, now: datetime) -> str | None:
    """Close the campaigns whose deadline passed; tell their secretaries who has not signed."""
    return await enqueue(ctx, now, reminders.close_due)
