"""POST /wechat end to end in plaintext, compatible and safe mode, against an independent peer."""

from __future__ import annotations

import pytest

from app.models import InboundMessage
from tests.support.plugin import count_rows, post
from tests.support.wechat_peer import random_openid


@pytest.mark.parametrize("mode", ["plain", "compatible", "safe"])
async def test_help_is_answered_in_every_mode(client, peer, mode):
    openid = random_openid()
    response = await post(client, peer, peer.text(openid, "帮助"), mode)
    assert response.status_code == 200
    reply = peer.open_reply(response.text)
    assert reply["MsgType"] == "text"
    assert reply["ToUserName"] == openid
    assert "「帮助」" in reply["Content"]
    if mode != "plain":
        assert "<Encrypt>" in response.text and "帮助" not in response.text


async def test_safe_mode_setting_refuses_plaintext(make_client, peer):
    client = await make_client(wechat_message_mode="safe")
    response = await post(client, peer, peer.text(random_openid(), "帮助"), "plain")
    assert response.status_code == 403
    assert await count_rows(client, InboundMessage) == 0
    response = await post(client, peer, peer.text(random_openid(), "帮助"), "safe")
    assert response.status_code == 200


async def test_message_is_recorded_with_its_answer(client, peer):
    openid = random_openid()
    response = await post(client, peer, peer.text(openid, "帮助", msg_id=1234567890123))
    assert response.status_code == 200
    async with client.sessions() as session:
        row = (await session.exec(__import__("sqlmodel").select(InboundMessage))).one()
    assert row.openid == openid
    assert row.msg_type == "text"
    assert row.content == "帮助"
    assert row.msg_id == "1234567890123"
    assert row.encrypted is True
    assert row.handler == "common.on_help"
    assert row.status == "replied"
    assert "「帮助」" in (row.reply or "")
    assert row.response_body == response.text
    assert row.received_at is not None and row.replied_at is not None
