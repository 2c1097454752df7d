"""Broadcast jobs: publish scheduled newsletters, then finish every due broadcast."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from app.broadcasting import BroadcastSender, SendReport
from app.jobs.context import JobContext, enqueue
from app.jobs.registry import job
from app.services.broadcasts import digest
from app.services.newsletters import issues as newsletter_service
from app.services.newsletters.publishing import PublishError, publish

log = structlog.get_logger(__name__)


async def send_due(ctx: JobContext, now: datetime | None = None) -> SendReport:
    """Publish newsletters whose time came, then send (and resume) every due broadcast."""
    moment = now or ctx.clock()
    async with ctx.sessions() as session:
        issue_ids = await newsletter_service.due_scheduled(session, now=moment)
    for issue_id in issue_ids:
        try:
            await publish(
                sessions=ctx.sessions,
                client=ctx.client,
                settings=ctx.settings,
                issue_id=issue_id,
                actor="scheduler",
                now=moment,
            )
        except PublishError as exc:
            log.warning("scheduled newsletter not published", issue=issue_id, reason=str(exc))
    sender = BroadcastSender(
        engine=ctx.engine, sessions=ctx.sessions, client=ctx.client, settings=ctx.settings
    )
    return await sender.run()


@job("broadcasts.send_due", "发送到期推送（含定时刊物）", timedelta(seconds=30))
async def send_due_job(ctx: JobContext, now: datetime) -> str | None:
    """The job's form of send_due: what it sent, or None when nothing was due."""
    report = await send_due(ctx, now)
    if not report.broadcasts and not report.reconciled:
        return None
    return (
        f"推送 {len(report.broadcasts)} 条：已发送 {report.sent}，失败 {report.failed}，"
        f"无法送达 {report.unreachable}，结果待确认 {report.unknown}，待重试 {report.retrying}"
    )


@job("broadcasts.digest", "每周通知汇总（超出每月推送上限的通知）", timedelta(hours=1))
async def digest_job(ctx: JobContext, now: datetime) -> str | None:
    """Mondays from 09:00 (China): one push per member listing the notices merged over budget."""
    return await enqueue(ctx, now, digest.send_digests)
