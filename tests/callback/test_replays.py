"""Plain and compatible mode: one signed query carries one body; WeChat's retries still work."""

from __future__ import annotations

import pytest

from app.config import Settings
from app.models import InboundMessage
from tests.support.plugin import count_rows
from tests.support.wechat_peer import random_openid


@pytest.mark.parametrize("redis", [True, False], ids=["redis", "in-process"])
@pytest.mark.parametrize("mode", ["plain", "compatible"])
async def test_another_body_under_a_used_signed_query_is_refused(make_client, peer, mode, redis):
    client = await make_client(wechat_message_mode=mode, **({} if redis else {"redis_url": None}))
    openid = random_openid()
    params, body = peer.request(peer.text(openid, "帮助"), mode)
    first = await client.post("/wechat", params=params, content=body)
    assert first.status_code == 200

    # The same signed query with a body the attacker wrote (the URL signature does not cover it).
    # In compatible mode the attacker drops encrypt_type and msg_signature and sends plaintext.
    bare = {k: v for k, v in params.items() if k not in ("encrypt_type", "msg_signature")}
    forged = peer.text(openid, "我的", msg_id=424242).encode()
    for query, other in ((bare, forged), (params, body.replace(b"</xml>", b"<X>1</X></xml>"))):
        replayed = await client.post("/wechat", params=query, content=other)
        assert replayed.status_code == 403 and "already used" in replayed.text
    assert await count_rows(client, InboundMessage) == 1

    # WeChat's own retry: the same query and the same body, answered with the same bytes.
    retry = await client.post("/wechat", params=params, content=body)
    assert retry.status_code == 200 and retry.content == first.content
    assert await count_rows(client, InboundMessage) == 1
    assert (
        'shente_wechat_rejections_total{reason="replayed"} 2.0'
        in (await client.get("/metrics")).text
    )


async def test_safe_is_the_default_mode_and_refuses_plaintext(make_client, peer):
    assert Settings.model_fields["wechat_message_mode"].default == "safe"
    client = await make_client(wechat_message_mode="safe")
    params, body = peer.request(peer.text(random_openid(), "帮助"), "plain")
    response = await client.post("/wechat", params=params, content=body)
    assert response.status_code == 403 and "safe mode" in response.text
