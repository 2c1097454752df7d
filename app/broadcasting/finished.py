"""The send tasks of a broadcast sender that ended since its pump last looked."""

from __future__ import annotations

import asyncio
import contextlib

from app.services.broadcasts.rows import Outcome


class Finished:
    """The send tasks that ended since the pump last looked.

    Each task reports itself once (a done callback): waiting with asyncio.wait on all ~50 in
    flight would add and remove a callback on every one of them at each wake-up.
    """

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[Outcome]] = []
        self._wake = asyncio.Event()

    def watch(self, task: asyncio.Task[Outcome]) -> None:
        """Report `task` when it ends."""
        task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[Outcome]) -> None:
        self._tasks.append(task)
        self._wake.set()

    async def wait(self, seconds: float) -> list[asyncio.Task[Outcome]]:
        """The tasks that ended, waiting up to `seconds` for the first if none has yet."""
        if not self._tasks:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(seconds):
                    await self._wake.wait()
        self._wake.clear()
        ended, self._tasks = self._tasks, []
        return ended
