"""An async token bucket: keeps this process under WeChat's call-rate limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol


class LimiterClosed(Exception):
    """The limiter was closed (the process is stopping) before this call's turn: it was never
    made, so whatever it was for can be handed to another process."""


class Gate:
    """Waits that `close()` ends at once with LimiterClosed (a SIGTERM hands unsent work back)."""

    def __init__(self) -> None:
        self.closed = False
        self._sleepers: set[asyncio.Task[Any]] = set()
        self._woken: set[asyncio.Task[Any]] = set()

    def check(self) -> None:
        """Raise LimiterClosed once closed."""
        if self.closed:
            raise LimiterClosed

    async def sleep(self, seconds: float, sleep: Callable[[float], Awaitable[None]]) -> None:
        """Sleep `seconds`, unless the gate closes first (then LimiterClosed)."""
        self.check()
        task = asyncio.current_task()
        assert task is not None
        self._sleepers.add(task)
        try:
            await sleep(seconds)
        except asyncio.CancelledError:
            if task not in self._woken:
                raise
            # Our own cancellation from close(), not the caller's: say "never made" instead.
            self._woken.discard(task)
            task.uncancel()
            raise LimiterClosed from None
        finally:
            self._sleepers.discard(task)

    def close(self) -> None:
        """Refuse every later wait and end the current ones."""
        self.closed = True
        for task in self._sleepers:
            self._woken.add(task)
            task.cancel()


class RateLimiter:
    """At most `rate` calls a second on average, with bursts of up to `burst` calls.

    Each caller reserves its slot the moment it arrives (no await happens before the
    reservation), so callers are served strictly in arrival order and none can starve.
    """

    def __init__(
        self,
        rate: float,
        burst: int | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """Start with a full bucket of `burst` tokens (default: one second's worth)."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1, burst if burst is not None else int(rate))
        self._clock = clock
        self.sleep = sleep
        self._tokens = float(self.burst)
        self._updated = clock()
        self.gate = Gate()

    @property
    def shared(self) -> bool:
        """False: this bucket counts for this process only."""
        return False

    @property
    def closed(self) -> bool:
        """True once close() was called: the process is stopping."""
        return self.gate.closed

    def close(self) -> None:
        """Stop handing out turns: waiting and later callers get LimiterClosed."""
        self.gate.close()

    def _reserve(self) -> float:
        """Take a token, possibly borrowed from the future; return how long to wait for it."""
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1.0
        # A negative balance is a queue of reservations: the deficit says when ours comes due.
        return max(0.0, -self._tokens / self.rate)

    async def acquire(self) -> float:
        """Wait for this caller's turn; return the seconds waited (LimiterClosed once closed)."""
        self.gate.check()
        wait = self._reserve()
        if wait <= 0:
            return 0.0
        try:
            await self.gate.sleep(wait, self.sleep)
        except (asyncio.CancelledError, LimiterClosed):
            # The slot was never used: hand it back so the rate is not understated.
            self._tokens = min(float(self.burst), self._tokens + 1.0)
            raise
        return wait


class Limiter(Protocol):
    """What the client needs of a limiter: this process's bucket or the deployment's."""

    @property
    def shared(self) -> bool:
        """True while the rate is counted for every process of the deployment."""
        ...

    @property
    def closed(self) -> bool:
        """True once close() was called: the process is stopping."""
        ...

    async def acquire(self) -> float:
        """Wait for this caller's turn; return the seconds waited."""
        ...

    def close(self) -> None:
        """Refuse later turns with LimiterClosed (shutdown)."""
        ...
