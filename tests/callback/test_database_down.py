"""A database that goes away: 503 so WeChat retries, nothing half-written, recovery afterwards."""

from __future__ import annotations

from app.models import InboundMessage
from tests.support.plugin import count_rows, post
from tests.support.wechat_peer import random_openid


async def test_database_down_means_503_then_recovery(proxied, peer):
    client, proxy = proxied
    openid = random_openid()
    xml = peer.text(openid, "帮助")
    assert (await client.get("/readyz")).status_code == 200

    await proxy.stop()
    response = await post(client, peer, xml)
    assert response.status_code == 503
    assert "Traceback" not in response.text
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["database"] == "unavailable"
    assert (await client.get("/healthz")).status_code == 200  # the process itself is fine

    await proxy.start()
    assert await count_rows(client, InboundMessage) == 0  # nothing half-written
    retry = await post(client, peer, xml)  # WeChat's next delivery of the same message
    assert retry.status_code == 200
    assert "「帮助」" in peer.open_reply(retry.text)["Content"]
    assert await count_rows(client, InboundMessage) == 1
    assert (await client.get("/readyz")).status_code == 200


async def test_connections_cut_while_idle_cost_no_member_an_error(proxied, peer):
    """The server restarted between messages: every pooled connection is dead. The first
    statement (a plain text's look for an open question, straight through the driver) meets
    that, the pool is refreshed, and the one retry answers the member at once."""
    client, proxy = proxied
    for n in range(3):  # a few pooled connections
        assert (
            await post(client, peer, peer.text(random_openid(), f"心得 {n}"))
        ).status_code == 200
    await proxy.stop()  # every connection cut…
    await proxy.start()  # …and the server back before the next message

    for n in range(3):
        response = await post(client, peer, peer.text(random_openid(), f"之后 {n}"))
        assert response.status_code == 200, response.text
    assert await count_rows(client, InboundMessage) == 6
