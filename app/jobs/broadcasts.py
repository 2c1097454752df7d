"""Broadcast jobs: publish scheduled newsletters, then finish every due broadcast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.broadcasting import BroadcastSender, SendReport
from app.broadcasting.newsletters import PublishError, publish
from app.config import Settings
from app.models.types import utcnow
from app.services import newsletters as newsletter_service
from app.wechat.client import WeChatClient

log = structlog.get_logger(__name__)

# Every 30 s: a scheduled issue goes out within half a minute; a paused broadcast resumes so.
SEND_DUE_ID = "broadcasts.send_due"
SEND_DUE_SECONDS = 30


@dataclass(frozen=True)
class JobContext:
    """What the scheduler's jobs share: the database and the broadcast client."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: WeChatClient
    settings: Settings


async def send_due(ctx: JobContext, now: datetime | None = None) -> SendReport:
    """Publish newsletters whose time came, then send (and resume) every due broadcast."""
    moment = now or utcnow()
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
