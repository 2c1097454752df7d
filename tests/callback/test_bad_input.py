"""Bad input on POST /wechat: a clear status and a one-line reason, and nothing stored."""

from __future__ import annotations

import pytest

from app.models import InboundMessage
from tests.support.plugin import count_rows, post
from tests.support.wechat_peer import WeChatPeer, random_openid, sign


async def _post_raw(client, params, body: bytes):
    return await client.post("/wechat", params=params, content=body)


async def _assert_refused(client, response, status: int, reason: str) -> None:
    assert response.status_code == status, response.text
    assert reason in response.text
    assert "\n" not in response.text.strip() and "Traceback" not in response.text
    assert await count_rows(client, InboundMessage) == 0


async def test_missing_signature_is_forbidden(client, peer):
    params, body = peer.request(peer.text(random_openid(), "帮助"), "plain")
    del params["signature"]
    await _assert_refused(client, await _post_raw(client, params, body), 403, "invalid signature")


async def test_forged_signature_is_forbidden(client, peer):
    params, body = peer.request(peer.text(random_openid(), "帮助"), "plain")
    params["signature"] = sign("not-the-token", params["timestamp"], params["nonce"])
    await _assert_refused(client, await _post_raw(client, params, body), 403, "invalid signature")


async def test_forged_msg_signature_is_forbidden(client, peer):
    params, body = peer.request(peer.text(random_openid(), "帮助"), "safe")
    params["msg_signature"] = "0" * 40
    await _assert_refused(client, await _post_raw(client, params, body), 403, "msg_signature")


async def test_missing_msg_signature_is_forbidden(client, peer):
    params, body = peer.request(peer.text(random_openid(), "帮助"), "safe")
    del params["msg_signature"]
    await _assert_refused(client, await _post_raw(client, params, body), 403, "msg_signature")


async def test_ciphertext_for_another_appid_is_forbidden(client, peer):
    params, body = peer.request(
        peer.text(random_openid(), "帮助"), "safe", app_id="wxsomeoneelse000"
    )
    await _assert_refused(client, await _post_raw(client, params, body), 403, "another appid")


async def test_replayed_old_timestamp_is_forbidden(client, peer):
    old = int(peer.timestamp()) - 301
    response = await post(client, peer, peer.text(random_openid(), "帮助"), timestamp=old)
    await _assert_refused(client, response, 403, "timestamp")


async def test_timestamp_window_is_configurable(make_client, peer):
    client = await make_client(wechat_timestamp_tolerance_seconds=3600)
    old = int(peer.timestamp()) - 1800
    response = await post(client, peer, peer.text(random_openid(), "帮助"), timestamp=old)
    assert response.status_code == 200


MALFORMED = {
    "not xml": (b"hello, world", "malformed XML"),
    "unclosed": (b"<xml><ToUserName>gh</ToUserName>", "malformed XML"),
    "wrong root": (b"<doc><MsgType>text</MsgType></doc>", "root element"),
    "empty root": (b"<xml></xml>", "root element"),
}


@pytest.mark.parametrize("case", MALFORMED, ids=list(MALFORMED))
async def test_malformed_xml_is_a_bad_request(client, peer, case):
    body, reason = MALFORMED[case]
    params, _ = peer.request("<xml/>", "plain")
    await _assert_refused(client, await _post_raw(client, params, body), 400, reason)


@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_missing_msg_type_is_a_bad_request(client, peer, mode):
    xml = peer.text(random_openid(), "hi").replace("<MsgType><![CDATA[text]]></MsgType>", "")
    response = await post(client, peer, xml, mode)
    await _assert_refused(client, response, 400, "missing MsgType")


@pytest.mark.parametrize("mode", ["plain", "safe"])
async def test_repeated_msg_type_is_a_bad_request(client, peer, mode):
    xml = peer.text(random_openid(), "hi").replace(
        "<MsgType>", "<MsgType><![CDATA[event]]></MsgType><MsgType>"
    )
    response = await post(client, peer, xml, mode)
    await _assert_refused(client, response, 400, "repeated MsgType")


XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh</ToUserName><FromUserName>o1</FromUserName><CreateTime>1</CreateTime>"
    "<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    "<xml><Content>&lol3;</Content></xml>"
)


