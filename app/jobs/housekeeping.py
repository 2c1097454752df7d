"""The scheduler's own upkeep: forget idle runs, back the database up once a day."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services import backups, job_runs

IDLE_RUNS_KEPT = timedelta(days=7)


@job("jobs.prune", "清理空运行记录", timedelta(days=1))
async def prune(ctx: JobContext, now: datetime) -> str | None:
    """Forget week-old runs that found nothing to do."""
    async with unit_of_work(ctx.sessions) as session:
        removed = await job_runs.prune_idle(session, older_than=IDLE_RUNS_KEPT, now=now)
    return f"清理 {removed} 条空运行记录" if removed else None


# Checked every 10 minutes, so the backup starts within 10 minutes of BACKUP_TIME, and at once
# when the scheduler comes back after missing it.
@job("housekeeping.backup", "数据库备份", timedelta(minutes=10))
async def backup(ctx: JobContext, now: datetime) -> str | None:
    """Back the database up into BACKUP_DIR when BACKUP_TIME (China) has passed since the last."""
    settings = ctx.settings
    if not settings.backup_time:
        return None
    directory = Path(settings.backup_dir)
    if not backups.due(directory, at=time.fromisoformat(settings.backup_time), now=now):
        return None
    # pg_dump runs for minutes on a large database: off the loop, so the lease stays renewed.
    made = await asyncio.to_thread(
        backups.make_backup,
        settings.database_url,
        directory,
        keep=settings.backup_keep,
        keep_weekly=settings.backup_keep_weekly,
        now=now,
    )
    removed = f"，删除 {len(made.removed)} 个旧备份" if made.removed else ""
    return f"已备份 {made.path.name}（{made.size} 字节）{removed}"
