"""De-duplication keys for WeChat's retries, and the Redis fast path for replaying answers."""

from __future__ import annotations

import hashlib
from typing import Any, Protocol

from redis.asyncio import Redis

_MAX_KEY = 255
# Long enough to cover WeChat's three deliveries (about 15 s apart) many times over.
RESPONSE_TTL_SECONDS = 600


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def dedup_key(fields: dict[str, Any]) -> str:
    """Messages by MsgId (+ sender and time, as WxJava learned); events by sender, time and kind."""
    sender, created = _text(fields.get("FromUserName")), _text(fields.get("CreateTime"))
    msg_id = fields.get("MsgId")
    if msg_id:
        key = f"msg:{_text(msg_id)}:{sender}:{created}"
    else:
        # LOCATION events arrive every 5 s and can share a CreateTime with a click: add the kind.
        key = f"evt:{sender}:{created}:{_text(fields.get('Event'))}:{_text(fields.get('EventKey'))}"
        # Job receipts (TEMPLATESENDJOBFINISH, MASSSENDJOBFINISH) spell it MsgID: two of them in
        # one second for one member are two receipts, not a retry.
        if job_id := fields.get("MsgID"):
            key += f":{_text(job_id)}"
    if len(key) > _MAX_KEY:
        key = "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key


class ResponseCache(Protocol):
    """Where a finished answer is kept so a retry can be answered without the database."""

    async def get(self, key: str) -> str | None:
        """The answer already sent for this key, if known."""
        ...

    async def put(self, key: str, body: str) -> None:
        """Remember the answer sent for this key."""
        ...


class NoResponseCache:
    """Without Redis the database's unique key does the whole job."""

    async def get(self, key: str) -> str | None:
        """Never a hit."""
        return None

    async def put(self, key: str, body: str) -> None:
        """Nothing to remember."""


class RedisResponseCache:
    """Answers kept in Redis for a few minutes, shared by every process."""

    def __init__(self, redis: Redis, *, prefix: str = "shente:") -> None:
        self._redis = redis
        self._prefix = f"{prefix}reply:"

    async def get(self, key: str) -> str | None:
        """The cached answer; a Redis failure is a miss, never an error for the member."""
        try:
            value = await self._redis.get(self._prefix + key)
        except Exception:
            return None
        return value.decode() if isinstance(value, bytes) else value

    async def put(self, key: str, body: str) -> None:
        """Cache the answer; failures are ignored for the same reason."""
        try:
            await self._redis.set(self._prefix + key, body, ex=RESPONSE_TTL_SECONDS)
        except Exception:  # noqa: S110
            pass
