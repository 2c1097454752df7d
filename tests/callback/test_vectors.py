"""The official test vectors, verified through the HTTP endpoint."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from app.models import InboundMessage
from app.wechat.crypto import MessageCrypto
from tests.support.wechat_peer import WeChatPeer, sign

# A copy of shared/wechat/vectors.json (public test vectors of WeChat's message encryption).
VECTORS = json.loads(
    (Path(__file__).resolve().parents[1] / "fixtures" / "vectors.json").read_text()
)


async def test_official_python_sample_decrypts_through_post(make_client, clock):
    v = VECTORS["decrypt_official_python_sample"]
    clock.set(int(v["timestamp"]))  # the sample is from 2014: drive the clock there
    client = await make_client(
        wechat_token=v["token"],
        wechat_encoding_aes_key=v["encoding_aes_key"],
        wechat_app_id=v["app_id"],
    )
    params = {
        "signature": sign(v["token"], v["timestamp"], v["nonce"]),
        "timestamp": v["timestamp"],
        "nonce": v["nonce"],
        "encrypt_type": "aes",
        "msg_signature": v["msg_signature"],
    }
    body = (
        "<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName>"
        f"<Encrypt><![CDATA[{v['encrypt']}]]></Encrypt></xml>"
    )
    response = await client.post("/wechat", params=params, content=body.encode())
    assert response.status_code == 200
    async with client.sessions() as session:
        row = (await session.exec(select(InboundMessage))).one()
    parsed = v["parsed"]
    assert row.content == parsed["content"]
    assert row.msg_id == parsed["id"]
    assert row.openid == parsed["source"]
    assert row.account == parsed["target"]
    assert int(row.sent_at.timestamp()) == parsed["create_time"]
    # The reply decrypts with an independent implementation and is addressed to the sender.
    peer = WeChatPeer(token=v["token"], aes_key=v["encoding_aes_key"], app_id=v["app_id"])
    reply = peer.open_reply(response.text)
    assert reply["ToUserName"] == parsed["source"] and reply["FromUserName"] == parsed["target"]


async def test_official_url_verification_vector_through_get(make_client, clock):
    v = VECTORS["plain_signature"]
    clock.set(int(v["timestamp"]))
    client = await make_client(wechat_token=v["token"])
    params = {
        "signature": v["signature"],
        "timestamp": v["timestamp"],
        "nonce": v["nonce"],
        "echostr": "5837397520665436492",
    }
    response = await client.get("/wechat", params=params)
    assert response.status_code == 200 and response.text == "5837397520665436492"


async def test_official_encrypted_echostr_vector_through_get(make_client, clock):
    v = VECTORS["verify_url_official_java_sample"]
    clock.set(int(v["timestamp"]))
    client = await make_client(
        wechat_token=v["token"],
        wechat_encoding_aes_key=v["encoding_aes_key"],
        wechat_app_id=v["app_id"],
    )
    params = {
        "msg_signature": v["msg_signature"],
        "timestamp": v["timestamp"],
        "nonce": v["nonce"],
        "echostr": v["encrypt"],
    }
    response = await client.get("/wechat", params=params)
    assert response.status_code == 200 and response.text == v["plaintext"]


def test_fixed_random_encryption_vector():
    v = VECTORS["encrypt_fixed_random_java_sample"]
    crypto = MessageCrypto(token="t", encoding_aes_key=v["encoding_aes_key"], app_id=v["app_id"])
    assert crypto.encrypt(v["plaintext"], random_prefix=v["random_prefix"].encode()) == v["encrypt"]
    assert crypto.decrypt(v["encrypt"]) == v["plaintext"]


def test_random_prefix_is_fresh_each_time():
    v = VECTORS["encrypt_fixed_random_java_sample"]
    crypto = MessageCrypto(token="t", encoding_aes_key=v["encoding_aes_key"], app_id=v["app_id"])
    assert crypto.encrypt("同一条消息") != crypto.encrypt("同一条消息")


async def test_fresh_random_keys_round_trip_with_the_independent_peer(make_client):
    for _ in range(5):
        peer = WeChatPeer()
        client = await make_client(
            wechat_token=peer.token, wechat_encoding_aes_key=peer.aes_key, wechat_app_id=peer.app_id
        )
        params, body = peer.request(peer.text("oPeerOpenid000000000000000", "帮助"), "safe")
        response = await client.post("/wechat", params=params, content=body)
        assert "「帮助」" in peer.open_reply(response.text)["Content"]
