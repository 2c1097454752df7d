"""A sender's presence: its worker row and, on PostgreSQL, an advisory lock held while it runs.

Reconcile treats a sender as dead once its lock is free (or its heartbeat is old on SQLite), so
the lock is taken again on a new connection after a database blip.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import unit_of_work
from app.services.broadcasts import workers as worker_service


class Presence:
    """Exist as worker `worker_id` for a run's length."""

    def __init__(
        self,
        engine: AsyncEngine,
        sessions: async_sessionmaker[AsyncSession],
        worker_id: str,
        clock: Callable[[], datetime],
    ) -> None:
        """Configure; nothing is touched until held()."""
        self.engine = engine
        self.sessions = sessions
        self.worker_id = worker_id
        self.clock = clock
        self._lock: AsyncConnection | None = None

    @contextlib.asynccontextmanager
    async def held(self) -> AsyncIterator[None]:
        """Register, lock, and on leaving mark the worker stopped and let the lock go."""
        async with unit_of_work(self.sessions) as session:
            await worker_service.register(session, worker_id=self.worker_id, now=self.clock())
        await self.relock()
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                async with unit_of_work(self.sessions) as session:
                    await worker_service.stopped(
                        session, worker_id=self.worker_id, now=self.clock()
                    )
            if self._lock is not None:
                with contextlib.suppress(Exception):
                    await self._lock.close()

    async def relock(self) -> None:
        """Hold this worker's advisory lock (PostgreSQL), on a new connection if the old died."""
        if self.engine.dialect.name != "postgresql":
            return
        if self._lock is not None:
            with contextlib.suppress(Exception):
                await self._lock.execute(text("SELECT 1"))
                await self._lock.commit()  # never leave it idle in a transaction
                return  # still holding it
            with contextlib.suppress(Exception):
                await self._lock.invalidate()
            self._lock = None
        with contextlib.suppress(Exception):  # the database may still be away: next time
            lock = await self.engine.connect()
            key = worker_service.lock_key(self.worker_id)
            await lock.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
            await lock.commit()  # the session-level lock outlives the transaction
            self._lock = lock
