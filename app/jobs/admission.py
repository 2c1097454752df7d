"""组织发展 jobs: step warnings, the weekly digest, quarterly thought-report reminders.

Each runs often and acts on or after ADMISSION_REMINDER_TIME (China time); the broadcast key
of each notice makes it go once, however often the job runs.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.jobs.context import JobContext, enqueue
from app.jobs.registry import job
from app.services.admission import reminders


@job("admission.deadlines", "组织发展：到期与逾期提醒", timedelta(minutes=15))
async def deadlines(ctx: JobContext, now: datetime) -> str | None:
    """Tell the people responsible about a step due within 7 days, and once when overdue."""
    return await enqueue(ctx, now, reminders.send_deadline_notices)


@job("admission.digest", "组织发展：支部书记周报", timedelta(hours=1))
async def digest(ctx: JobContext, now: datetime) -> str | None:
    """Mondays: each 支部书记's list of overdue steps and those due within two weeks."""
    return await enqueue(ctx, now, reminders.send_digest)


@job("admission.reports", "组织发展：思想汇报季度提醒", timedelta(hours=1))
async def reports(ctx: JobContext, now: datetime) -> str | None:
    """The quarter's last month: remind whoever owes this quarter's 思想汇报 (once a quarter)."""
    return await enqueue(ctx, now, reminders.report_jobs)
