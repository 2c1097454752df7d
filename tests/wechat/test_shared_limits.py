"""WeChat's call rates counted in Redis for every process, and the per-process fallback."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from redis.asyncio import Redis
from structlog.testing import capture_logs

from app.wechat.ratelimit import LimiterClosed
from app.wechat.shared_limits import SharedRateLimiter
from tests.support.plugin import Backend
from tests.support.ports import free_port

RATE, BURST, CALLS = 100.0, 10, 60


@contextlib.contextmanager
def private_redis() -> Iterator[int]:
    """A Redis of this test's own (the shared one on 6379 must never be stopped)."""
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    with tempfile.TemporaryDirectory() as directory:
        proc = subprocess.Popen(
            ["redis-server", "--port", str(port), "--save", "", "--dir", directory],
            stdout=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port)):
                    break
                time.sleep(0.02)
            yield port
        finally:
            proc.terminate()
            proc.wait(5)


@contextlib.asynccontextmanager
async def connection(url: str) -> AsyncIterator[Redis]:
    redis = Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        yield redis
    finally:
        await redis.aclose()


async def _times(limiter: SharedRateLimiter, calls: int) -> list[float]:
    """When each of `calls` concurrent callers was given its turn (as scheduled: a loaded
    machine wakes sleepers late, in bunches, which says nothing about the limiter)."""

    async def one() -> float:
        asked = time.monotonic()
        return asked + await limiter.acquire()

    return list(await asyncio.gather(*(one() for _ in range(calls))))


async def test_two_processes_share_one_rate(backend: Backend) -> None:
    if backend.redis_url is None:
        pytest.skip("needs Redis")
    key = f"{backend.redis_prefix}ratelimit:{uuid.uuid4().hex}:api"
    # Two connections and two limiters: what two app instances hold.
    async with connection(backend.redis_url) as a, connection(backend.redis_url) as b:
        first = SharedRateLimiter(a, key=key, rate=RATE, burst=BURST)
        second = SharedRateLimiter(b, key=key, rate=RATE, burst=BURST)
        seconds, micros = await a.time()
        started = time.monotonic()
        times = sorted(
            [
                t
                for batch in await asyncio.gather(_times(first, CALLS), _times(second, CALLS))
                for t in batch
            ]
        )
        # Every call of both was counted on the one key: its schedule ends 120 slots on.
        booked = (int(await a.get(key) or 0) - (seconds * 1_000_000 + micros)) / 1_000_000
        await a.delete(key)
    assert first.shared and second.shared
    assert booked >= 2 * CALLS / RATE - 0.01, booked
    # Together 120 calls: a burst of 10, then 100 a second, so the last turn comes after
    # 1.1 s. Each counting alone would have let both through in 0.5 s; each caller reserving a
    # batch of its own (one refill at a time no longer) put the last turn 3.4–6.6 s on.
    assert 1.0 <= times[-1] - started < 2.0, times[-1] - started


async def test_redis_stopped_falls_back_to_this_process_warning_once() -> None:
    with private_redis() as port:
        async with connection(f"redis://127.0.0.1:{port}/0") as redis:
            limiter = SharedRateLimiter(
                redis, key="t:ratelimit", rate=RATE, burst=BURST, retry_seconds=0.2
            )
            await limiter.acquire()
            assert limiter.shared
            subprocess.run(
                ["redis-cli", "-p", str(port), "shutdown", "nosave"],
                check=False,
                capture_output=True,
            )
            refills = 0
            script = limiter._script

            async def counted(**kwargs: Any) -> Any:
                nonlocal refills
                refills += 1
                return await script(**kwargs)

            limiter._script = counted  # type: ignore[assignment]
            with capture_logs() as logs:
                started = time.monotonic()
                await _times(limiter, 30)
                # One refill failed; the callers queued behind it used the bucket at once.
                assert refills == 1, refills
                # The per-process bucket still paces: 30 calls, a burst of 10, then 100 a second
                # (0.2 s), less the tenth of a second's turns booked in Redis before it went.
                assert 0.08 <= time.monotonic() - started < 2.0
                assert not limiter.shared
                await asyncio.sleep(0.3)
                await limiter.acquire()  # Redis is tried again, fails again: no second warning
            warnings = [e for e in logs if e["event"] == "wechat_limits_per_process"]
            assert len(warnings) == 1, logs
            assert warnings[0]["log_level"] == "warning"
    # A limiter closed for shutdown refuses turns: the caller knows the call was never made.
    limiter.close()
    with pytest.raises(LimiterClosed):
        await limiter.acquire()


async def test_a_closed_limiter_wakes_its_waiters(backend: Backend) -> None:
    if backend.redis_url is None:
        pytest.skip("needs Redis")
    key = f"{backend.redis_prefix}ratelimit:{uuid.uuid4().hex}:broadcast"
    async with connection(backend.redis_url) as redis:
        limiter = SharedRateLimiter(redis, key=key, rate=10, burst=1)
        await limiter.acquire()
        waiting = asyncio.create_task(limiter.acquire())  # its turn is 0.1 s away
        await asyncio.sleep(0.02)
        limiter.close()
        with pytest.raises(LimiterClosed):
            await asyncio.wait_for(waiting, 0.05)
        await redis.delete(key)
