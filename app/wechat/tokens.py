"""One access_token (and jsapi_ticket) for all processes: shared store, single-flight refresh.

Several processes each fetching their own token is how WeChat integrations classically break
(a new fetch can invalidate the token the others hold), so every process reads the same store
and only the holder of a cross-process lock ever fetches.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

import structlog
from sqlalchemy import Table

from app.models import WeChatCredential, WeChatLease
from app.models.types import utcnow

log = structlog.get_logger("app.wechat.tokens")

_credentials: Table = WeChatCredential.__table__  # type: ignore[attr-defined]
_leases: Table = WeChatLease.__table__  # type: ignore[attr-defined]

# Longer than the slowest fetch (timeout × attempts plus backoff), so a live holder keeps it.
LEASE_SECONDS = 30.0
# How long a process waits for another's fetch before fetching itself (stable_token is
# idempotent: a second fetch returns the same token, so this only costs one extra call).
WAIT_SECONDS = 35.0
POLL_SECONDS = 0.02
# After a fetch that came back already inside the refresh margin, fetch again no sooner.
SHORT_TOKEN_PAUSE = timedelta(seconds=30)


class LockTimeoutError(Exception):
    """The cross-process lock stayed taken for longer than the wait allowed."""


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A credential and the moment WeChat stops accepting it."""

    value: str
    expires_at: datetime


class TokenStore(Protocol):
    """Where processes share credentials, with a lock for the one that refreshes them."""

    async def read(self, name: str) -> StoredToken | None:
        """Return the stored credential, if any."""
        ...

    async def write(self, name: str, token: StoredToken) -> None:
        """Store (replace) the credential."""
        ...

    async def delete_if(self, name: str, value: str) -> bool:
        """Delete the credential only while it still holds `value`; True when deleted."""
        ...

    def lock(self, name: str) -> contextlib.AbstractAsyncContextManager[None]:
        """Hold the cross-process lock for `name`; raise LockTimeoutError if it stays taken."""
        ...


class TokenManager:
    """Hands out a valid credential, refreshing it once for all processes when it nears expiry."""

    def __init__(
        self,
        store: TokenStore,
        fetch: Callable[[], Awaitable[tuple[str, int]]],
        *,
        name: str,
        refresh_margin_seconds: float = 300,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """`fetch` asks WeChat for a new credential and returns it with its lifetime in seconds."""
        self.name = name
        self._store = store
        self._fetch = fetch
        self._margin = timedelta(seconds=refresh_margin_seconds)
        self._clock = clock
        self._cached: StoredToken | None = None
        self._inflight: asyncio.Future[str] | None = None
        self._not_before: datetime | None = None

    def _usable(self, token: StoredToken) -> bool:
        """Valid for longer than the margin, or short but just fetched (no refetch storm)."""
        now = self._clock()
        if token.expires_at - now > self._margin:
            return True
        return self._not_before is not None and now < self._not_before and token.expires_at > now

    async def get(self) -> str:
        """Return a credential that stays valid for at least the refresh margin."""
        cached = self._cached
        if cached is not None and self._usable(cached):
            return cached.value
        # Every caller in this process waits on the same load; a cancelled caller leaves it be.
        if self._inflight is None:
            task = asyncio.ensure_future(self._load())
            self._inflight = task
            task.add_done_callback(self._loaded)
        return await asyncio.shield(self._inflight)

    def _loaded(self, task: asyncio.Future[str]) -> None:
        if self._inflight is task:
            self._inflight = None
        if not task.cancelled():
            task.exception()  # retrieved here, so an unawaited failure is not reported twice

    async def _load(self) -> str:
        stored = await self._store.read(self.name)
        if stored is not None and self._usable(stored):
            self._cached = stored
            return stored.value
        async with contextlib.AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self._store.lock(self.name))
            except LockTimeoutError:
                # The holder is stuck or gone; stable_token is idempotent, so fetching anyway
                # costs one call and no token.
                log.warning("token_lock_timeout", name=self.name)
            return await self._refresh()

    async def _refresh(self) -> str:
        """Under the lock: re-read (another process may have refreshed), else fetch and store."""
        stored = await self._store.read(self.name)
        if stored is not None and self._usable(stored):
            self._cached = stored
            return stored.value
        try:
            value, expires_in = await self._fetch()
        except Exception as exc:
            # Refreshing early failed, but a token that has not yet expired still works.
            fallback = stored or self._cached
            if fallback is not None and fallback.expires_at > self._clock():
                log.warning("token_refresh_failed", name=self.name, error=type(exc).__name__)
                return fallback.value
            raise
        now = self._clock()
        token = StoredToken(value, now + timedelta(seconds=expires_in))
        await self._store.write(self.name, token)
        self._cached = token
        self._not_before = None
        if timedelta(seconds=expires_in) <= self._margin:
            log.warning("token_short_lived", name=self.name, expires_in=expires_in)
            self._not_before = now + SHORT_TOKEN_PAUSE
        return value

    async def invalidate(self, token: str) -> bool:
        """Forget `token` after WeChat rejected it; the stored one goes only if it is the same."""
        if self._cached is not None and self._cached.value == token:
            self._cached = None
            self._not_before = None
        return await self._store.delete_if(self.name, token)
