"""Pledge tests drive the chat through the sandbox on the test's clock."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Clock
from tests.meeting_support import Chat


@pytest.fixture
def chat(client: httpx.AsyncClient, clock: Clock) -> Chat:
    """Members typing and tapping in WeChat."""
    return Chat(client, clock)
