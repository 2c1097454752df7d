"""Build the outbound WeChat client for this deployment (WeChat itself, or the dev sandbox)."""

from __future__ import annotations

import functools

import httpx
import structlog
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.config import Settings
from app.metrics import NO_OUTBOUND_METRICS, OutboundSink
from app.wechat.client import WeChatClient
from app.wechat.http11 import Http11Transport
from app.wechat.ratelimit import Limiter, RateLimiter
from app.wechat.shared_limits import SharedRateLimiter
from app.wechat.token_stores import DatabaseTokenStore, RedisTokenStore
from app.wechat.tokens import TokenStore

log = structlog.get_logger(__name__)


def token_store(
    *, settings: Settings, redis: Redis | None, sessions: async_sessionmaker[AsyncSession]
) -> TokenStore:
    """Redis when configured (fast, shared), else the database (shared, slower)."""
    if redis is not None:
        return RedisTokenStore(redis, settings.redis_key_prefix)
    return DatabaseTokenStore(sessions)


@functools.cache
def _warn_per_process_limits() -> None:
    """Say once per process that the call rates are not shared (no REDIS_URL)."""
    log.warning("wechat_limits_per_process", reason="REDIS_URL not set")


def limiter(
    *, settings: Settings, redis: Redis | None, name: str, rate_per_second: float
) -> Limiter:
    """The deployment's limiter for one rate (`name`: "api", "broadcast") when Redis is
    configured, else this process's own bucket (with a warning: N processes, N times the rate)."""
    if redis is None:
        _warn_per_process_limits()
        return RateLimiter(rate_per_second)
    key = f"{settings.redis_key_prefix}ratelimit:{settings.wechat_app_id}:{name}"
    return SharedRateLimiter(redis, key=key, rate=rate_per_second)


def create_client(
    *,
    settings: Settings,
    store: TokenStore,
    sandbox: httpx.AsyncBaseTransport | None = None,
    base_url: str | None = None,
    rate_per_second: float | None = None,
    max_connections: int | None = None,
    metrics: OutboundSink = NO_OUTBOUND_METRICS,
    redis: Redis | None = None,
) -> WeChatClient:
    """The client; with `sandbox`, calls go in-process to the fake WeChat; `base_url` overrides.

    `rate_per_second` replaces the interactive call rate (broadcast senders have their own);
    `max_connections` gives a sender that many pooled connections (on Http11Transport);
    `metrics` counts the client's calls (the web app's /metrics). With `redis` the rate is
    counted for the whole deployment.
    """
    rate = rate_per_second or settings.wechat_api_rate_per_second
    name = "api" if rate_per_second is None else "broadcast"
    if sandbox is not None:
        # OAuth pages are opened by the member's browser, so they need a real URL.
        base_url, oauth_base_url = (
            "http://sandbox",
            settings.public_base_url.rstrip("/") + "/sandbox",
        )
        http: httpx.AsyncClient | None = httpx.AsyncClient(transport=sandbox, base_url=base_url)
    else:
        base_url = base_url or settings.wechat_api_base_url or "https://api.weixin.qq.com"
        oauth_base_url = settings.wechat_oauth_base_url
        http = (
            httpx.AsyncClient(transport=Http11Transport(max_connections))
            if max_connections
            else None
        )
    return WeChatClient(
        app_id=settings.wechat_app_id,
        app_secret=settings.wechat_app_secret.get_secret_value(),
        token_store=store,
        base_url=base_url,
        oauth_base_url=oauth_base_url,
        http=http,
        owns_http=True,
        timeout=settings.wechat_api_timeout_seconds,
        max_retries=settings.wechat_api_max_retries,
        limiter=limiter(settings=settings, redis=redis, name=name, rate_per_second=rate),
        metrics=metrics,
    )