@pytest.mark.parametrize("mode", ["plain", "safe"])
@pytest.mark.parametrize("payload", [XXE, LAUGHS], ids=["xxe", "entity-expansion"])
async def test_dtd_and_entities_are_refused(client, peer, mode, payload):
    response = await post(client, peer, payload, mode)
    await _assert_refused(client, response, 400, "DTD")


async def test_entity_without_doctype_keyword_is_refused(client, peer):
    params, _ = peer.request("<xml/>", "plain")
    body = b'<!ENTITY x "y"><xml><a>&x;</a></xml>'
    await _assert_refused(client, await _post_raw(client, params, body), 400, "DTD")


async def test_oversized_body_is_refused(client, peer):
    xml = peer.text(random_openid(), "长" * 30_000)  # 90 KB of UTF-8, over the 64 KiB default
    response = await post(client, peer, xml, "plain")
    await _assert_refused(client, response, 400, "larger than 65536 bytes")


async def test_oversized_body_without_content_length_is_refused(client, peer):
    params, _ = peer.request("<xml/>", "plain")

    async def chunks():
        for _ in range(100):
            yield b"<" * 1024

    response = await client.post("/wechat", params=params, content=chunks())
    await _assert_refused(client, response, 400, "larger than")


async def test_body_limit_is_configurable(make_client, peer):
    client = await make_client(wechat_max_body_bytes=2048)
    response = await post(client, peer, peer.text(random_openid(), "x" * 3000), "plain")
    await _assert_refused(client, response, 400, "larger than 2048 bytes")


async def test_invalid_utf8_is_a_bad_request(client, peer):
    params, body = peer.request(peer.text(random_openid(), "帮助"), "plain")
    body = body.replace("帮助".encode(), b"\xff\xfe\xfd")
    await _assert_refused(client, await _post_raw(client, params, body), 400, "UTF-8")


async def test_invalid_utf8_inside_ciphertext_is_a_bad_request(client, peer: WeChatPeer):
    # Encrypt bytes that are not UTF-8: the peer works on str, so patch the plaintext bytes.
    xml = peer.text(random_openid(), "PLACEHOLDER")
    original = peer.encrypt

    def encrypt_bad(plaintext: str, *, app_id: str | None = None) -> str:
        ciphertext = original(plaintext, app_id=app_id)
        plain, _ = peer.decrypt(ciphertext)
        raw = plain.encode().replace(
            b"PLACEHOLDER", b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5"
        )
        return _encrypt_bytes(peer, raw)

    peer.encrypt = encrypt_bad  # type: ignore[method-assign]
    response = await post(client, peer, xml, "safe")
    await _assert_refused(client, response, 400, "UTF-8")


def _encrypt_bytes(peer: WeChatPeer, body: bytes) -> str:
    import base64
    import os
    import struct

    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    raw = os.urandom(16) + struct.pack(">I", len(body)) + body + peer.app_id.encode()
    pad = 32 - len(raw) % 32
    raw += bytes([pad]) * pad
    enc = Cipher(algorithms.AES(peer.key), modes.CBC(peer.key[:16])).encryptor()
    return base64.b64encode(enc.update(raw) + enc.finalize()).decode()


async def test_garbage_ciphertext_is_a_bad_request(client, peer):
    params, _ = peer.request("<xml/>", "plain")
    garbage = "QUJDRA=="  # valid base64, not a multiple of the AES block
    params |= {
        "encrypt_type": "aes",
        "msg_signature": sign(peer.token, params["timestamp"], params["nonce"], garbage),
    }
    body = f"<xml><Encrypt><![CDATA[{garbage}]]></Encrypt></xml>".encode()
    await _assert_refused(client, await _post_raw(client, params, body), 400, "cannot decrypt")


async def test_rejections_are_counted_by_reason(client, peer):
    params, body = peer.request(peer.text(random_openid(), "帮助"), "plain")
    params["signature"] = "0" * 40
    await _post_raw(client, params, body)
    metrics = (await client.get("/metrics")).text
    assert 'shente_wechat_rejections_total{reason="bad_signature"} 1.0' in metrics
