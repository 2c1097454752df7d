"""An async token bucket: keeps this process under WeChat's call-rate limits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


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
        self._sleep = sleep
        self._tokens = float(self.burst)
        self._updated = clock()

    def _reserve(self) -> float:
        """Take a token, possibly borrowed from the future; return how long to wait for it."""
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._updated) * self.rate)
        self._updated = now
        self._tokens -= 1.0
        # A negative balance is a queue of reservations: the deficit says when ours comes due.
        return max(0.0, -self._tokens / self.rate)

    async def acquire(self) -> float:
        """Wait for this caller's turn; return the seconds waited."""
        wait = self._reserve()
        if wait <= 0:
            return 0.0
        try:
            await self._sleep(wait)
        except asyncio.CancelledError:
            # The slot was never used: hand it back so the rate is not understated.
            self._tokens = min(float(self.burst), self._tokens + 1.0)
            raise
        return wait
