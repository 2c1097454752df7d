"""What every scheduled job gets: the database, the broadcast client, settings and the clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import unit_of_work
from app.models.types import utcnow
from app.wechat.client import WeChatClient


def _nothing() -> None:
    return None


@dataclass(frozen=True)
class JobContext:
    """Shared by the jobs of one scheduler (tests pass their own clock)."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: WeChatClient
    settings: Settings
    clock: Callable[[], datetime] = utcnow
    # Called when a job created a broadcast, so sending starts now rather than at the next tick.
    wake_sender: Callable[[], None] = field(default=_nothing)


class BroadcastReport(Protocol):
    """What a job's service returns: the broadcasts it created, and a line for the run record."""

    @property
    def created(self) -> Sequence[Any]: ...

    def describe(self) -> str | None: ...


async def enqueue(
    ctx: JobContext, now: datetime, make: Callable[..., Awaitable[BroadcastReport]]
) -> str | None:
    """Create the broadcasts due now in one unit of work; what was created is sent at once."""
    async with unit_of_work(ctx.sessions) as session:
        report = await make(session, settings=ctx.settings, now=now)
    if report.created:
        ctx.wake_sender()
    return report.describe()
