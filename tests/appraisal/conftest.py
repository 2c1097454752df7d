"""Fixtures of the appraisal tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.support.app import AppClient


@pytest.fixture
async def subscription(make_client: Callable[..., Any]) -> AppClient:
    """An account without web OAuth: the signed link is what names the member."""
    client: AppClient = await make_client(wechat_account_type="subscription")
    return client
