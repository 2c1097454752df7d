"""Every scheduled job: its id, what it does (for the console), and how often it runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from app.jobs import broadcasts, meetings, pledges
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


JOBS: dict[str, Job] = {
    job.id: job
    for job in (
        Job(
            "broadcasts.send_due",
            "发送到期推送（含定时刊物）",
            broadcasts.send_due_job,
            timedelta(seconds=30),
        ),
        Job("meetings.plan", "生成固定学习日", meetings.plan, timedelta(hours=1)),
        Job("meetings.remind", "会前提醒", meetings.remind, timedelta(minutes=1)),
        Job("meetings.follow_up", "会后补学通知", meetings.follow_up, timedelta(minutes=1)),
        Job("pledges.remind", "廉洁承诺书提醒", pledges.remind, timedelta(minutes=1)),
        Job("pledges.close", "廉洁承诺书截止", pledges.close, timedelta(minutes=1)),
        Job("jobs.prune", "清理空运行记录", meetings.prune, timedelta(days=1)),
    )
}
