"""TokenManager and its stores: single flight, early refresh, compare-and-delete, leases."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta

import pytest

from app.wechat.tokens import LockTimeoutError, StoredToken, TokenManager, TokenStore
from tests.support.plugin import Clock
from tests.support.tokens import MemoryTokenStore

NAME = "access_token:wxtest"


class Fetcher:
    """A fake WeChat token endpoint: counts fetches and hands out T1, T2, …"""

    def __init__(self, ttl: int = 7200, delay: float = 0.01) -> None:
        self.calls = 0
        self.ttl = ttl
        self.delay = delay
        self.fail: Exception | None = None

    async def __call__(self) -> tuple[str, int]:
        self.calls += 1
        # Long enough for every concurrent caller to pile up behind the first.
        await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return f"T{self.calls}", self.ttl


async def test_twenty_callers_one_fetch(store: TokenStore, clock: Clock) -> None:
    fetch = Fetcher()
    manager = TokenManager(store, fetch, name=NAME, clock=clock)
    tokens = await asyncio.gather(*(manager.get() for _ in range(20)))
    assert set(tokens) == {"T1"}
    assert fetch.calls == 1
    stored = await store.read(NAME)
    assert stored is not None and stored.value == "T1"
    assert stored.expires_at == clock() + timedelta(seconds=7200)


async def test_refreshes_inside_the_margin_only(store: TokenStore, clock: Clock) -> None:
    fetch = Fetcher()
    manager = TokenManager(store, fetch, name=NAME, refresh_margin_seconds=300, clock=clock)
    assert await manager.get() == "T1"
    clock.advance(7200 - 301)
    assert await manager.get() == "T1"
    clock.advance(2)  # 299 s left: inside the margin
    tokens = await asyncio.gather(*(manager.get() for _ in range(20)))
    assert set(tokens) == {"T2"} and fetch.calls == 2


async def test_another_process_refresh_is_reused(
    store_factory: Callable[..., TokenStore], clock: Clock
) -> None:
    fetch = Fetcher()
    first = TokenManager(store_factory(), fetch, name=NAME, clock=clock)
    second = TokenManager(store_factory(), fetch, name=NAME, clock=clock)
    assert await first.get() == "T1"
    assert await second.get() == "T1"  # read from the shared store, not fetched
    clock.advance(7000)
    assert await first.get() == "T2"
    assert await second.get() == "T2"  # its own copy was stale; the store had the new one
    assert fetch.calls == 2


async def test_two_managers_at_expiry_fetch_once(
    store_factory: Callable[..., TokenStore], clock: Clock
) -> None:
    # Two managers with their own store objects stand in for two processes.
    fetch = Fetcher(delay=0.05)
    managers = [
        TokenManager(store_factory(poll_seconds=0.01), fetch, name=NAME, clock=clock)
        for _ in range(2)
    ]
    tokens = await asyncio.gather(*(m.get() for m in managers for _ in range(20)))
    assert set(tokens) == {"T1"} and fetch.calls == 1


async def test_stale_invalidate_keeps_the_fresh_token(
    store_factory: Callable[..., TokenStore], clock: Clock
) -> None:
    fetch = Fetcher()
    a = TokenManager(store_factory(), fetch, name=NAME, clock=clock)
    b = TokenManager(store_factory(), fetch, name=NAME, clock=clock)
    assert await a.get() == "T1" and await b.get() == "T1"
    # WeChat rejects T1: A throws it away and fetches T2 …
    assert await a.invalidate("T1") is True
    assert await a.get() == "T2"
    # … then B's late failure with T1 must not discard T2.
    assert await b.invalidate("T1") is False
    assert await b.get() == "T2"
    stored = await store_factory().read(NAME)
    assert stored is not None and stored.value == "T2"
    assert fetch.calls == 2


async def test_store_compare_and_delete(store: TokenStore, clock: Clock) -> None:
    await store.write(NAME, StoredToken("fresh", clock() + timedelta(hours=2)))
    assert await store.delete_if(NAME, "stale") is False
    assert (await store.read(NAME)) == StoredToken("fresh", clock() + timedelta(hours=2))
    assert await store.delete_if(NAME, "fresh") is True
    assert await store.read(NAME) is None


async def test_lock_excludes_other_holders(store_factory: Callable[..., TokenStore]) -> None:
    holder = store_factory()
    impatient = store_factory(wait_seconds=0.1, poll_seconds=0.01)
    async with holder.lock(NAME):
        with pytest.raises(LockTimeoutError):
            async with impatient.lock(NAME):
                pass
    async with impatient.lock(NAME):  # released: free again
        pass


async def test_lock_of_a_dead_holder_runs_out(store_factory: Callable[..., TokenStore]) -> None:
    # A holder that never releases (a crashed process): its lease expires after 0.2 s.
    crashed = store_factory(lease_seconds=0.2)
    waiter = store_factory(wait_seconds=5, poll_seconds=0.01)
    held = crashed.lock(NAME)
    await held.__aenter__()
    loop = asyncio.get_running_loop()
    started = loop.time()
    async with waiter.lock(NAME):
        waited = loop.time() - started
    assert 0.05 < waited < 2


async def test_refresh_failure_keeps_a_live_token(clock: Clock) -> None:
    fetch = Fetcher()
    manager = TokenManager(MemoryTokenStore(), fetch, name=NAME, clock=clock)
    assert await manager.get() == "T1"
    clock.advance(7000)  # inside the margin but not expired
    fetch.fail = RuntimeError("WeChat is down")
    assert await manager.get() == "T1"
    clock.advance(300)  # now expired: nothing to fall back on
    with pytest.raises(RuntimeError):
        await manager.get()


async def test_failed_fetch_is_shared_not_repeated(clock: Clock) -> None:
    fetch = Fetcher()
    fetch.fail = RuntimeError("WeChat is down")
    manager = TokenManager(MemoryTokenStore(), fetch, name=NAME, clock=clock)
    results = await asyncio.gather(*(manager.get() for _ in range(20)), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    assert fetch.calls == 1


async def test_short_lived_token_does_not_cause_a_fetch_storm(clock: Clock) -> None:
    fetch = Fetcher(ttl=120)  # shorter than the margin: WeChat had no newer token yet
    manager = TokenManager(MemoryTokenStore(), fetch, name=NAME, clock=clock)
    for _ in range(5):
        assert await manager.get() == "T1"
    assert fetch.calls == 1
    clock.advance(31)
    assert await manager.get() == "T2"
    assert fetch.calls == 2


async def test_cancelled_caller_leaves_the_fetch_running(clock: Clock) -> None:
    fetch = Fetcher(delay=0.05)
    manager = TokenManager(MemoryTokenStore(), fetch, name=NAME, clock=clock)
    impatient = asyncio.ensure_future(manager.get())
    patient = asyncio.ensure_future(manager.get())
    await asyncio.sleep(0.01)
    impatient.cancel()
    assert await patient == "T1"
    assert fetch.calls == 1
