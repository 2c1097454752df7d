"""Senders inside the web process: the console's 发送 starts one at once, instead of waiting
for the scheduler's next round. Safe with several instances: rows are claimed atomically."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.broadcasting.outcomes import SendReport
from app.broadcasting.sender import BroadcastSender
from app.config import Settings
from app.wechat.client import WeChatClient

log = structlog.get_logger(__name__)


class SenderPool:
    """At most one sender task per process; a kick while one runs makes it go round again."""

    def __init__(
        self,
        *,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        client: WeChatClient,
        settings: Settings,
        clock: Callable[[], datetime],
    ) -> None:
        """Keep what each sender needs."""
        self._engine, self._sessions, self._client = engine, sessions, client
        self._settings, self._clock = settings, clock
        self._task: asyncio.Task[None] | None = None
        self._current: BroadcastSender | None = None
        self._stopping = False
        self._again = False
        self.last_report: SendReport | None = None

    def sender(self) -> BroadcastSender:
        """A new sender on this process's database and client."""
        return BroadcastSender(
            engine=self._engine,
            sessions=self._sessions,
            client=self._client,
            settings=self._settings,
            clock=self._clock,
        )

    def kick(self) -> None:
        """Send whatever is due now, in the background."""
        if self._stopping:
            return  # shutting down: the next instance's sender (or the scheduler) takes it
        if self._task is not None and not self._task.done():
            self._again = True
            return
        self._task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        while True:
            self._again = False
            self._current = self.sender()
            try:
                self.last_report = await self._current.run()
            except Exception:
                # The scheduler's next round retries; one bad round must not kill the process.
                log.exception("in-process broadcast sender failed")
            if not self._again or self._stopping:
                return

    async def drain(self, seconds: float | None = None) -> None:
        """Wait for the running sender (tests, shutdown)."""
        task = self._task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=seconds)

    async def stop(self, seconds: float = 10.0) -> None:
        """Hand back what the running sender has not sent, let what it sent finish within
        `seconds`, then cancel it; rows stay reconcilable."""
        self._stopping = True
        if self._current is not None:
            self._current.stop()
        await self.drain(seconds)
        if self._task is not None and not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
