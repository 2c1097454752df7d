"""Broadcast jobs: publish scheduled newsletters, then finish every due broadcast."""

from __future__ import annotations

from datetime import datetime

import structlog

from app.broadcasting import BroadcastSender, SendReport
from app.broadcasting.newsletters import PublishError, publish
from app.jobs.context import JobContext
from app.services import newsletters as newsletter_service

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


async def send_due_job(ctx: JobContext, now: datetime) -> str | None:
    """The job's form of send_due: what it sent, or None when nothing was due."""
    report = await send_due(ctx, now)
    if not report.broadcasts and not report.reconciled:
        return None
    return (
        f"推送 {len(report.broadcasts)} 条：已发送 {report.sent}，失败 {report.failed}，"
        f"无法送达 {report.unreachable}，结果待确认 {report.unknown}，待重试 {report.retrying}"
    )
