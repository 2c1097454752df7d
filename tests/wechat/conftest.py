"""Fixtures for the WeChat client tests: an in-process sandbox, token stores, client factory.

The sandbox account's credentials and the in-memory token store are in tests/support/tokens.py.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy import delete

from app.db import create_engine, session_factory
from app.dev.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from app.models import WeChatCredential, WeChatLease
from app.wechat.client import WeChatClient
from app.wechat.token_stores import DatabaseTokenStore, RedisTokenStore
from app.wechat.tokens import TokenStore
from tests.support.plugin import SCAN_BATCH, Backend, Clock
from tests.support.tokens import APP_ID, APP_SECRET, SANDBOX_URL, MemoryTokenStore


@pytest.fixture(params=["database", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    """Which token store: the database (both backends) or Redis (beside PostgreSQL only)."""
    return str(request.param)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Drop the Redis store on SQLite: that backend has no Redis, so the pair does not exist."""
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    here = Path(__file__).parent
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        pair = (params.get("backend"), params.get("kind"))
        mine = item.path.is_relative_to(here)
        (dropped if mine and pair == ("sqlite", "redis") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
def sandbox(clock: Clock) -> Iterator[FastAPI]:
    """The fake WeChat API on the test clock; `sandbox.state.sandbox` is its SandboxState."""
    config = SandboxConfig(
        app_id=APP_ID,
        app_secret=APP_SECRET,
        token="callbacktoken",
        encoding_aes_key=None,
        clock=lambda: clock().timestamp(),
    )
    app = create_sandbox_app(config)
    yield app
    app.state.sandbox.release_hangs()


@pytest.fixture
def state(sandbox: FastAPI) -> SandboxState:
    """The sandbox's memory: followers, tokens, faults, call counters."""
    result: SandboxState = sandbox.state.sandbox
    return result


@pytest.fixture
async def http(sandbox: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client wired to the in-process sandbox."""
    transport = httpx.ASGITransport(app=sandbox)
    async with httpx.AsyncClient(transport=transport, base_url=SANDBOX_URL) as client:
        yield client


@pytest.fixture
async def make_wx(
    http: httpx.AsyncClient, clock: Clock
) -> AsyncIterator[Callable[..., WeChatClient]]:
    """Build clients on the in-process sandbox; backoff 0 so retries cost no time."""
    clients: list[WeChatClient] = []

    def make(store: TokenStore | None = None, **overrides: Any) -> WeChatClient:
        options: dict[str, Any] = {
            "base_url": SANDBOX_URL,
            "oauth_base_url": SANDBOX_URL,
            "app_id": APP_ID,
            "app_secret": APP_SECRET,
            "token_store": store if store is not None else MemoryTokenStore(),
            "http": http,
            "backoff_base": 0.0,
            "clock": clock,
        }
        options.update(overrides)
        client = WeChatClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def wx(make_wx: Callable[..., WeChatClient]) -> WeChatClient:
    """A client with an in-memory token store."""
    return make_wx()


@pytest.fixture
async def store_factory(backend: Backend, kind: str) -> AsyncIterator[Callable[..., TokenStore]]:
    """Make stores of one kind on one backend (each like another process's); clean up after."""
    engine = create_engine(backend.database_url)
    sessions = session_factory(engine)
    prefix = f"{backend.redis_prefix}{uuid.uuid4().hex[:8]}:"
    redis = Redis.from_url(backend.redis_url) if kind == "redis" and backend.redis_url else None

    def make(**options: Any) -> TokenStore:
        if kind == "redis":
            assert redis is not None
            return RedisTokenStore(redis, prefix, **options)
        return DatabaseTokenStore(sessions, **options)

    yield make
    if redis is not None:
        keys = [key async for key in redis.scan_iter(match=f"{prefix}*", count=SCAN_BATCH)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()
    async with engine.begin() as conn:
        await conn.execute(delete(WeChatCredential))
        await conn.execute(delete(WeChatLease))
    await engine.dispose()


@pytest.fixture
def store(store_factory: Callable[..., TokenStore]) -> TokenStore:
    """One store of the case's kind on the case's backend."""
    return store_factory()
