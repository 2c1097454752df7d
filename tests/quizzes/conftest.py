"""Knowledge-test tests: an app on the real databases whose members act through the sandbox."""

from __future__ import annotations

from typing import Any

import pytest

from tests.meeting_support import Chat


@pytest.fixture
def chat(client: Any, clock: Any) -> Chat:
    """Members' WeChat, on the test clock."""
    return Chat(client, clock)
