"""The scheduled jobs: each registers its id, title and period with `@job` beside its function."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.jobs.context import JobContext

JobFunction = Callable[[JobContext, datetime], Awaitable[str | None]]


@dataclass(frozen=True)
class Job:
    """A job runs every `every`, on the boundaries of it (China time), and once at start."""

    id: str
    title: str
    run: JobFunction
    every: timedelta

    @property
    def schedule_label(self) -> str:
        """ "每 30 秒", "每分钟", "每小时", "每天"."""
        seconds = int(self.every.total_seconds())
        return {60: "每分钟", 3600: "每小时", 86400: "每天"}.get(seconds, f"每 {seconds} 秒")


def boundary(now: datetime, period: timedelta) -> datetime:
    """The start of the period `now` is in: two schedulers compute the same due time."""
    step = int(period.total_seconds())
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % step, tz=now.tzinfo)


JOBS: dict[str, Job] = {}


def job(job_id: str, title: str, every: timedelta) -> Callable[[JobFunction], JobFunction]:
    """Register a scheduled job under a stable id, beside its function."""

    def register(run: JobFunction) -> JobFunction:
        if job_id in JOBS:
            raise ValueError(f"two jobs named {job_id}")
        JOBS[job_id] = Job(job_id, title, run, every)
        return run

    return register
