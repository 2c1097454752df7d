"""The scheduler's own upkeep: forget idle runs, back the database up once a day, settle
deferred replies whose process died."""

from __future__ import annotations

import asyncio
from datetime import datetime, time, timedelta
from pathlib import Path

import structlog

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services import backups, job_runs
from app.services.messages import inbound as inbound_service
from app.wechat.errors import WeChatError

log = structlog.get_logger(__name__)

IDLE_RUNS_KEPT = timedelta(days=7)
# A deferred handler normally finishes within seconds (shutdown waits for it, bounded by the
# reply budget): one still deferred after this lost its process. Its handler is not re-run
# (a handler's effects are not all keyed); the member is told, once, to send it again.
DEFERRED_GRACE = timedelta(minutes=10)
DEFERRED_LOOKBACK = timedelta(days=7)
# Customer-service messages reach a member up to 48 h after their message; keep a margin.
APOLOGY_WINDOW = timedelta(hours=47)
ORPHAN_APOLOGY = "抱歉，您之前发送的消息因系统重启未能处理完成，请重新发送一次。"
ORPHAN_ERROR = "处理进程中断（重启或崩溃），未完成；已请成员重新发送"


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


@job("messages.orphans", "处理中断的稍候回复", timedelta(minutes=5))
async def settle_orphaned_deferred(ctx: JobContext, now: datetime) -> str | None:
    """Mark deferred deliveries whose process died as failed and ask each member, once, to
    send again; a row is claimed (still deferred, same attempt) before anything is sent."""
    async with ctx.sessions() as session:
        stale = await inbound_service.stale_deferred(
            session, before=now - DEFERRED_GRACE, after=now - DEFERRED_LOOKBACK
        )
    settled = told = 0
    for item in stale:
        in_window = now - item.received_at < APOLOGY_WINDOW
        async with unit_of_work(ctx.sessions) as session:
            claimed = await inbound_service.claim_stale(
                session,
                stale=item,
                now=now,
                error=ORPHAN_ERROR,
                late_reply=ORPHAN_APOLOGY if in_window else None,
            )
        if not claimed:
            continue  # its handler finished meanwhile, or another scheduler took it
        settled += 1
        if not in_window:
            continue
        try:
            await ctx.client.send_custom_text(item.openid, ORPHAN_APOLOGY)
            told += 1
        except WeChatError as exc:
            # Never resent: the console's message log shows the row as failed either way.
            log.warning("orphan apology not delivered", errcode=exc.errcode, inbound=item.id)
    if not settled:
        return None
    return f"{settled} 条中断的稍候回复标为失败，已请 {told} 位成员重新发送"
