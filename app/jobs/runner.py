"""The scheduler process (`shente scheduler`)."""

from __future__ import annotations

import asyncio

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from app.config import Settings
from app.logging import configure_logging

log = structlog.get_logger(__name__)


def build_scheduler(settings: Settings) -> AsyncIOScheduler:
    """An AsyncIO scheduler in China time with every registered job."""
    # Jobs (study-day reminders, pledge prompts, broadcast resume) register here as they land.
    return AsyncIOScheduler(timezone=settings.timezone)


async def run_forever(settings: Settings) -> None:
    """Start the scheduler and keep the process alive until it is stopped."""
    configure_logging(
        level=settings.log_level, json=settings.app_env == "prod", secrets=settings.secret_values()
    )
    scheduler = build_scheduler(settings)
    scheduler.start()
    log.info("scheduler started", jobs=len(scheduler.get_jobs()), timezone=settings.timezone)
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
