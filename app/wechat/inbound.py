"""Turn a raw callback request into a verified, decrypted, parsed WeChat message."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal
from xml.parsers.expat import ExpatError

import xmltodict
from wechatpy import parse_message
from wechatpy.messages import BaseMessage

from app.wechat.crypto import AppIdMismatch, CryptoError, MessageCrypto, signature_matches

# WeChat never sends a DTD; refusing one outright closes XXE and entity expansion for good.
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_REQUIRED_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")
_ASCII_DIGITS = re.compile(r"[0-9]+")
_MAX_TIME_DIGITS = 10  # Unix seconds until the year 2286
# Longest accepted, as stored (app/models/messages.py): longer is refused, never cut.
_MAX_LENGTHS = {"ToUserName": 64, "FromUserName": 64, "MsgId": 32, "MsgID": 32}
_NUMERIC = {"CreateTime": _MAX_TIME_DIGITS, "MsgId": 32, "MsgID": 32}


class Rejected(Exception):
    """A callback we refuse: the HTTP status, a one-line reason, and a metrics label."""

    def __init__(self, status: int, reason: str, label: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.label = label


@dataclass(frozen=True, slots=True)
class CallbackQuery:
    """The query string WeChat signs each callback with."""

    signature: str | None = None
    timestamp: str | None = None
    nonce: str | None = None
    echostr: str | None = None
    encrypt_type: str | None = None
    msg_signature: str | None = None

    @property
    def encrypted(self) -> bool:
        """True when WeChat sent the message in safe or compatible mode."""
        return (self.encrypt_type or "").lower() == "aes"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    """A verified message: wechatpy's parsed object and the raw fields it came from."""

    message: BaseMessage
    fields: dict[str, Any]
    encrypted: bool


def check_query(query: CallbackQuery, *, token: str, now: float, tolerance: int) -> None:
    """Verify the URL signature and that the timestamp is recent enough to not be a replay."""
    if not signature_matches(query.signature, token, query.timestamp or "", query.nonce or ""):
        raise Rejected(403, "invalid signature", "bad_signature")
    # ASCII digits of a sane length: int() takes "１２３" and 400 digits overflow the float below.
    if not _number(query.timestamp, _MAX_TIME_DIGITS):
        raise Rejected(400, "invalid timestamp", "bad_timestamp")
    sent = int(query.timestamp or "")
    if abs(now - sent) > tolerance:
        raise Rejected(403, "timestamp outside the accepted window", "stale_timestamp")


def _xml_dict(text: str) -> dict[str, Any]:
    """Parse a WeChat `<xml>` document with entities disabled; 400 on anything malformed."""
    try:
        doc = xmltodict.parse(text, disable_entities=True)
    except (ExpatError, ValueError) as exc:
        raise Rejected(
            400, f"malformed XML: {str(exc).splitlines()[0][:80]}", "malformed"
        ) from None
    root = doc.get("xml") if isinstance(doc, dict) else None
    if not isinstance(root, dict):
        raise Rejected(
            400, "malformed XML: the root element must be <xml> with children", "malformed"
        )
    return root


def _decode(body: bytes) -> str:
    """Decode strictly as UTF-8, refusing DTDs before any parser sees them."""
    if _DTD.search(body):
        raise Rejected(400, "DTD and entity declarations are not accepted", "dtd")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise Rejected(400, "body is not valid UTF-8", "bad_encoding") from None


def read_message(
    body: bytes,
    query: CallbackQuery,
    *,
    crypto: MessageCrypto | None,
    mode: Literal["plain", "compatible", "safe"],
) -> InboundMessage:
    """Decrypt (safe/compatible mode) and parse a callback body; raise Rejected on bad input."""
    text = _decode(body)
    if query.encrypted:
        if crypto is None:
            raise Rejected(
                400, "encrypted message but no EncodingAESKey is configured", "no_aes_key"
            )
        outer = _xml_dict(text)
        encrypt = outer.get("Encrypt")
        if not isinstance(encrypt, str) or not encrypt:
            raise Rejected(400, "encrypted message without <Encrypt>", "malformed")
        parts = (crypto.token, query.timestamp or "", query.nonce or "", encrypt)
        if not signature_matches(query.msg_signature, *parts):
            raise Rejected(403, "invalid msg_signature", "bad_signature")
        try:
            plain = crypto.decrypt(encrypt)
        except AppIdMismatch:
            raise Rejected(403, "message is encrypted for another appid", "bad_appid") from None
        except CryptoError as exc:
            raise Rejected(400, f"cannot decrypt: {exc}", "decrypt_failed") from None
        text = _decode(plain.encode())
    elif mode == "safe":
        raise Rejected(403, "plaintext messages are refused in safe mode", "plaintext_refused")

    try:
        # wechatpy parses (entities disabled) and picks the message class in one pass.
        message = parse_message(text)
    except (ExpatError, KeyError, AttributeError, ValueError, TypeError):
        message = None
    fields = message._data if message is not None else _xml_dict(text)
    _check_fields(fields)
    if message is None:  # well-formed fields, yet wechatpy refused it
        raise Rejected(400, "malformed message", "malformed")
    return InboundMessage(message=message, fields=fields, encrypted=query.encrypted)


def _check_fields(fields: dict[str, Any]) -> None:
    """Every message names sender, account, time and type exactly once."""
    for name in _REQUIRED_FIELDS:
        if not isinstance(fields.get(name), str) or not fields[name]:
            problem = "repeated" if isinstance(fields.get(name), list) else "missing"
            raise Rejected(400, f"malformed message: {problem} {name}", "malformed")
    for name, longest in _MAX_LENGTHS.items():
        value = fields.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > longest):
            raise Rejected(400, f"malformed message: {name} longer than {longest}", "malformed")
    for name, digits in _NUMERIC.items():
        value = fields.get(name)
        if value is not None and not _number(value, digits):
            raise Rejected(400, f"malformed message: {name} is not a number", "malformed")


def _number(value: object, digits: int) -> bool:
    """ASCII digits only (isdigit() also passes "１２" and "²"), at most `digits` of them."""
    return isinstance(value, str) and len(value) <= digits and bool(_ASCII_DIGITS.fullmatch(value))
