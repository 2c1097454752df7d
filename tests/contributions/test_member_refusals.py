"""What the member page refuses: bad fields and files (nothing stored), a forged or expired
link, someone who has not bound their WeChat."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import update

from app.models import Follower
from app.services.attachments import MAX_BYTES
from tests.contributions.support import NOW, PNG, Files, links_in, png, stored, submit
from tests.support.app import AppClient
from tests.support.chat import Chat, add_party_members, oauth_open
from tests.support.plugin import Clock


@pytest.fixture
async def subscription(make_client: Callable[..., Any]) -> AppClient:
    """An account without web OAuth: the signed link is what names the member."""
    client: AppClient = await make_client(wechat_account_type="subscription")
    return client


async def _form(client: AppClient, clock: Clock) -> tuple[str, httpx.Response]:
    """The member's record link from the chat, and the form it opens."""
    clock.set(NOW)
    [member] = await add_party_members(client, 1)
    new_path, _ = links_in(await Chat(client, clock).say(member.openid, "岗位建功"))
    page = await client.get(new_path)
    assert page.status_code == 200, page.text[:300]
    return new_path, page


BAD: list[tuple[dict[str, str], Files, str]] = [
    ({"title": ""}, [], "请填写标题。"),
    ({"title": "长" * 101}, [], "标题最多 100 个字（现有 101 个）。"),
    ({"description": "  "}, [], "请填写事迹说明。"),
    ({"description": "长" * 2001}, [], "事迹说明最多 2000 个字（现有 2001 个）。"),
    ({"benefit": "一万元"}, [], "效益金额请填写数字"),
    ({"benefit": "-500"}, [], "效益金额不能为负数。"),
    ({}, [png(f"{i}.png") for i in range(10)], "证明材料最多 9 个"),
    ({}, [("files", ("说明.txt", b"plain text", "text/plain"))], "只能上传照片"),
    (
        {},
        [("files", ("大.png", PNG + b"\0" * (MAX_BYTES - len(PNG) + 1), "image/png"))],
        "不能超过 10 MB",
    ),
]


async def test_bad_fields_and_files_are_refused_and_nothing_is_stored(
    subscription: AppClient, clock: Clock
) -> None:
    _, page = await _form(subscription, clock)
    for changes, files, reason in BAD:
        refused = await submit(subscription, page, files, **changes)
        assert refused.status_code == 400, (changes, refused.text[:300])
        assert reason in refused.text, reason
        assert 'data-testid="form-errors"' in refused.text
    assert await stored(subscription) == []
    done = await submit(subscription, page, [png()])  # the same form, put right, goes through
    assert done.status_code == 303


async def test_a_forged_or_expired_link_records_nothing(
    subscription: AppClient, clock: Clock
) -> None:
    new_path, page = await _form(subscription, clock)
    token = parse_qs(urlsplit(new_path).query)["t"][0]
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    shown = await subscription.get(f"/m/contributions/new?t={forged}")
    assert shown.status_code == 404 and "链接无效" in shown.text
    posted = await submit(subscription, page.__class__(200, text=page.text.replace(token, forged)))
    assert posted.status_code == 404 and "链接无效" in posted.text
    nobody = await subscription.get("/m/contributions")
    assert nobody.status_code == 403 and "回复「岗位建功」" in nobody.text

    async with subscription.sessions() as session:  # unbound since the chat gave the link
        await session.exec(update(Follower).values(person_id=None))
        await session.commit()
    gone = await subscription.get(new_path)
    assert gone.status_code == 403 and "请先绑定身份" in gone.text

    clock.advance(int(timedelta(days=8).total_seconds()))
    expired = await subscription.get(new_path)
    assert expired.status_code == 400 and "链接已过期" in expired.text
    late = await submit(subscription, page)
    assert late.status_code == 400 and "链接已过期" in late.text
    assert await stored(subscription) == []


async def test_someone_unbound_is_told_to_bind(client: AppClient, clock: Clock) -> None:
    clock.set(NOW)
    [stranger] = await add_party_members(client, 1, bound=False)
    client.sandbox.add_follower(stranger.openid)
    reply = await Chat(client, clock).say(stranger.openid, "岗位建功")
    assert "绑定后才能登记岗位建功" in reply and "/m/contributions" not in reply
    page = await oauth_open(client, stranger.openid, "/m/contributions/new")
    assert page.status_code == 403 and "请先绑定身份" in page.text
