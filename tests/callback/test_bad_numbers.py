"""Numbers and ids on POST /wechat: ASCII digits of a bounded length, refused (400) otherwise."""

from __future__ import annotations

import pytest

from app.models import InboundMessage
from tests.support.plugin import count_rows, post
from tests.support.wechat_peer import cdata, random_openid, sign


async def _refused(client, response, reason: str) -> None:
    assert response.status_code == 400, response.text
    assert reason in response.text
    assert await count_rows(client, InboundMessage) == 0


@pytest.mark.parametrize("timestamp", ["1" * 400, "１７００００００００"])
async def test_signed_but_absurd_timestamp_is_400(client, peer, timestamp):
    params, body = peer.request(peer.text(random_openid(), "帮助"), "plain")
    params |= {"timestamp": timestamp, "signature": sign(peer.token, timestamp, params["nonce"])}
    response = await client.post("/wechat", params=params, content=body)
    await _refused(client, response, "invalid timestamp")


@pytest.mark.parametrize("create_time", ["9" * 40, "１７００００００００"])
async def test_absurd_create_time_is_400(client, peer, create_time):
    xml = peer.text(random_openid(), "帮助").replace(
        f"<CreateTime>{peer.timestamp()}</CreateTime>", f"<CreateTime>{create_time}</CreateTime>"
    )
    assert create_time in xml
    await _refused(client, await post(client, peer, xml), "CreateTime")


async def test_over_long_msg_id_is_refused_not_cut(client, peer):
    xml = peer.text(random_openid(), "帮助", msg_id=int("7" * 40))
    await _refused(client, await post(client, peer, xml), "MsgId")


async def test_non_numeric_msg_id_is_refused(client, peer):
    xml = peer.text(random_openid(), "帮助", msg_id=1).replace(
        "<MsgId>1</MsgId>", "<MsgId>１２３</MsgId>"
    )
    await _refused(client, await post(client, peer, xml), "MsgId")


async def test_over_long_openid_is_refused_not_cut(client, peer):
    xml = peer.text("o" * 65, "帮助")
    await _refused(client, await post(client, peer, xml), "FromUserName")
    # 64 characters, the longest we store, still goes through.
    assert (await post(client, peer, peer.text("o" * 64, "帮助"))).status_code == 200


async def test_unknown_msg_types_share_one_metrics_label(client, peer):
    for kind in ("brand_new_type_1", "brand_new_type_2"):
        xml = (
            f"<xml><ToUserName>{cdata(peer.account)}</ToUserName>"
            f"<FromUserName>{cdata(random_openid())}</FromUserName>"
            f"<CreateTime>{peer.timestamp()}</CreateTime><MsgType>{cdata(kind)}</MsgType>"
            "<MsgId>5</MsgId></xml>"
        )
        assert (await post(client, peer, xml)).status_code == 200
    await post(client, peer, peer.event(random_openid(), "made_up_event"))
    metrics = (await client.get("/metrics")).text
    assert "brand_new_type" not in metrics and "made_up_event" not in metrics
    assert 'shente_wechat_callbacks_total{event="",msg_type="other"} 2.0' in metrics
    assert 'shente_wechat_callbacks_total{event="other",msg_type="event"} 1.0' in metrics
