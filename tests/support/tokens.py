"""For the WeChat client's tests (tests/wechat): the sandbox account, and an in-memory token store.

The fixtures that use them are in tests/wechat/conftest.py.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from app.wechat.tokens import StoredToken

APP_ID = "wx5e1f7c0ffee0d00d"
APP_SECRET = "sandbox-app-secret"
SANDBOX_URL = "http://sandbox.test"


class MemoryTokenStore:
    """A TokenStore for one process, for tests that are about the client, not the store."""

    def __init__(self) -> None:
        self.tokens: dict[str, StoredToken] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def read(self, name: str) -> StoredToken | None:
        return self.tokens.get(name)

    async def write(self, name: str, token: StoredToken) -> None:
        self.tokens[name] = token

    async def delete_if(self, name: str, value: str) -> bool:
        current = self.tokens.get(name)
        if current is None or current.value != value:
            return False
        del self.tokens[name]
        return True

    @contextlib.asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        async with self._locks.setdefault(name, asyncio.Lock()):
            yield
