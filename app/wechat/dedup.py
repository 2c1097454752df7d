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

    async def claim(self, key: str) -> tuple[str | None, bool]:
        """The answer already sent (if known), and True when this key was never seen before,
        so the database need not be asked whether it was answered (False: do ask it)."""
        ...

    async def put(self, key: str, body: str) -> None:
        """Remember the answer sent for this key."""
        ...


class NoResponseCache:
    """Without Redis the database's unique key does the whole job."""

    async def claim(self, key: str) -> tuple[str | None, bool]:
        """Nothing known: the database decides."""
        return None, False

    async def put(self, key: str, body: str) -> None:
        """Nothing to remember."""


class RedisResponseCache:
    """Answers kept in Redis for a few minutes, shared by every process.

    One key per delivery: empty once seen, the answer once there is one. (A new name, not the
    `reply:`/`seen:` pair of before: during a rolling restart old and new processes do not read
    each other's marks, and the database's unique key still answers every retry.)
    """

    def __init__(self, redis: Redis, *, prefix: str = "shente:") -> None:
        self._redis = redis
        self._prefix = f"{prefix}answer:"

    async def claim(self, key: str) -> tuple[str | None, bool]:
        """One command, SET NX GET: mark the key seen and read any cached answer.

        A first sighting lets the caller skip the database's look-up; should Redis have lost
        the mark (restarted, flushed), the handler runs again and the database's unique key
        still answers the retry with the stored reply and rolls the second attempt back. A Redis
        failure is a miss that the database decides, never an error for the member.

        Sent on a pooled connection directly: redis-py's client layers (retries, option
        parsing, its command wrappers) cost 200 µs of CPU a command here against 115 µs, and
        the database stands behind a failure anyway.
        """
        pool = self._redis.connection_pool
        try:
            connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        except Exception:
            return None, False
        try:
            await connection.send_command(
                "SET", self._prefix + key, b"", "NX", "GET", "EX", RESPONSE_TTL_SECONDS
            )
            value = await connection.read_response()
        except BaseException as exc:
            # An answer half read must never be taken for the next command's.
            await connection.disconnect(nowait=True)
            if not isinstance(exc, Exception):
                raise
            return None, False
        finally:
            await pool.release(connection)
        if value is None:
            return None, True  # never seen: we just marked it
        answer = value.decode() if isinstance(value, bytes) else str(value)
        return answer or None, False  # empty: seen, not answered yet

    async def put(self, key: str, body: str) -> None:
        """Cache the answer (never empty: at least "success"); failures are ignored too."""
        try:
            await self._redis.set(self._prefix + key, body, ex=RESPONSE_TTL_SECONDS)
        except Exception:  # noqa: S110
            pass


# --- One body per signed query (compatible and plain mode) -----------------------------------
#
# In plain and compatible mode the plaintext body is covered by no signature: the URL signature
# covers only (token, timestamp, nonce). Without this, any body could be replayed under one
# signed query for as long as its timestamp is in the window. WeChat's own retries resend the
# same query with the same body, so a query seen again with the *same* body passes (the dedup
# store answers it); with another body it is refused.

_MAX_REMEMBERED = 100_000


def query_key(timestamp: str, nonce: str, signature: str) -> str:
    """The identity of one signed callback query."""
    return hashlib.sha256(f"{timestamp}\n{nonce}\n{signature}".encode()).hexdigest()


def body_fingerprint(body: bytes) -> str:
    """What the body of a signed query is remembered by."""
    return hashlib.sha256(body).hexdigest()


class SignedQueries:
    """Remembers which body each signed query came with, for the timestamp window.

    With Redis the memory is shared by every process (SET NX with an expiry); without it, or
    while Redis fails, an in-process TTL map does the job for this process.
    """

    def __init__(self, redis: Redis | None = None, *, prefix: str = "shente:") -> None:
        self._redis = redis
        self._prefix = f"{prefix}query:"
        self._local: dict[str, tuple[str, float]] = {}

    async def same_body(self, key: str, fingerprint: str, *, now: float, ttl: int) -> bool:
        """Remember the body of a first query; True when it is first or the same body again."""
        if self._redis is not None:
            try:
                redis_key = self._prefix + key
                if await self._redis.set(redis_key, fingerprint, nx=True, ex=ttl):
                    return True
                seen = await self._redis.get(redis_key)
                if seen is not None:
                    text = seen.decode() if isinstance(seen, bytes) else str(seen)
                    return bool(text == fingerprint)
            except Exception:  # noqa: S110 - Redis down: this process's memory still guards
                pass
        return self._local_same_body(key, fingerprint, now=now, ttl=ttl)

    def _local_same_body(self, key: str, fingerprint: str, *, now: float, ttl: int) -> bool:
        seen = self._local.get(key)
        if seen is not None and seen[1] > now:
            return seen[0] == fingerprint
        if len(self._local) >= _MAX_REMEMBERED:
            self._local = {k: v for k, v in self._local.items() if v[1] > now}
            while len(self._local) >= _MAX_REMEMBERED:  # all still live: forget the oldest
                self._local.pop(next(iter(self._local)))
        self._local[key] = (fingerprint, now + ttl)
        return True
