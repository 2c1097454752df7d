"""Where processes share WeChat credentials: Redis when configured, else the database."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import LockError
from sqlalchemy import Executable, Table, and_, delete, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import unit_of_work
from app.models import WeChatCredential, WeChatLease
from app.models.types import utcnow
from app.wechat.tokens import (
    LEASE_SECONDS,
    POLL_SECONDS,
    WAIT_SECONDS,
    LockTimeoutError,
    StoredToken,
)

log = structlog.get_logger("app.wechat.tokens")

_credentials: Table = WeChatCredential.__table__  # type: ignore[attr-defined]
_leases: Table = WeChatLease.__table__  # type: ignore[attr-defined]


# Compare-and-delete: a process holding a stale token must never remove a fresher one.
_DELETE_IF_LUA = """
if redis.call('HGET', KEYS[1], 'value') == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


def _text(raw: Any) -> str:
    """Decode what Redis returns whether or not the connection decodes responses."""
    return raw.decode() if isinstance(raw, bytes) else str(raw)


class RedisTokenStore:
    """Credentials in one Redis hash per name (value + expiry); Redis drops it at expiry."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        *,
        lease_seconds: float = LEASE_SECONDS,
        wait_seconds: float = WAIT_SECONDS,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        """Use keys under `prefix` (the deployment's Redis namespace)."""
        self._redis = redis
        self.prefix = prefix
        self._lease = lease_seconds
        self._wait = wait_seconds
        self._poll = poll_seconds
        self._delete_if = redis.register_script(_DELETE_IF_LUA)

    def _key(self, name: str) -> str:
        return f"{self.prefix}wechat:{name}"

    async def read(self, name: str) -> StoredToken | None:
        """Return the stored credential, if any."""
        raw = await self._redis.hgetall(self._key(name))
        fields = {_text(k): _text(v) for k, v in raw.items()}
        if "value" not in fields or "expires_at" not in fields:
            return None
        return StoredToken(fields["value"], datetime.fromisoformat(fields["expires_at"]))

    async def write(self, name: str, token: StoredToken) -> None:
        """Replace the credential and let Redis expire it when WeChat does."""
        key = self._key(name)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.delete(key)
            pipe.hset(
                key, mapping={"value": token.value, "expires_at": token.expires_at.isoformat()}
            )
            pipe.pexpireat(key, int(token.expires_at.timestamp() * 1000))
            await pipe.execute()

    async def delete_if(self, name: str, value: str) -> bool:
        """Delete the credential only while it still holds `value`."""
        return bool(await self._delete_if(keys=[self._key(name)], args=[value]))

    @contextlib.asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """Hold a Redis lock (SET NX PX; released by a token-checking Lua script)."""
        lock = self._redis.lock(
            self._key(f"lock:{name}"),
            timeout=self._lease,
            sleep=self._poll,
            blocking_timeout=self._wait,
        )
        if not await lock.acquire():
            raise LockTimeoutError(name)
        try:
            yield
        finally:
            # The lease may have run out during a very slow fetch; the next holder owns it now.
            with contextlib.suppress(LockError):
                await asyncio.shield(lock.release())


class DatabaseTokenStore:
    """Credentials in `wechat_credential`, the lock a `wechat_lease` row; SQLite or PostgreSQL."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        lease_seconds: float = LEASE_SECONDS,
        wait_seconds: float = WAIT_SECONDS,
        poll_seconds: float = 0.05,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Use short transactions from `sessions`; leases run on the wall clock."""
        self._sessions = sessions
        self._lease = timedelta(seconds=lease_seconds)
        self._wait = wait_seconds
        self._poll = poll_seconds
        self._clock = clock

    async def _run(self, statement: Executable) -> int:
        """Run one statement in its own committed transaction; return the rows it touched."""
        async with unit_of_work(self._sessions) as session:
            result = await (await session.connection()).execute(statement)
            return int(result.rowcount)

    async def read(self, name: str) -> StoredToken | None:
        """Return the stored credential, if any."""
        c = _credentials.c
        async with self._sessions() as session:
            connection = await session.connection()
            query = select(c.value, c.expires_at).where(c.name == name)
            row = (await connection.execute(query)).one_or_none()
        return None if row is None else StoredToken(row.value, row.expires_at)

    async def write(self, name: str, token: StoredToken) -> None:
        """Insert or replace the credential."""
        values = {
            "name": name,
            "value": token.value,
            "expires_at": token.expires_at,
            "updated_at": utcnow(),
        }
        async with unit_of_work(self._sessions) as session:
            connection = await session.connection()
            insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            stmt = insert(_credentials).values(values)
            changes = {k: v for k, v in values.items() if k != "name"}
            await connection.execute(
                stmt.on_conflict_do_update(index_elements=["name"], set_=changes)
            )

    async def delete_if(self, name: str, value: str) -> bool:
        """Delete the credential only while it still holds `value`."""
        c = _credentials.c
        return await self._run(delete(_credentials).where(c.name == name, c.value == value)) > 0

    async def _try_acquire(self, name: str, holder: str) -> bool:
        """Take the lease if it is free or ran out; create its row the first time."""
        c = _leases.c
        now = self._clock()
        values = {"holder": holder, "until": now + self._lease}
        free = or_(c.until.is_(None), c.until < now)
        if await self._run(update(_leases).where(and_(c.name == name, free)).values(values)):
            return True
        async with unit_of_work(self._sessions) as session:
            connection = await session.connection()
            insert = postgresql.insert if connection.dialect.name == "postgresql" else sqlite.insert
            stmt = insert(_leases).values(name=name, **values).on_conflict_do_nothing()
            return bool((await connection.execute(stmt)).rowcount)

    async def _release(self, name: str, holder: str) -> None:
        """Free the lease, but only if it is still ours (it may have run out and moved on)."""
        c = _leases.c
        await self._run(
            update(_leases)
            .where(c.name == name, c.holder == holder)
            .values(holder=None, until=None)
        )

    @contextlib.asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """Hold the lease row for `name`, polling while another process holds it."""
        holder = uuid.uuid4().hex
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._wait
        while not await self._try_acquire(name, holder):
            if loop.time() >= deadline:
                raise LockTimeoutError(name)
            await asyncio.sleep(self._poll)
        try:
            yield
        finally:
            await asyncio.shield(self._release(name, holder))
