"""Fixtures for the sandbox tests: a driven clock, the sandbox app and a WeChat API helper.

Here the app under test is the sandbox itself, so `clock` (seconds on a fixed start) and `client`
(on the sandbox) replace the suite's fixtures of those names. The helpers are in
tests/support/sandbox.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from app.dev.sandbox import SandboxConfig, SandboxState, create_sandbox_app
from tests.support.sandbox import FakeClock, Wx, client_for, make_config


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def config(clock: FakeClock) -> SandboxConfig:
    return make_config(clock)


@pytest.fixture
def sandbox(config: SandboxConfig) -> FastAPI:
    return create_sandbox_app(config)


@pytest.fixture
def state(sandbox: FastAPI) -> SandboxState:
    state = sandbox.state.sandbox
    assert isinstance(state, SandboxState)
    return state


@pytest.fixture
async def client(sandbox: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(sandbox) as client:
        yield client


@pytest.fixture
def wx(client: httpx.AsyncClient) -> Wx:
    return Wx(client)
