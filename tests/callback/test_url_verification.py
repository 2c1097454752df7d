"""GET /wechat: echo only for a valid signature, compared in constant time."""

from __future__ import annotations

from tests.support.wechat_peer import sign


def _params(peer, **overrides):
    ts, nonce = str(peer.timestamp()), "n0nce"
    params = {
        "signature": sign(peer.token, ts, nonce),
        "timestamp": ts,
        "nonce": nonce,
        "echostr": "echo-123",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


async def test_valid_signature_echoes(client, peer):
    response = await client.get("/wechat", params=_params(peer))
    assert response.status_code == 200 and response.text == "echo-123"


async def test_forged_signature_does_not_echo(client, peer):
    response = await client.get("/wechat", params=_params(peer, signature="f" * 40))
    assert response.status_code == 403 and "echo-123" not in response.text


async def test_missing_signature_does_not_echo(client, peer):
    response = await client.get("/wechat", params=_params(peer, signature=None))
    assert response.status_code == 403


async def test_stale_timestamp_does_not_echo(client, peer):
    ts = str(peer.timestamp() - 3600)
    response = await client.get(
        "/wechat", params=_params(peer, timestamp=ts, signature=sign(peer.token, ts, "n0nce"))
    )
    assert response.status_code == 403


async def test_missing_echostr_is_a_bad_request(client, peer):
    response = await client.get("/wechat", params=_params(peer, echostr=None))
    assert response.status_code == 400
