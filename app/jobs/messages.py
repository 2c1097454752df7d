"""The message log's upkeep: deferred replies whose process died are settled, once."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from app.db import unit_of_work
from app.jobs.context import JobContext
from app.jobs.registry import job
from app.services.messages import inbound as inbound_service
from app.wechat.errors import WeChatError

log = structlog.get_logger(__name__)

# A deferred handler normally finishes within seconds (shutdown waits for it, bounded by the
# reply budget): one still deferred after this lost its process. Its handler is not re-run
# (a handler's effects are not all keyed); the member is told, once, to send it again.
DEFERRED_GRACE = timedelta(minutes=10)
DEFERRED_LOOKBACK = timedelta(days=7)
# Customer-service messages reach a member up to 48 h after their message; keep a margin.
APOLOGY_WINDOW = timedelta(hours=47)
ORPHAN_APOLOGY = "抱歉，您之前发送的消息因系统重启未能处理完成，请重新发送一次。"
ORPHAN_ERROR = "处理进程中断（重启或崩溃），未完成；已请成员重新发送"


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
