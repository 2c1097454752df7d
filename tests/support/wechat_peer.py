"""An independent WeChat: signs, encrypts and decrypts with `cryptography`, not wechatpy.

A bug shared by our code and wechatpy cannot hide from a peer written from the spec.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import secrets
import string
import struct
import time
from dataclasses import dataclass, field
from typing import Literal
from xml.etree import ElementTree

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

Mode = Literal["plain", "compatible", "safe"]
_msg_ids = itertools.count(int(time.time() * 1000) * 1000 + os.getpid() % 1000)


def random_aes_key() -> str:
    """A fresh 43-character EncodingAESKey, as the WeChat console generates."""
    return base64.b64encode(secrets.token_bytes(32)).decode().rstrip("=")


def random_openid() -> str:
    alphabet = string.ascii_letters + string.digits + "-_"
    return "o" + "".join(secrets.choice(alphabet) for _ in range(27))


def sign(*parts: str) -> str:
    return hashlib.sha1("".join(sorted(parts)).encode()).hexdigest()


def cdata(value: str) -> str:
    return f"<![CDATA[{value}]]>"


@dataclass
class WeChatPeer:
    """Plays WeChat's side of the callback for one account."""

    token: str = field(default_factory=lambda: secrets.token_hex(8))
    aes_key: str = field(default_factory=random_aes_key)
    app_id: str = field(default_factory=lambda: "wx" + secrets.token_hex(8))
    account: str = "gh_0123456789ab"
    now: float | None = None  # fixed request time; None means the real clock

    # --- crypto, straight from the spec -------------------------------------------------
    @property
    def key(self) -> bytes:
        return base64.b64decode(self.aes_key + "=")

    def encrypt(self, plaintext: str, *, app_id: str | None = None) -> str:
        body = plaintext.encode()
        raw = (
            os.urandom(16) + struct.pack(">I", len(body)) + body + (app_id or self.app_id).encode()
        )
        pad = 32 - len(raw) % 32
        raw += bytes([pad]) * pad
        enc = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).encryptor()
        return base64.b64encode(enc.update(raw) + enc.finalize()).decode()

    def decrypt(self, ciphertext: str) -> tuple[str, str]:
        dec = Cipher(algorithms.AES(self.key), modes.CBC(self.key[:16])).decryptor()
        raw = dec.update(base64.b64decode(ciphertext)) + dec.finalize()
        pad = raw[-1]
        assert 1 <= pad <= 32 and raw[-pad:] == bytes([pad]) * pad, "bad padding in reply"
        content = raw[16:-pad]
        (length,) = struct.unpack(">I", content[:4])
        return content[4 : 4 + length].decode(), content[4 + length :].decode()

    # --- messages -----------------------------------------------------------------------
    def timestamp(self) -> int:
        return int(self.now if self.now is not None else time.time())

    def text(
        self,
        openid: str,
        content: str,
        *,
        msg_id: int | None = None,
        create_time: int | None = None,
    ) -> str:
        return (
            f"<xml><ToUserName>{cdata(self.account)}</ToUserName>"
            f"<FromUserName>{cdata(openid)}</FromUserName>"
            f"<CreateTime>{create_time or self.timestamp()}</CreateTime>"
            f"<MsgType>{cdata('text')}</MsgType><Content>{cdata(content)}</Content>"
            f"<MsgId>{msg_id or next(_msg_ids)}</MsgId></xml>"
        )

    def event(
        self,
        openid: str,
        event: str,
        key: str | None = None,
        *,
        create_time: int | None = None,
        extra: str = "",
    ) -> str:
        key_xml = f"<EventKey>{cdata(key)}</EventKey>" if key is not None else ""
        return (
            f"<xml><ToUserName>{cdata(self.account)}</ToUserName>"
            f"<FromUserName>{cdata(openid)}</FromUserName>"
            f"<CreateTime>{create_time or self.timestamp()}</CreateTime>"
            f"<MsgType>{cdata('event')}</MsgType><Event>{cdata(event)}</Event>{key_xml}{extra}</xml>"
        )

    def request(
        self,
        xml: str,
        mode: Mode = "safe",
        *,
        nonce: str | None = None,
        timestamp: int | None = None,
        app_id: str | None = None,
        openid: str = "",
    ) -> tuple[dict[str, str], bytes]:
        """Query parameters and body of the POST WeChat would make in this mode."""
        ts, nonce = str(timestamp or self.timestamp()), nonce or secrets.token_hex(5)
        params = {"signature": sign(self.token, ts, nonce), "timestamp": ts, "nonce": nonce}
        if openid:
            params["openid"] = openid
        if mode == "plain":
            return params, xml.encode()
        encrypted = self.encrypt(xml, app_id=app_id)
        params |= {"encrypt_type": "aes", "msg_signature": sign(self.token, ts, nonce, encrypted)}
        if mode == "safe":
            to_user = f"<ToUserName>{cdata(self.account)}</ToUserName>"
            body = f"<xml>{to_user}<Encrypt>{cdata(encrypted)}</Encrypt></xml>"
        else:  # compatible: the plaintext fields and <Encrypt> side by side
            body = xml.replace("</xml>", f"<Encrypt>{cdata(encrypted)}</Encrypt></xml>")
        return params, body.encode()

    def open_reply(self, body: str) -> dict[str, str]:
        """Check the reply's signature and appid (when encrypted) and return its fields."""
        if body == "success" or body == "":
            return {}
        root = ElementTree.fromstring(body)
        fields = {child.tag: (child.text or "") for child in root}
        if "Encrypt" in fields and "MsgType" not in fields:
            expected = sign(self.token, fields["TimeStamp"], fields["Nonce"], fields["Encrypt"])
            assert fields["MsgSignature"] == expected, "reply signature does not verify"
            plain, app_id = self.decrypt(fields["Encrypt"])
            assert app_id == self.app_id, f"reply encrypted for {app_id!r}"
            inner = ElementTree.fromstring(plain)
            return {child.tag: (child.text or "") for child in inner}
        return fields
