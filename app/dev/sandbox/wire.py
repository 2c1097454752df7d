"""What goes over the wire to the backend: callback XML, signatures, encryption, replies."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, cast

import xmltodict

from app.wechat.crypto import CryptoError, MessageCrypto, sha1_signature, signature_matches

XmlValue = str | int | Mapping[str, "XmlValue"] | list["XmlValue"]


def cdata(text: str) -> str:
    """Wrap text in CDATA, splitting any "]]>" it contains."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _element(name: str, value: XmlValue) -> str:
    if isinstance(value, list):
        return "".join(_element(name, item) for item in value)
    if isinstance(value, Mapping):
        inner = "".join(_element(k, v) for k, v in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, int):
        return f"<{name}>{value}</{name}>"
    return f"<{name}>{cdata(value)}</{name}>"


def render_xml(fields: Mapping[str, XmlValue]) -> str:
    """Render a WeChat XML document: strings in CDATA, numbers bare, one element per line."""
    return "<xml>\n" + "\n".join(_element(k, v) for k, v in fields.items()) + "\n</xml>"


def signature(*parts: str) -> str:
    """Return WeChat's signature: SHA-1 of the sorted, concatenated parts."""
    return hashlib.sha1("".join(sorted(parts)).encode(), usedforsecurity=False).hexdigest()


def parse_xml(text: str) -> dict[str, Any]:
    """Parse a WeChat XML document into its <xml> fields; raise ValueError when it isn't one."""
    try:
        doc = xmltodict.parse(text)
    except Exception as exc:  # expat and xmltodict raise several kinds; all mean "not XML"
        raise ValueError(f"not XML: {exc}") from exc
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise ValueError("no <xml> root")
    return cast(dict[str, Any], root)


class CallbackCrypto:
    """Safe-mode encryption for callbacks and decryption of encrypted replies.

    The backend's own envelope code (app.wechat.crypto); what checks it independently is the
    tests' WeChat peer, written with `cryptography`, and WeChat's official vectors.
    """

    def __init__(self, token: str, encoding_aes_key: str, app_id: str) -> None:
        """Bind to the account's Token, EncodingAESKey and AppID."""
        self._crypto = MessageCrypto(token=token, encoding_aes_key=encoding_aes_key, app_id=app_id)

    def encrypt(self, plaintext: str, nonce: str, timestamp: str) -> tuple[str, str]:
        """Return (Encrypt, msg_signature) for a plaintext message."""
        encrypted = self._crypto.encrypt(plaintext)
        return encrypted, sha1_signature(self._crypto.token, timestamp, nonce, encrypted)

    def decrypt_reply(self, fields: Mapping[str, Any]) -> str:
        """Verify an encrypted reply's MsgSignature and appid and return its plaintext."""
        encrypted = str(fields.get("Encrypt", ""))
        timestamp, nonce = str(fields.get("TimeStamp", "")), str(fields.get("Nonce", ""))
        given = str(fields.get("MsgSignature", ""))
        if not signature_matches(given, self._crypto.token, timestamp, nonce, encrypted):
            raise CryptoError("the reply's MsgSignature does not match")
        return self._crypto.decrypt(encrypted)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def describe_reply(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Reduce a plaintext passive reply to what a chat UI shows."""
    msgtype = str(fields.get("MsgType", ""))
    reply: dict[str, Any] = {
        "type": msgtype,
        "to": fields.get("ToUserName"),
        "from": fields.get("FromUserName"),
    }
    if msgtype == "text":
        reply["content"] = fields.get("Content") or ""
    elif msgtype == "news":
        items = _as_list((fields.get("Articles") or {}).get("item"))
        reply["articles"] = [
            {
                "title": item.get("Title") or "",
                "description": item.get("Description") or "",
                "url": item.get("Url") or "",
                "picurl": item.get("PicUrl") or "",
            }
            for item in items
            if isinstance(item, dict)
        ]
    elif msgtype in {"image", "voice", "video"}:
        media = fields.get(msgtype.capitalize()) or {}
        reply["media_id"] = media.get("MediaId") if isinstance(media, dict) else None
    elif msgtype == "music":
        reply["music"] = fields.get("Music")
    return reply
