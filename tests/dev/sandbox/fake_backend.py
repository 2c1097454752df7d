"""A tiny stand-in for our backend's POST /wechat, with WeChat crypto written independently.

It uses only `cryptography`, `hashlib` and ElementTree, so the sandbox (which shares the
backend's app.wechat.crypto) is checked against a second implementation of the protocol.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Literal

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from fastapi import FastAPI, Request
from fastapi.responses import Response

ReplyMode = Literal["echo", "echo_plain", "success", "empty", "error", "json", "wrong_appid"]


def sha1_sorted(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def aes_key(encoding_aes_key: str) -> bytes:
    return base64.b64decode(encoding_aes_key + "=")


def decrypt(key: bytes, encrypted: str) -> tuple[str, str]:
    """Return (message, appid) from a base64 AES-256-CBC payload."""
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    pad = padded[-1]
    assert 1 <= pad <= 32 and padded[-pad:] == bytes([pad]) * pad
    plain = padded[:-pad]
    length = int.from_bytes(plain[16:20], "big")
    return plain[20 : 20 + length].decode(), plain[20 + length :].decode()


def encrypt(key: bytes, message: str, appid: str) -> str:
    """Encrypt a message the WeChat way (random 16 ‖ length ‖ message ‖ appid, PKCS#7 to 32)."""
    raw = message.encode()
    body = os.urandom(16) + len(raw).to_bytes(4, "big") + raw + appid.encode()
    pad = 32 - len(body) % 32
    body += bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(body) + encryptor.finalize()).decode()


def fields_of(xml: str) -> dict[str, str]:
    return {child.tag: child.text or "" for child in ET.fromstring(xml)}


@dataclass
class FakeBackend:
    """Verifies, decrypts, records, and answers like our backend would."""

    token: str
    app_id: str
    encoding_aes_key: str | None
    reply: ReplyMode = "echo"
    received: list[dict[str, str]] = field(default_factory=list)
    plaintexts: list[str] = field(default_factory=list)
    queries: list[dict[str, str]] = field(default_factory=list)
    bodies: list[str] = field(default_factory=list)
    gate: asyncio.Event | None = None  # when set, the handler waits for it (a slow backend)

    def app(self) -> FastAPI:
        app = FastAPI()
        app.add_api_route("/wechat", self.handle, methods=["POST"])
        return app

    async def handle(self, request: Request) -> Response:
        query = dict(request.query_params)
        body = (await request.body()).decode()
        self.queries.append(query)
        self.bodies.append(body)
        if sha1_sorted(self.token, query["timestamp"], query["nonce"]) != query["signature"]:
            return Response("bad signature", status_code=403)
        encrypted = query.get("encrypt_type") == "aes"
        if encrypted:
            assert self.encoding_aes_key is not None
            encrypt_field = ET.fromstring(body).findtext("Encrypt") or ""
            expected = sha1_sorted(self.token, query["timestamp"], query["nonce"], encrypt_field)
            if expected != query["msg_signature"]:
                return Response("bad msg_signature", status_code=403)
            plaintext, appid = decrypt(aes_key(self.encoding_aes_key), encrypt_field)
            if appid != self.app_id:
                return Response("bad appid", status_code=403)
        else:
            plaintext = body
        message = fields_of(plaintext)
        self.plaintexts.append(plaintext)
        self.received.append(message)
        if self.gate is not None:
            await self.gate.wait()
        return self.answer(message, encrypted)

    def answer(self, message: dict[str, str], encrypted: bool) -> Response:
        if self.reply in {"success", "empty"}:
            return Response("success" if self.reply == "success" else "")
        if self.reply == "error":
            return Response("boom", status_code=500)
        if self.reply == "json":
            return Response('{"ok": true}', media_type="application/json")
        content = f"收到：{message.get('Content') or message.get('Event', '')}"
        reply = (
            f"<xml><ToUserName><![CDATA[{message['FromUserName']}]]></ToUserName>"
            f"<FromUserName><![CDATA[{message['ToUserName']}]]></FromUserName>"
            f"<CreateTime>{int(time.time())}</CreateTime><MsgType><![CDATA[text]]></MsgType>"
            f"<Content><![CDATA[{content}]]></Content></xml>"
        )
        if not encrypted or self.reply == "echo_plain":
            return Response(reply, media_type="application/xml")
        assert self.encoding_aes_key is not None
        appid = "wx-someone-else" if self.reply == "wrong_appid" else self.app_id
        encrypted_reply = encrypt(aes_key(self.encoding_aes_key), reply, appid)
        timestamp, nonce = str(int(time.time())), "98765"
        signature = sha1_sorted(self.token, timestamp, nonce, encrypted_reply)
        return Response(
            f"<xml><Encrypt><![CDATA[{encrypted_reply}]]></Encrypt>"
            f"<MsgSignature><![CDATA[{signature}]]></MsgSignature>"
            f"<TimeStamp>{timestamp}</TimeStamp><Nonce><![CDATA[{nonce}]]></Nonce></xml>",
            media_type="application/xml",
        )
