"""What every scheduled job gets: the database, the broadcast client, settings and the clock."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
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
