"""The member's own 微感悟 page: opened from the confirmation's signed link; a forged, expired or
someone else's link shows nothing of anyone."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.reflections.support import NOW, TEXT, make_topic
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members
from tests.support.plugin import Clock


@pytest.fixture
async def subscription(make_client: Callable[..., Any]) -> AppClient:
    """An account without web OAuth: the signed link is what names the member."""
    client: AppClient = await make_client(wechat_account_type="subscription")
    return client


async def test_the_confirmation_links_to_the_members_own_page_and_forged_links_fail(
    subscription: AppClient, clock: Clock
) -> None:
    clock.set(NOW)
    chat = Chat(subscription, clock)
    await make_topic(subscription)
    [member, other] = await add_party_members(subscription, 2)
    reply = await chat.say(member.openid, f"感悟 {TEXT}")
    match = re.search(r"我的微感悟：(\S+)", reply)
    assert match is not None
    link = urlsplit(match.group(1))
    path = f"{link.path}?{link.query}"

    page = await subscription.get(path)
    assert page.status_code == 200
    assert TEXT in page.text and "做什么、怎么做" in page.text and "已收到" in page.text
    assert member.name in page.text

    token = link.query.removeprefix("t=")
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    bad = await subscription.get(f"{link.path}?t={forged}")
    assert bad.status_code == 404 and "链接无效" in bad.text and TEXT not in bad.text
    # The member's link does not open another member's page.
    theirs = await subscription.get(f"/m/reflections/{other.person_id}?{link.query}")
    assert theirs.status_code == 404 and TEXT not in theirs.text
    nobody = await subscription.get(link.path)
    assert nobody.status_code == 200 and TEXT not in nobody.text

    clock.advance(timedelta(days=8).total_seconds())
    expired = await subscription.get(path)
    assert expired.status_code == 400 and "链接已过期" in expired.text
