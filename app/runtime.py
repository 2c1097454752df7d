"""An outbound client for one-off commands (`shente menu sync`), outside the web process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.db import create_engine, session_factory
from app.wechat.client import WeChatClient
from app.wechat.setup import create_client, token_store


@dataclass(frozen=True)
class Runtime:
    """What a command needs: the database and a WeChat client sharing the deployment's token."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    client: WeChatClient


@asynccontextmanager
async def command_runtime(
    settings: Settings, *, rate_per_second: float | None = None, max_connections: int | None = None
) -> AsyncIterator[Runtime]:
    """Database and client for a command; in dev the client talks to the running sandbox."""
    engine = create_engine(settings.database_url)
    sessions = session_factory(engine)
    # Bounded like the web process's: a Redis that hangs must not stall a sender's every call.
    redis = (
        Redis.from_url(settings.redis_url, socket_timeout=1, socket_connect_timeout=1)
        if settings.redis_url
        else None
    )
    store = token_store(settings=settings, redis=redis, sessions=sessions)
    # In dev the sandbox lives inside the server (`make run`): reach it over HTTP.
    base_url = settings.wechat_api_base_url or settings.public_base_url.rstrip("/") + "/sandbox"
    client = create_client(
        settings=settings,
        store=store,
        base_url=base_url,
        rate_per_second=rate_per_second,
        max_connections=max_connections,
        redis=redis,
    )
    try:
        yield Runtime(engine, sessions, client)
    finally:
        await client.aclose()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()


def sender_runtime(settings: Settings) -> AbstractAsyncContextManager[Runtime]:
    """The runtime of a broadcast sender: its own call rate and connection pools."""
    return command_runtime(
        settings,
        rate_per_second=settings.broadcast_rate_per_second,
        max_connections=settings.broadcast_concurrency,
    )


@asynccontextmanager
async def outbound_client(settings: Settings) -> AsyncIterator[WeChatClient]:
    """A client sharing the deployment's token store (`shente menu sync`)."""
    async with command_runtime(settings) as runtime:
        yield runtime.client
