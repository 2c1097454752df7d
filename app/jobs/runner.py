"""The scheduler process (`shente scheduler`)."""

from __future__ import annotations

import asyncio

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.config import Settings
from app.jobs import broadcasts
from app.jobs.broadcasts import JobContext
from app.logging import configure_logging
from app.models.types import utcnow
from app.wechat.cli_client import sender_runtime

log = structlog.get_logger(__name__)


def build_scheduler(settings: Settings, ctx: JobContext) -> AsyncIOScheduler:
    """An AsyncIO scheduler in China time with every registered job."""
    scheduler = AsyncIOScheduler(timezone=settings.timezone)
    # Runs once at start too: a crash mid-broadcast is finished as soon as the scheduler is back.
    scheduler.add_job(
        broadcasts.send_due,
        "interval",
        seconds=broadcasts.SEND_DUE_SECONDS,
        id=broadcasts.SEND_DUE_ID,
        args=[ctx],
        next_run_time=utcnow(),
        max_instances=1,
        coalesce=True,
    )
    return scheduler


async def run_forever(settings: Settings) -> None:
    """Start the scheduler and keep the process alive until it is stopped."""
    configure_logging(
        level=settings.log_level, json=settings.app_env == "prod", secrets=settings.secret_values()
    )
    async with sender_runtime(settings) as rt:
        ctx = JobContext(rt.engine, rt.sessions, rt.client, settings)
        scheduler = build_scheduler(settings, ctx)
        scheduler.start()
        log.info("scheduler started", jobs=len(scheduler.get_jobs()), timezone=settings.timezone)
        try:
            await asyncio.Event().wait()
        finally:
            scheduler.shutdown(wait=False)
