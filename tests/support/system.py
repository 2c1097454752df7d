"""`app_under_test`: the app under test in one typed object, for tests that use several sides.

It holds the HTTP client (with the app's sessions, settings and sandbox), the clock the app
reads, a member's WeChat (`chat`) and signs in to the console as an admin on request. Tests that
need one side only keep taking the `client`, `clock` or `chat` fixture.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from app.dev.sandbox import SandboxState
from tests.support.app import AppClient
from tests.support.chat import Chat
from tests.support.console import admin_console
from tests.support.plugin import Clock


@dataclass
class AppUnderTest:
    """One app built for the test: its client, clock and a member's WeChat."""

    client: AppClient
    clock: Clock
    chat: Chat
    admin_id: int | None = None

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The app's session factory, on the test's database."""
        return self.client.sessions

    @property
    def sandbox(self) -> SandboxState:
        """What the fake WeChat holds: followers, deliveries, faults."""
        return self.client.sandbox

    async def console(self) -> AppClient:
        """The client, signed in to the console as an admin (once)."""
        if self.admin_id is None:
            self.admin_id = await admin_console(self.client)
        return self.client


@pytest.fixture
def app_under_test(client: AppClient, clock: Clock, chat: Chat) -> AppUnderTest:
    """The app under test: client, sessions, clock, sandbox, chat as a member, console as admin."""
    return AppUnderTest(client, clock, chat)
