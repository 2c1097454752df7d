"""An outbound client for one-off commands (`shente menu sync`), outside the web process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from app.config import Settings
from app.db import create_engine, session_factory
from app.wechat.client import WeChatClient
from app.wechat.setup import create_client, token_store


@asynccontextmanager
async def outbound_client(settings: Settings) -> AsyncIterator[WeChatClient]:
    """A client sharing the deployment's token store; in dev it talks to the running sandbox."""
    engine = create_engine(settings.database_url)
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    store = token_store(settings=settings, redis=redis, sessions=session_factory(engine))
    # In dev the sandbox lives inside the server (`make run`): reach it over HTTP.
    base_url = settings.wechat_api_base_url or settings.public_base_url.rstrip("/") + "/sandbox"
    client = create_client(settings=settings, store=store, base_url=base_url)
    try:
        yield client
    finally:
        await client.aclose()
        if redis is not None:
            await redis.aclose()
        await engine.dispose()
