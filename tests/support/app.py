"""AppClient: the HTTP client of the app under test, with typed access to what the app holds.

`make_client` and `client` (tests/support/plugin.py) return one. Tests read the app's database
through `client.sessions`, its settings through `client.settings`, and the in-process WeChat it
talks to through `client.sandbox`; the rest of `app.state` is `client.state`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import State

from app.config import Settings
from app.dev.sandbox import SandboxState


class AppClient(httpx.AsyncClient):
    """An in-process HTTP client for one app built by `create_app`, and that app."""

    def __init__(self, app: FastAPI, *, base_url: str = "http://test", **kwargs: Any) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url=base_url, **kwargs)
        self.app = app

    @property
    def state(self) -> State:
        """`app.state`: engine, redis, clock, dispatcher, broadcasts, wechat, …"""
        return self.app.state

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        """The app's session factory, on the test's database."""
        sessions: async_sessionmaker[AsyncSession] = self.app.state.sessions
        return sessions

    @property
    def settings(self) -> Settings:
        """The settings the app was built with."""
        settings: Settings = self.app.state.settings
        return settings

    @property
    def sandbox_app(self) -> FastAPI:
        """The in-process fake WeChat API the app calls (tests run with the sandbox)."""
        sandbox_app: FastAPI = self.app.state.sandbox_app
        return sandbox_app

    @property
    def sandbox(self) -> SandboxState:
        """The sandbox's memory: followers, deliveries, faults, call counters."""
        state: SandboxState = self.sandbox_app.state.sandbox
        return state


# The `make_client` fixture: `await make_client(**settings_overrides, router=…, followups=…)`.
MakeClient = Callable[..., Awaitable[AppClient]]
