"""WeChat's call rates counted in Redis, for every process of the deployment at once.

WeChat's limits are per account, not per process: with several app instances and senders, a
per-process bucket lets each of them spend the whole rate. Here slots are reserved in Redis with
one atomic script (GCRA: the key holds the "theoretical arrival time" of the next call), a few at
a time per round trip, so N processes together stay within the rate. When Redis is absent or
fails, each process falls back to its own bucket — the service keeps working, the rate is then
per process — and says so once in the log (and on /readyz) instead of failing calls.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.wechat.ratelimit import RateLimiter

log = structlog.get_logger(__name__)

# Reserve the next ARGV[3] slots, one interval apart: returns the microseconds until the first
# (0: go now). Redis's own clock is the one every process shares; times are integer
# microseconds (exact in a double).
_GCRA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local next_tat = tat + interval * tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%d', next_tat), 'PX',
    math.floor((next_tat - now) / 1000) + 1000)
local wait = tat + interval - tolerance - now
if wait < 0 then return 0 end
return wait
"""

# A round trip reserves a tenth of a second's slots (at least one) for this process: a script
# call costs ~0.3 ms of CPU, too much for every message of a broadcast. A slot left unused
# for a second is dropped (never used late in a burst), which only errs on the slow side.
BATCH_SECONDS = 0.1
STALE_SLOT_SECONDS = 1.0
# After a Redis failure, calls use the local bucket for this long before Redis is tried again,
# so an outage costs one failed round trip every few seconds, not one per call.
RETRY_SECONDS = 5.0


class SharedRateLimiter:
    """At most `rate` calls a second across every process using `key`, bursts of `burst`."""

    def __init__(
        self,
        redis: Redis,
        *,
        key: str,
        rate: float,
        burst: int | None = None,
        retry_seconds: float = RETRY_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Count in Redis under `key`; `rate` and `burst` mean what they mean for RateLimiter."""
        self.local = RateLimiter(rate, burst)
        self.key = key
        self._script = redis.register_script(_GCRA)
        interval_us = max(1, round(1_000_000 / rate))
        self._interval = interval_us / 1_000_000
        self._batch = max(1, min(self.local.burst, int(rate * BATCH_SECONDS)))
        self._args = [interval_us, interval_us * self.local.burst, self._batch]
        self._slots: deque[float] = deque()  # reserved turns of this process (monotonic time)
        self._retry_seconds = retry_seconds
        self._clock = clock
        self._down_until: float | None = None  # None: counting in Redis
        self._refilling = asyncio.Lock()

    @property
    def shared(self) -> bool:
        """True while the rate is counted in Redis (False: this process's bucket, for now)."""
        return self._down_until is None

    @property
    def closed(self) -> bool:
        """True once close() was called: the process is stopping."""
        return self.local.closed

    def close(self) -> None:
        """Refuse later turns with LimiterClosed (the process is stopping)."""
        self.local.close()

    async def acquire(self) -> float:
        """Wait for this caller's turn in the deployment; return the seconds waited."""
        self.local.gate.check()
        # One caller refills at a time: callers arriving together with no slot left each
        # reserved a batch of their own, and the turns went in the order Redis answered, not
        # in time (120 callers booked 12 s of turns where 1.1 s was needed). Whether Redis is
        # down is read inside: callers that waited behind a failed refill do not try again.
        async with self._refilling:
            now = self._clock()
            if self._down_until is not None and now < self._down_until:
                slot = None
            else:
                while self._slots and self._slots[0] < now - STALE_SLOT_SECONDS:
                    self._slots.popleft()
                slot = self._slots.popleft() if self._slots or await self._refill() else None
        if slot is None:
            return await self.local.acquire()
        wait = slot - self._clock()
        if wait <= 0:
            return 0.0
        await self.local.gate.sleep(wait, self.local.sleep)
        return wait

    async def _refill(self) -> bool:
        """Reserve the next batch of turns in Redis; False when Redis failed (use the bucket)."""
        try:
            wait_us = int(await self._script(keys=[self.key], args=self._args))
        except (RedisError, OSError) as exc:
            self._fell_back(exc)
            return False
        if self._down_until is not None:
            self._down_until = None
            log.info("wechat_limits_shared_again", key=self.key)
        first = self._clock() + wait_us / 1_000_000
        self._slots.extend(first + i * self._interval for i in range(self._batch))
        return True

    def _fell_back(self, exc: Exception) -> None:
        """Use the local bucket for a while; warn once per outage, not once per call."""
        if self._down_until is None:
            log.warning(
                "wechat_limits_per_process",
                reason="redis unavailable",
                error=type(exc).__name__,
                key=self.key,
            )
        self._down_until = self._clock() + self._retry_seconds
